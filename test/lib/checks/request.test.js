'use strict';
/** The neutral request every check reads (lib/checks): one reading of headers, query and client address for nodes and middleware. */
const assert = require('assert');
const fc = require('fast-check');
const { queryValues, clientAddress, headerLines, earlierAuth, queryOf, readList, AuthError } = require('../../../dist/lib/internal');

const req = (over = {}) => ({ rawHeaders: [], query: '', peer: undefined, previous: undefined, ...over });
const { outcome } = require('../../support/outcome');

describe('lib/checks: the neutral request', () => {
  it('queryValues: every value of one parameter, percent-decoded; other names ignored', () => {
    assert.deepStrictEqual(queryValues(req({ query: 'a=1&api_key=k%2B1&api_keys=x&b=2' }), 'api_key'), ['k+1']);
    assert.deepStrictEqual(queryValues(req({ query: 'api_key=a&api_key=b' }), 'api_key'), ['a', 'b']);
    assert.deepStrictEqual(queryValues(req({ query: 'api%5Fkey=x' }), 'api_key'), ['x'], 'an encoded name is the same name');
    assert.deepStrictEqual(queryValues(req(), 'api_key'), []);
  });

  it('queryValues: the qs object/array syntax name[..] is malformed, 400 AUTH_003 invalid_request (issue 11 defect 3)', () => {
    for (const q of ['api_key[a]=b', 'api_key[]=b', 'api_key%5Ba%5D=b', 'x=1&api_key[a][b]=c']) {
      assert.strictEqual(outcome(() => queryValues(req({ query: q }), 'api_key')), '400 AUTH_003', q);
    }
    try { queryValues(req({ query: 'access_token[a]=b' }), 'access_token'); } catch (e) { assert.strictEqual(e.oauthError, 'invalid_request'); }
  });

  it('queryValues never throws anything but an AuthError, whatever the query', () => {
    fc.assert(fc.property(fc.string(), (q) => {
      const r = outcome(() => queryValues(req({ query: q }), 'api_key'));
      return Array.isArray(r) ? r.every((v) => typeof v === 'string') : r === '400 AUTH_003';
    }));
  });

  it('clientAddress: an earlier check\'s address (proxy-aware) wins over the socket peer; the peer is shown canonical (issue 11 defect 2)', () => {
    assert.strictEqual(clientAddress(req({ peer: '::ffff:127.0.0.1', previous: { method: 'ip', scopes: [], ip: '203.0.113.5' } })), '203.0.113.5');
    assert.strictEqual(clientAddress(req({ peer: '::ffff:127.0.0.1' })), '127.0.0.1');
    assert.strictEqual(clientAddress(req({ peer: '::ffff:127.0.0.1', previous: { method: 'token', scopes: [] } })), '127.0.0.1');
    assert.strictEqual(clientAddress(req()), undefined);
  });

  it('earlierAuth takes only an identity-shaped msg.auth; headerLines keeps repeated lines; queryOf splits a target', () => {
    assert.strictEqual(earlierAuth('x'), undefined);
    assert.strictEqual(earlierAuth({ ip: '1.2.3.4' }), undefined);
    assert.deepStrictEqual(earlierAuth({ method: 'ip', scopes: [] }), { method: 'ip', scopes: [] });
    assert.deepStrictEqual(headerLines(req({ rawHeaders: ['Authorization', 'a', 'X', 'y', 'authorization', 'b'] }), 'authorization'), ['a', 'b']);
    assert.deepStrictEqual([queryOf('/x?a=1?b'), queryOf('/x'), queryOf(undefined)], ['a=1?b', '', '']);
  });

  it('readList: a fixed list is taken as it is; a live one that answers undefined/null is 503 AUTH_011 naming the source, not the value', async () => {
    assert.deepStrictEqual(readList({ fixed: undefined }, req()), undefined);
    assert.deepStrictEqual(readList({ read: () => [], what: 'users (flow.x)' }, req()), []);
    for (const missing of [undefined, null]) {
      assert.throws(() => readList({ read: () => missing, what: 'users (flow.x)' }, req()), (e) => e.code === 'AUTH_011' && e.status === 503 && /users \(flow\.x\) is missing/.test(e.reason) && e.retryAfter === 1);
      await assert.rejects(readList({ read: async () => missing, what: 'w' }, req()), (e) => e.code === 'AUTH_011');
    }
  });
});
