import { COMMON_PROPERTIES, NodeSchema } from '../shared/schema';

/** authflow-bearer: see nodes/shared/schema.ts for what a schema feeds. */
export const schema: NodeSchema = {
  type: 'authflow-bearer',
  version: 1,
  properties: {
    ...COMMON_PROPERTIES,
    realm: { default: 'api', required: true, rule: 'quotedText' },
    keySource: { default: 'issuer', choices: ['issuer', 'jwks', 'key', 'secret'] },
    issuer: { default: '', configType: 'authflow-issuer', rule: 'required', when: { field: 'keySource', is: ['issuer'] } },
    alg: { default: 'RS256' },
    algorithms: { default: 'RS256, ES256, EdDSA' },
    publicKey: { default: '' },
    jwksUrl: { default: '' },
    allowHttp: { default: false },
    jwksCooldown: { default: 30, rule: 'numberOrBlank' },
    iss: { default: '' },
    aud: { default: '' },
    leeway: { default: 30, rule: 'numberOrBlank' },
    requireExp: { default: true },
    maxTokenAge: { default: '', rule: 'numberOrBlank' },
    typ: { default: '' },
    requiredClaims: { default: '' },
    rolesClaim: { default: 'roles' },
    allowQuery: { default: false },
    // RFC 6750 §2.2: access_token in the request body (form or JSON, msg.payload.access_token).
    allowBody: { default: false },
    cacheSize: { default: 10000, rule: 'wholeOrBlank' },
  },
  credentials: { secret: { type: 'password' } },
  migrations: [(c) => c], // 0 → 1: configVersion introduced, nothing renamed
};
