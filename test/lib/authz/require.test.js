'use strict';
/** lib/authz: all/any of scopes and roles on an earlier check's AuthInfo, and the errors a refusal carries. */
const assert = require('node:assert/strict');
const { authorize, requirementList, scopeCheck } = require('../../../dist/lib/internal');

const auth = (scopes, roles) => ({ method: 'bearer', subject: 's', scopes, roles });
const need = (o) => ({ scopes: [], scopeMatch: 'all', roles: [], roleMatch: 'all', ...o });

describe('authorize (lib/authz)', () => {
  it('all / any of scopes; roles likewise; both when both are given', () => {
    assert.ok(authorize(auth(['a', 'b']), need({ scopes: ['a', 'b'] })));
    assert.throws(() => authorize(auth(['a']), need({ scopes: ['a', 'b'] })), (e) => e.code === 'AUTH_008' && e.status === 403 && e.oauthError === 'insufficient_scope' && e.scope === 'a b' && /missing scope b/.test(e.reason));
    assert.ok(authorize(auth(['b']), need({ scopes: ['a', 'b'], scopeMatch: 'any' })));
    assert.throws(() => authorize(auth(['c']), need({ scopes: ['a', 'b'], scopeMatch: 'any' })), (e) => e.code === 'AUTH_008');
    assert.ok(authorize(auth([], ['ops']), need({ roles: ['admin', 'ops'], roleMatch: 'any' })));
    assert.throws(() => authorize(auth(['a'], ['user']), need({ scopes: ['a'], roles: ['admin'] })), (e) => e.code === 'AUTH_008' && e.oauthError === undefined);
    // Nothing required would pass every authenticated caller: fail closed instead.
    assert.throws(() => authorize(auth(['a']), need({})), (e) => e.code === 'AUTH_011' && e.status === 503);
  });

  it('an empty requirement fails closed: refused when built (typed in), 503 AUTH_011 per request (read live)', async () => {
    for (const [scopes, roles] of [['', ''], [[], ' , '], [undefined, null]]) {
      assert.throws(() => scopeCheck({ scopes: { fixed: scopes }, roles: { fixed: roles } }), /give scopes and\/or roles/);
    }
    const req = { rawHeaders: [], query: '', peer: undefined, previous: auth(['a']) };
    for (const value of ['', [], ' , ']) {
      const check = scopeCheck({ scopes: { read: () => value, what: 'k' }, roles: { fixed: '' } });
      assert.throws(() => check.run(req), (e) => e.code === 'AUTH_011' && e.status === 503, JSON.stringify(value));
      const async = scopeCheck({ scopes: { fixed: 'a' }, roles: { read: async () => value, what: 'k' } });
      await assert.rejects(async.run(req), (e) => e.code === 'AUTH_011');
    }
  });

  it('no earlier check: 401 AUTH_001; a malformed AuthInfo grants nothing', () => {
    assert.throws(() => authorize(undefined, need({ scopes: ['a'] })), (e) => e.code === 'AUTH_001' && e.status === 401);
    assert.throws(() => authorize({ method: 'x', scopes: 'a' }, need({ scopes: ['a'] })), (e) => e.code === 'AUTH_008');
  });

  it('requirement lists: spaces or commas, strings or arrays; malformed ones are refused', () => {
    assert.deepEqual(requirementList('a, b  c,a', 'scopes'), ['a', 'b', 'c']);
    assert.deepEqual(requirementList(['x'], 'roles'), ['x']);
    assert.throws(() => requirementList('a"b', 'scopes'), /scope tokens/);
    assert.throws(() => requirementList([1], 'roles'), /roles/);
    assert.throws(() => scopeCheck({ scopes: { fixed: 'ok "bad' }, roles: { fixed: '' } }), /scope tokens/);
  });

  it('the check reads only the earlier AuthInfo and returns a copy of it', () => {
    const check = scopeCheck({ scopes: { fixed: 'a' }, roles: { fixed: '' } });
    const previous = auth(['a']);
    const out = check.run({ rawHeaders: [], query: '', peer: undefined, previous });
    assert.deepEqual(out, previous);
    assert.notEqual(out, previous);
  });
});
