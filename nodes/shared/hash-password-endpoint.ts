import { hashPasswordScrypt } from '../../lib/internal';
import { registerAdminPost, refuse } from './admin-endpoint';

/**
 * The editor's "add user" button (basic and login dialogs): POST
 * <admin root>/authflow-api-auth/hash-password with `{ "password": "…" }`
 * answers `{ "hash": "$scrypt$…" }`. The runtime hashes (scrypt, the
 * package's default cost) so the plain text never reaches the flow file; it
 * is neither stored nor logged. Permission, JSON only, no-store: see admin-endpoint.ts.
 */
export const HASH_PASSWORD_PATH = '/authflow-api-auth/hash-password';

/** Longest password accepted, in UTF-8 bytes (like the CLI and the check nodes' input caps). */
const MAX_BYTES = 1024;
/** Hashes at once: each occupies a libuv thread for ~100 ms, which request-path checks share. */
const MAX_IN_FLIGHT = 2;

/** Adds the route once per Node-RED admin app (every node type of the package may call it). */
export function registerHashPasswordEndpoint(runtime: object): void {
  let inFlight = 0;
  registerAdminPost(runtime, {
    path: HASH_PASSWORD_PATH,
    parse: ({ password }) => (typeof password === 'string' && password !== '' && Buffer.byteLength(password) <= MAX_BYTES ? password : undefined),
    badRequest: `send {"password": "…"} as JSON, 1 to ${MAX_BYTES} bytes`,
    handle(password: string, res, RED) {
      if (inFlight >= MAX_IN_FLIGHT) {
        refuse(res, 429, 'AUTH_009', 'hashing another password, try again', { 'Retry-After': '1' });
        return;
      }
      inFlight++;
      hashPasswordScrypt(password)
        .then((hash) => res.json({ hash }))
        .catch((e: unknown) => {
          RED.log?.error(`authflow hash-password: ${e instanceof Error ? e.stack : String(e)}`);
          // The package's one answer for "could not do it" (never disguised as bad input).
          refuse(res, 503, 'AUTH_011', 'could not hash the password', { 'Retry-After': '1' });
        })
        .finally(() => inFlight--);
    },
  });
}
