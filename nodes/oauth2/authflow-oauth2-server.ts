import { assertSupportedNode } from '../shared/supported-node';
import { OAuthServer, ClientAuthMethod } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import { list } from '../shared/config-values';
import { issuerTokens } from '../login/issuer-provider';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-oauth2-server.schema';
import type { OAuthServerProvider } from './server-provider';
import { registerClientSecretEndpoint } from './client-secret-endpoint';

/** How long a failed build is answered from memory before it is tried again. */
const BUILD_RETRY_MS = 5000;

interface ServerConfig {
  name?: string;
  issuer?: string;
  tokenPath?: string;
  revocationPath?: string;
  introspectionPath?: string;
  jwksPath?: string;
  allowBasic?: boolean;
  allowPost?: boolean;
  allowPrivateKeyJwt?: boolean;
  scopesSupported?: string;
  realm?: string;
  clientsType?: string;
  clients?: string;
}

/**
 * authflow-oauth2-server (config): one OAuth 2.0 authorization server over an
 * authflow-issuer — its endpoint URLs, client authentication methods, the
 * client list and the key of the client-secret hashes. The authflow-oauth2
 * nodes are its endpoints. Built on first use (every config node exists by
 * then); a configuration error fails every endpoint closed.
 */
export = function register(RED: RED) {
  assertSupportedNode();
  registerClientSecretEndpoint(RED);
  function AuthflowOAuth2Server(this: RedNode & OAuthServerProvider, config: ServerConfig) {
    RED.nodes.createNode(this, config);
    config = loadConfig(schema, config); // migrated, defaults filled
    const node = this;
    let built: OAuthServer | undefined;
    let failed: { error: string; at: number } | undefined;
    node.issuerId = config.issuer || undefined;
    node.clientsType = config.clientsType || 'cred';
    node.clients = config.clients || '';
    // Only a built server is kept: a failed build (an issuer not ready yet, a store still connecting) is
    // retried after a short backoff instead of failing every endpoint until the next deploy.
    node.oauth = () => {
      if (built) return built;
      if (!failed || Date.now() - failed.at >= BUILD_RETRY_MS) {
        try {
          assertConfig(schema, config);
          built = build(RED, node, config);
          failed = undefined;
          return built;
        } catch (e) {
          failed = { error: e instanceof Error ? e.message : String(e), at: Date.now() };
          node.error(`oauth2 server configuration error: ${failed.error}`);
        }
      }
      throw new Error(`oauth2 server "${config.name || node.id}": ${failed!.error}`);
    };
  }
  RED.nodes.registerType('authflow-oauth2-server', AuthflowOAuth2Server, { credentials: schema.credentials });
};

function build(RED: RED, node: RedNode, config: ServerConfig): OAuthServer {
  const tokens = issuerTokens(RED, config.issuer);
  const iss = tokens.issuer.issuer;
  if (!iss) throw new Error('the selected issuer needs an iss: the authorization server identifier (RFC 8414 §2), e.g. https://auth.example.com');
  const secretKey = node.credentials?.secretKey;
  if (!secretKey) throw new Error('the client-secret key is empty (32 bytes or more)');
  const methods: ClientAuthMethod[] = [];
  if (config.allowBasic) methods.push('client_secret_basic');
  if (config.allowPost) methods.push('client_secret_post');
  if (config.allowPrivateKeyJwt) methods.push('private_key_jwt');
  if (!methods.length) throw new Error('allow at least one client authentication method');
  return new OAuthServer({
    tokens,
    clientSecretKey: secretKey,
    tokenEndpoint: endpoint(iss, config.tokenPath)!,
    revocationEndpoint: endpoint(iss, config.revocationPath),
    introspectionEndpoint: endpoint(iss, config.introspectionPath),
    jwksUri: endpoint(iss, config.jwksPath),
    authMethods: methods,
    scopesSupported: list(config.scopesSupported),
    realm: config.realm || 'oauth',
  });
}

/** A path is appended to the issuer identifier (which may have a path of its own); a full URL is taken as it is. */
function endpoint(iss: string, value: string | undefined): string | undefined {
  const v = (value || '').trim();
  if (!v) return undefined;
  if (/^https?:\/\//i.test(v)) return v;
  if (!v.startsWith('/')) throw new Error(`endpoint "${v.slice(0, 60)}" must be a path starting with / or a full URL`);
  return iss.replace(/\/+$/, '') + v;
}
