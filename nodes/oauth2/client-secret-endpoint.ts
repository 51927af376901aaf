import type { OAuthServerProvider } from './server-provider';

/**
 * The editor's "generate a client secret" button (authflow-oauth2-server
 * dialog): POST <admin root>/authflow-api-auth/oauth2-client-secret with
 * `{ "server": "<config node id>", "clientId": "…" }` answers
 * `{ "client_id", "client_secret", "hash" }`. The deployed server makes the
 * hash with its client-secret key; the secret is shown once in the dialog and
 * never stored or logged — only the hash goes into the client list. Needs the
 * `flows.write` permission when adminAuth is on; JSON only (no cross-site form post).
 */
export const CLIENT_SECRET_PATH = '/authflow-api-auth/oauth2-client-secret';

interface Req { body?: unknown; is(type: string): string | false | null }
interface Res {
  status(code: number): Res;
  set(headers: Record<string, string>): Res;
  json(body: unknown): unknown;
}
type Handler = (req: Req, res: Res, next: () => void) => void;
interface AdminRED {
  httpAdmin?: { post(path: string, ...handlers: Handler[]): unknown };
  auth?: { needsPermission(permission: string): Handler };
  nodes: { getNode(id: string): unknown };
}

const registered = new WeakSet<object>();
const CLIENT_ID = /^[\x20-\x7e]{1,128}$/;

export function registerClientSecretEndpoint(runtime: object): void {
  const RED = runtime as AdminRED;
  const app = RED.httpAdmin;
  if (!app || registered.has(app)) return;
  registered.add(app);
  const permission: Handler = RED.auth?.needsPermission('flows.write') ?? ((_req, _res, next) => next());
  app.post(CLIENT_SECRET_PATH, permission, (req, res) => {
    res.set({ 'Cache-Control': 'no-store' });
    const body = (req.body ?? {}) as { server?: unknown; clientId?: unknown };
    if (!req.is('application/json') || typeof body.server !== 'string' || typeof body.clientId !== 'string' || !CLIENT_ID.test(body.clientId)) {
      res.status(400).json({ error: 'AUTH_003', message: 'send {"server": "<config node id>", "clientId": "…"} as JSON; a client id is 1-128 printable ASCII characters' });
      return;
    }
    const provider = RED.nodes.getNode(body.server) as Partial<OAuthServerProvider> | null;
    if (!provider || typeof provider.oauth !== 'function') {
      res.status(409).json({ error: 'AUTH_011', message: 'deploy the oauth2 server first: its client-secret key makes the hash' });
      return;
    }
    try {
      const { secret, hash } = provider.oauth().generateSecret(body.clientId);
      res.json({ client_id: body.clientId, client_secret: secret, hash });
    } catch (e) {
      res.status(409).json({ error: 'AUTH_011', message: e instanceof Error ? e.message : 'the oauth2 server is not usable' });
    }
  });
}
