import { hashPasswordScrypt } from '../../lib/internal';

/**
 * The editor's "add user" button (basic and login dialogs): POST
 * <admin root>/authflow-api-auth/hash-password with `{ "password": "…" }`
 * answers `{ "hash": "$scrypt$…" }`. The runtime hashes (scrypt, the
 * package's default cost) so the plain text never reaches the flow file; it
 * is neither stored nor logged. Needs the `flows.write` permission (whoever
 * may change the flow's user list) when adminAuth is on.
 */
export const HASH_PASSWORD_PATH = '/authflow-api-auth/hash-password';

/** Longest password accepted, in UTF-8 bytes (like the CLI and the check nodes' input caps). */
const MAX_BYTES = 1024;
/** Hashes at once: each occupies a libuv thread for ~100 ms, which request-path checks share. */
const MAX_IN_FLIGHT = 2;

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
  log?: { error(msg: unknown): void };
}

const registered = new WeakSet<object>();

/** Adds the route once per Node-RED admin app (every node type of the package may call it). */
export function registerHashPasswordEndpoint(runtime: object): void {
  const RED = runtime as AdminRED;
  const app = RED.httpAdmin;
  if (!app || registered.has(app)) return;
  registered.add(app);
  const permission: Handler = RED.auth?.needsPermission('flows.write') ?? ((_req, _res, next) => next());
  let inFlight = 0;
  app.post(HASH_PASSWORD_PATH, permission, (req, res) => {
    res.set({ 'Cache-Control': 'no-store' });
    const password = (req.body as { password?: unknown } | undefined)?.password;
    // JSON only: a cross-site form post cannot send it without a CORS preflight.
    if (!req.is('application/json') || typeof password !== 'string' || password === '' || Buffer.byteLength(password) > MAX_BYTES) {
      res.status(400).json({ error: 'AUTH_003', message: `send {"password": "…"} as JSON, 1 to ${MAX_BYTES} bytes` });
      return;
    }
    if (inFlight >= MAX_IN_FLIGHT) {
      res.status(429).set({ 'Retry-After': '1' }).json({ error: 'AUTH_009', message: 'hashing another password, try again' });
      return;
    }
    inFlight++;
    hashPasswordScrypt(password)
      .then((hash) => res.json({ hash }))
      .catch((e: unknown) => {
        RED.log?.error(`authflow hash-password: ${e instanceof Error ? e.stack : String(e)}`);
        // The package's one answer for "could not do it" (never disguised as bad input).
        res.status(503).set({ 'Retry-After': '1' }).json({ error: 'AUTH_011', message: 'could not hash the password' });
      })
      .finally(() => inFlight--);
  });
}
