import type { OAuthServerProvider } from './server-provider';
import { registerAdminPost, refuse } from '../shared/admin-endpoint';

/**
 * The editor's "generate a client secret" button (authflow-oauth2-server
 * dialog): POST <admin root>/authflow-api-auth/oauth2-client-secret with
 * `{ "server": "<config node id>", "clientId": "…" }` answers
 * `{ "client_id", "client_secret", "hash" }`. The deployed server makes the
 * hash with its client-secret key; the secret is shown once in the dialog and
 * never stored or logged — only the hash goes into the client list. Permission, JSON
 * only, no-store: see nodes/shared/admin-endpoint.ts.
 */
export const CLIENT_SECRET_PATH = '/authflow-api-auth/oauth2-client-secret';

const CLIENT_ID = /^[\x20-\x7e]{1,128}$/;

export function registerClientSecretEndpoint(runtime: object): void {
  registerAdminPost(runtime, {
    path: CLIENT_SECRET_PATH,
    parse: ({ server, clientId }) => (typeof server === 'string' && typeof clientId === 'string' && CLIENT_ID.test(clientId) ? { server, clientId } : undefined),
    badRequest: 'send {"server": "<config node id>", "clientId": "…"} as JSON; a client id is 1-128 printable ASCII characters',
    handle({ server, clientId }, res, RED) {
      const provider = RED.nodes?.getNode(server) as Partial<OAuthServerProvider> | null | undefined;
      if (!provider || typeof provider.oauth !== 'function') {
        refuse(res, 409, 'AUTH_011', 'deploy the oauth2 server first: its client-secret key makes the hash');
        return;
      }
      try {
        const { secret, hash } = provider.oauth().generateSecret(clientId);
        res.json({ client_id: clientId, client_secret: secret, hash });
      } catch (e) {
        refuse(res, 409, 'AUTH_011', e instanceof Error ? e.message : 'the oauth2 server is not usable');
      }
    },
  });
}
