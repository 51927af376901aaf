'use strict';
/** lib/bearer/check.ts: the one Bearer check of the bearer node and the bearerAuth middleware. */
const assert = require('assert');
const { bearerCheck, BearerAuthenticator, JwtSource, buildVerificationKey, buildSigningKey, signJwt, requiredScopesOf, AuthError } = require('../../../dist/lib/internal');

const SECRET = 'lib-bearer-check-secret-of-32-bytes!!';
const now = () => Math.floor(Date.now() / 1000);
const token = (claims = {}) => signJwt({ sub: 'svc', scope: 'a b', exp: now() + 60, ...claims }, buildSigningKey({ alg: 'HS256', secret: SECRET }));
const verifier = (allowQuery = false) => new BearerAuthenticator({ allowQuery, source: new JwtSource({ keys: [buildVerificationKey({ alg: 'HS256', secret: SECRET })] }) });
const req = (headers = [], query = '', previous) => ({ rawHeaders: headers, query, peer: '127.0.0.1', previous });
const outcome = (fn) => { try { return fn(); } catch (e) { assert.ok(e instanceof AuthError, String(e)); return `${e.status} ${e.code} ${e.oauthError ?? ''}`.trim(); } };

describe('lib/bearer: bearerCheck', () => {
  it('verifies (a cached verification synchronously), carries the client address, and refuses missing scopes with 403 insufficient_scope', async () => {
    const t = token();
    const check = bearerCheck(verifier());
    await check.run(req(['Authorization', `Bearer ${t}`]));
    const info = check.run(req(['Authorization', `Bearer ${t}`], '', { method: 'ip', scopes: [], ip: '203.0.113.5' }));
    assert.ok(!(info instanceof Promise), 'a cached verification needs no await');
    assert.deepStrictEqual([info.subject, info.scopes, info.ip], ['svc', ['a', 'b'], '203.0.113.5']);
    const strict = bearerCheck(verifier(), { requiredScopes: ['a', 'c'] });
    await assert.rejects(async () => strict.run(req(['Authorization', `Bearer ${t}`])), (e) => e.status === 403 && e.code === 'AUTH_008' && e.oauthError === 'insufficient_scope');
  });

  it('the query is read from the raw URL: access_token[a]=b and a disabled query token are 400 invalid_request', async () => {
    const check = bearerCheck(verifier(true));
    assert.strictEqual((await check.run(req([], 'access_token=' + token()))).subject, 'svc');
    assert.strictEqual(outcome(() => check.run(req([], 'access_token[a]=b'))), '400 AUTH_003 invalid_request');
    assert.strictEqual(outcome(() => bearerCheck(verifier(false)).run(req([], 'access_token=' + token()))), '400 AUTH_003 invalid_request');
  });

  it('challenges: bare for no credentials, with error for a bad token (RFC 6750 §3)', () => {
    const check = bearerCheck(verifier(), { realm: 'partners' });
    const none = (() => { try { check.run(req()); } catch (e) { return e; } })();
    assert.deepStrictEqual(check.challenge(none), { 'WWW-Authenticate': 'Bearer realm="partners"' });
    assert.throws(() => bearerCheck(verifier(), { realm: 'a"b' }), /realm/);
  });

  it('required scopes are validated once (RFC 6749 §3.3 scope-token)', () => {
    assert.deepStrictEqual(requiredScopesOf('a, b c'), ['a', 'b', 'c']);
    assert.throws(() => requiredScopesOf(['a"b']), /scope/);
  });
});
