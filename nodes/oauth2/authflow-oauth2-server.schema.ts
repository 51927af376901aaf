import { NodeSchema, SOURCE_TYPES } from '../shared/schema';

/** authflow-oauth2-server (config node): see nodes/shared/schema.ts for what a schema feeds. */
export const schema: NodeSchema = {
  type: 'authflow-oauth2-server',
  version: 1,
  properties: {
    name: { default: '' },
    issuer: { default: '', configType: 'authflow-issuer', required: true },
    // Paths are appended to the issuer's iss; a full URL is taken as it is.
    tokenPath: { default: '/oauth/token', required: true },
    revocationPath: { default: '/oauth/revoke' },
    introspectionPath: { default: '/oauth/introspect' },
    jwksPath: { default: '/oauth/jwks' },
    allowBasic: { default: true },
    allowPost: { default: true },
    allowPrivateKeyJwt: { default: true },
    scopesSupported: { default: '' },
    realm: { default: 'oauth', required: true, rule: 'quotedText' },
    // Where the client list comes from: `cred` = the clientList credential, `store` = the issuer's
    // store (lib/oauth2/client-store.ts, managed from the auth sidebar), else a flow/global/env/msg key.
    clientsType: { default: 'cred', choices: [...SOURCE_TYPES, 'store'] },
    clients: { default: '', sourceTypeField: 'clientsType', extraSources: ['store'] },
  },
  credentials: { secretKey: { type: 'password' }, clientList: { type: 'text' } },
  migrations: [(c) => c], // 0 → 1: the first version
};
