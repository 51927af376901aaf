'use strict';
/** lib/basic/check.ts: the one Basic check of the basic node and the basicAuth middleware. */
const assert = require('assert');
const { basicCheck, hashPasswordScrypt, AuthError } = require('../../../dist/lib/internal');

const auth = (u, p) => ['Authorization', 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64')];
const req = (headers = [], previous) => ({ rawHeaders: headers, query: '', peer: '::ffff:10.0.0.9', previous });
const settle = async (fn) => { try { return await fn(); } catch (e) { assert.ok(e instanceof AuthError, String(e)); return `${e.status} ${e.code}`; } };

describe('lib/basic: basicCheck', function () {
  this.timeout(10000);
  let list;
  before(async () => { list = [{ username: 'alice', password: await hashPasswordScrypt('pw', { ln: 10 }), roles: ['r'] }]; });

  it('verifies, then answers synchronously for the same credentials (the fast path); msg.auth carries the client address', async () => {
    const check = basicCheck({ fixed: list });
    const first = await check.run(req(auth('alice', 'pw')));
    assert.deepStrictEqual(first, { method: 'basic', subject: 'alice', roles: ['r'], scopes: [], ip: '10.0.0.9' });
    const again = check.run(req(auth('alice', 'pw'), { method: 'ip', scopes: [], ip: '203.0.113.5' }));
    assert.ok(!(again instanceof Promise), 'a verified password needs no await');
    assert.strictEqual(again.ip, '203.0.113.5', 'the proxy-aware address of an earlier check');
  });

  it('every 401 carries the RFC 7617 challenge; a missing live list is 503 AUTH_011 without one', async () => {
    const check = basicCheck({ fixed: list }, { realm: 'partners' });
    const err = await (async () => { try { await check.run(req(auth('alice', 'nope'))); } catch (e) { return e; } })();
    assert.deepStrictEqual([err.status, check.challenge(err)], [401, { 'WWW-Authenticate': 'Basic realm="partners", charset="UTF-8"' }]);
    const missing = basicCheck({ read: () => undefined, what: 'users (env.USERS)' });
    assert.strictEqual(await settle(() => missing.run(req(auth('alice', 'pw')))), '503 AUTH_011');
    const e503 = await (async () => { try { await missing.run(req(auth('alice', 'pw'))); } catch (e) { return e; } })();
    assert.deepStrictEqual(missing.challenge(e503), {});
  });

  it('reports plain-text passwords once per list value', () => {
    const reports = [];
    basicCheck({ fixed: 'bob:plain' }, {}, (problems, warnings) => reports.push(warnings));
    assert.deepStrictEqual(reports, [['plain-text passwords in the user list']]);
  });
});
