'use strict';
// The package as users load it, through package.json "exports" (self-reference
// by name): defect 7 of issue 11 was a root export named `then`, which made the
// ES module namespace a thenable so `await import()` never gave the module.
// Compile-time side: test/types/public-api.ts (npm run test:types).
const assert = require('node:assert/strict');

const PKG = '@authflow/node-red-api-auth';

// The public API, name by name. Adding a name here is a deliberate API change (semver).
const ROOT = [
  'AuthError', 'BasicAuthenticator', 'BearerAuthenticator', 'ContextStore', 'InsufficientScopeError',
  'InvalidCredentialsError', 'IpAccessList', 'IpNotAllowedError', 'IpRuleError', 'JwksKeyResolver', 'JwtVerifier',
  'KeyRejectedError', 'LockedError', 'MalformedCredentialsError', 'MemoryStore', 'MfaError', 'PUBLIC_MESSAGES',
  'PasswordChecker', 'PostgresStore', 'RateLimitedError', 'RedisStore', 'SUPPORTED_ALGS', 'SignatureError',
  'StaticKeyResolver', 'StoreUnavailableError', 'TokenExpiredError', 'apiKeys', 'apiToken', 'auditEvents', 'base32Decode',
  'base32Encode', 'basicAuth', 'basicChallenge', 'bearerAuth', 'bearerChallenge', 'buildSigningKey',
  'buildVerificationKey', 'chain', 'compileExceptions', 'createAuthMiddleware', 'createStore', 'extractApiToken',
  'generateTotpSecret', 'hashPasswordScrypt', 'ipAllowlist', 'otpauthUri', 'parseBasicAuthorization', 'parseCidr',
  'passwordKind', 'rateLimit', 'requireScope', 'resolveClientIp', 'signJwt', 'storedPasswordProblem', 'toAuthError', 'totp', 'unless',
  'validateRealm', 'verificationKeyFor', 'verifyPassword', 'verifyTotp',
  // the checks, one per method, and the answer to a refusal
  'apiKeyCheck', 'basicCheck', 'bearerCheck', 'ipCheck', 'rejectionFor',
];
const MIDDLEWARE = ['apiKeys', 'apiToken', 'basicAuth', 'bearerAuth', 'buildCheck', 'chain', 'compileExceptions', 'createAuthMiddleware', 'ipAllowlist', 'rateLimit', 'requireScope', 'unless'];
const STORE = ['ContextStore', 'MemoryStore', 'PostgresStore', 'RedisStore', 'createStore'];

const named = (ns) => Object.keys(ns).filter((k) => k !== 'default' && k !== '__esModule').sort();

describe('public API: what `import` and `require` of the package give', () => {
  it('await import() of the package resolves to its namespace, with exactly the public names and no `then`', async () => {
    const ns = await import(PKG);
    assert.equal(typeof ns.then, 'undefined');
    assert.deepEqual(named(ns), [...ROOT].sort(), 'public API changed: update ROOT here, test/types/public-api.ts and docs/ARCHITECTURE.md');
    assert.equal(typeof ns.createAuthMiddleware, 'function');
    assert.equal(ns.default, require(PKG), 'the CommonJS exports are the default export');
  });

  it('the ./middleware and ./store subpaths resolve, through import and require alike', async () => {
    assert.deepEqual(named(await import(`${PKG}/middleware`)), MIDDLEWARE);
    assert.deepEqual(named(await import(`${PKG}/store`)), STORE);
    assert.equal(require(`${PKG}/middleware`).createAuthMiddleware, require(PKG).createAuthMiddleware);
    assert.equal(require(`${PKG}/store`).MemoryStore, require(PKG).MemoryStore);
    assert.equal(require(`${PKG}/package.json`).name, PKG);
    assert.equal(require(`${PKG}/audit-event.schema.json`).type, 'object');
  });

  it('internals are not reachable: the internal entry and file paths are outside the exports map', async () => {
    for (const sub of ['dist/lib/internal', 'dist/lib/internal.js', 'dist/lib/util/maybe', 'dist/lib/store/redis-store.js']) {
      assert.throws(() => require(`${PKG}/${sub}`), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }, sub);
      await assert.rejects(import(`${PKG}/${sub}`), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }, sub);
    }
  });

  it('every public name is also on the internal entry, so the nodes see the same objects users do', () => {
    const pub = require(PKG);
    const internal = require('../../dist/lib/internal');
    for (const name of ROOT) assert.equal(internal[name], pub[name], name);
  });
});
