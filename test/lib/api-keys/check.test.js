'use strict';
/** lib/api-keys/check.ts: the one API key check of the token node and the apiToken middleware. */
const assert = require('assert');
const crypto = require('crypto');
const { apiKeyCheck, apiKeySettings, extractApiToken } = require('../../../dist/lib/internal');

const req = (headers = [], query = '', previous) => ({ rawHeaders: headers, query, peer: '::ffff:10.0.0.9', previous });
const { outcome } = require('../../support/outcome');

describe('lib/api-keys: apiKeyCheck', () => {
  it('answers synchronously for a fixed list; msg.auth carries id, subject, scopes and the client address', () => {
    const check = apiKeyCheck({ fixed: [{ token: 'k-1', id: 'one', subject: 'svc', scopes: ['a'] }] });
    const info = check.run(req(['x-auth-token', 'k-1']));
    assert.ok(!(info instanceof Promise));
    assert.deepStrictEqual(info, { method: 'token', subject: 'svc', keyId: 'one', scopes: ['a'], expiresAt: undefined, ip: '10.0.0.9' });
    assert.strictEqual(check.run(req(['x-auth-token', 'k-1'], '', { method: 'ip', scopes: [], ip: '203.0.113.5' })).ip, '203.0.113.5');
  });

  it('the challenge of every 401 names the header, the query parameter and Bearer when accepted (RFC 9110 §11.6.1); none for other statuses', () => {
    const plain = apiKeyCheck({ fixed: [] });
    const err401 = (() => { try { plain.run(req()); } catch (e) { return e; } })();
    assert.deepStrictEqual(plain.challenge(err401), { 'WWW-Authenticate': 'ApiKey realm="api", header="x-auth-token"' });
    const all = apiKeyCheck({ fixed: [] }, { header: 'X-Key', allowQuery: true, allowBearer: true, realm: 'partners' });
    assert.deepStrictEqual(all.challenge(err401), { 'WWW-Authenticate': 'ApiKey realm="partners", header="X-Key", query="api_key", Bearer realm="partners"' });
    const err400 = (() => { try { all.run(req(['X-Key', 'a', 'X-Key', 'b'])); } catch (e) { return e; } })();
    assert.strictEqual(err400.status, 400);
    assert.deepStrictEqual(all.challenge(err400), {});
  });

  it('malformed presentations are 400 AUTH_003: repeated, in two places, or a query value that is not text (issue 11 defect 3)', () => {
    const check = apiKeyCheck({ fixed: ['k-1'] }, { allowQuery: true, allowBearer: true });
    for (const r of [req(['x-auth-token', 'k-1', 'x-auth-token', 'k-1']), req(['x-auth-token', 'k-1'], 'api_key=k-1'), req([], 'api_key[a]=b'), req([], 'api_key=k-1&api_key=k-1')]) {
      assert.strictEqual(outcome(() => check.run(r)), '400 AUTH_003');
    }
    assert.strictEqual(outcome(() => extractApiToken({ header: [], query: { a: 'b' } })), '400 AUTH_003', 'a parsed object from any caller');
    assert.strictEqual(outcome(() => extractApiToken({ header: [], query: [['x']] })), '400 AUTH_003');
  });

  it('a live list that is missing is 503 AUTH_011; one that answers later is awaited; an unknown key is 401 AUTH_004', async () => {
    const missing = apiKeyCheck({ read: () => undefined, what: 'tokens (env.KEYS)' });
    assert.strictEqual(outcome(() => missing.run(req(['x-auth-token', 'k-1']))), '503 AUTH_011');
    const later = apiKeyCheck({ read: async () => ['sha256:' + crypto.createHash('sha256').update('k-1').digest('hex')], what: 'w' });
    assert.strictEqual((await later.run(req(['x-auth-token', 'k-1']))).method, 'token');
    await assert.rejects(later.run(req(['x-auth-token', 'k-2'])), (e) => e.code === 'AUTH_004');
  });

  it('list problems are reported once per list value, not per request', () => {
    const reports = [];
    const list = ['k-1', { scopes: 'x' }];
    const check = apiKeyCheck({ read: () => list, what: 'w' }, {}, (problems) => reports.push(problems));
    for (let i = 0; i < 3; i++) check.run(req(['x-auth-token', 'k-1']));
    assert.strictEqual(reports.length, 1);
    assert.strictEqual(reports[0].length, 1);
  });

  it('settings shared by the dialog and settings.js: header and query names are validated once, here', () => {
    assert.throws(() => apiKeySettings({ header: 'bad header' }), /invalid header name/);
    assert.throws(() => apiKeySettings({ allowQuery: true, queryParam: 'a&b' }), /invalid query parameter/);
    assert.throws(() => apiKeySettings({ realm: 'a"b' }), /realm/);
    assert.deepStrictEqual(apiKeySettings({ header: ' X-Key ', allowQuery: true }), { header: 'X-Key', allowBearer: false, queryParam: 'api_key', realm: 'api' });
  });
});
