// Compile-only test of the public types, through the package's "exports" map
// as a user's TypeScript sees it (node16 resolution). `npm run test:types`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AuthError, InvalidCredentialsError, StoreUnavailableError, toAuthError, auditEvents,
  createAuthMiddleware, basicAuth, apiToken, bearerAuth, ipAllowlist, rateLimit, requireScope, apiKeys, unless, chain,
  createStore, MemoryStore, hashPasswordScrypt, verifyPassword, passwordKind, PasswordChecker,
  totp, verifyTotp, base32Decode, generateTotpSecret, otpauthUri,
  buildVerificationKey, buildSigningKey, JwtVerifier, StaticKeyResolver, signJwt,
  IpAccessList, parseBasicAuthorization, basicCheck, apiKeyCheck, ipCheck, rejectionFor,
} from '@authflow/node-red-api-auth';
import type {
  AuthInfo, AuthCode, AuthDecision, Middleware, AuthenticatedRequest, CheckSpec, Store, StoreConfig, JwsAlg, VerifiedJwt,
  Check, CheckRequest, Rejection, Maybe,
} from '@authflow/node-red-api-auth';
import * as middleware from '@authflow/node-red-api-auth/middleware';
import * as stores from '@authflow/node-red-api-auth/store';

// The middleware a settings.js builds, in every form.
const checks: CheckSpec[] = [
  { type: 'ip', allow: ['10.0.0.0/8'] },
  { type: 'token', tokens: () => process.env.API_KEYS },
  { type: 'scope', scopes: 'orders:read', scopeMatch: 'any' },
];
const mw: Middleware = createAuthMiddleware({ except: ['/health'], checks });
const each: Middleware[] = [
  basicAuth({ users: [{ username: 'alice', password: 'scrypt$…' }] }),
  apiToken({ tokens: ['k'] }),
  bearerAuth({ secret: 'a-test-secret-of-at-least-32-bytes!!' }),
  ipAllowlist({ allow: ['127.0.0.1'] }),
  rateLimit({ limits: [{ limit: 100, window: 1, unit: 'm' }], keyBy: 'subject' }),
  requireScope({ scopes: ['orders:write'], roles: 'admin ops', roleMatch: 'any' }),
  apiKeys({ store: createStore({ type: 'redis', url: 'redis://127.0.0.1:6379' }), secret: process.env.AUTHFLOW_KEY_SECRET ?? '', envs: ['prod'] }),
  unless(['/public/**'], mw),
  chain([mw, mw]),
];
const sameFromSubpath: typeof createAuthMiddleware = middleware.createAuthMiddleware;
declare const req: AuthenticatedRequest;
declare const res: ServerResponse;
mw(req as IncomingMessage, res, (err?: unknown) => void err);
const who: AuthInfo | undefined = req.auth;
const subject: string | undefined = who?.subject;
const scopes: string[] | undefined = who?.scopes;

// Errors carry a stable code and status.
const err: AuthError = new InvalidCredentialsError('x');
const code: AuthCode = err.code;
const status: number = err.status;
const fromUnknown: AuthError = toAuthError(new Error('boom'));
const outage: AuthError = new StoreUnavailableError('redis down');

// Audit events.
auditEvents.on('decision', (e: AuthDecision) => void e.outcome);

// Stores.
const config: StoreConfig = { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: 'app:' };
const store: Store = createStore(config);
const memory: Store = new MemoryStore();
const fromSubpath: Store = stores.createStore({ type: 'postgres', connectionString: 'postgres://localhost/db' });
const value: Promise<string | undefined> = store.get('k');

// Passwords, TOTP, JWT.
const hash: Promise<string> = hashPasswordScrypt('secret');
const ok: Promise<boolean> = verifyPassword('secret', 'scrypt$…');
const kind: string = passwordKind('scrypt$…');
const checker = new PasswordChecker();
const code6: string = totp(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), 59);
const step: number | undefined = verifyTotp(generateTotpSecret(), '123456', 59);
const uri: string = otpauthUri({ secret: generateTotpSecret(), issuer: 'Acme', account: 'alice' });
const alg: JwsAlg = 'HS256';
const signing = buildSigningKey({ alg, secret: 'a-test-secret-of-at-least-32-bytes!!' });
const jwt: string = signJwt({ sub: 'alice' }, signing);
const verifier = new JwtVerifier({ keys: new StaticKeyResolver([buildVerificationKey({ alg, secret: 'a-test-secret-of-at-least-32-bytes!!' })]) });
const verified: VerifiedJwt | Promise<VerifiedJwt> = verifier.verify(jwt);
const list = new IpAccessList({ allow: ['10.0.0.0/8'] });
const creds: { username: string; password: string } = parseBasicAuthorization(['Basic YTpi']);

// A check outside Node-RED and Express: built once, run per request, a refusal answered with rejectionFor.
const basic: Check = basicCheck({ fixed: 'alice:$scrypt$…' }, { realm: 'api' });
const keys: Check = apiKeyCheck({ read: () => process.env.API_KEYS, what: 'env API_KEYS' }, { header: 'x-api-key' });
const ips: Check = ipCheck({ allow: { fixed: ['10.0.0.0/8'] } });
const request: CheckRequest = { rawHeaders: ['Authorization', 'Basic YWxpY2U6cHc='], query: '', peer: '127.0.0.1', previous: undefined };
const passed: Maybe<AuthInfo> = basic.run(request);
function refuse(e: unknown): Rejection | undefined {
  return e instanceof AuthError ? rejectionFor(e, basic.challenge(e)) : undefined;
}

// Internals are not public.
// @ts-expect-error `then` would make the ES module namespace a thenable
import { then } from '@authflow/node-red-api-auth';
// @ts-expect-error lib/internal is not in the exports map
import * as internal from '@authflow/node-red-api-auth/dist/lib/internal';
// @ts-expect-error nor is any other file path
import * as deep from '@authflow/node-red-api-auth/dist/lib/store/redis-store';

export {
  each, sameFromSubpath, subject, scopes, code, status, fromUnknown, outage, memory, fromSubpath, value, hash, ok, kind,
  checker, code6, step, uri, verified, list, creds, keys, ips, passed, refuse, then, internal, deep,
};
