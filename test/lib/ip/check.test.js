'use strict';
/** lib/ip/check.ts: the one ip check of the ip node and the ipAllowlist middleware. */
const assert = require('assert');
const { ipCheck, AuthError } = require('../../../dist/lib/internal');

const req = (peer, xff, previous) => ({ rawHeaders: xff ? ['X-Forwarded-For', xff] : [], query: '', peer, previous });
const { outcome } = require('../../support/outcome');
const settle = async (fn) => { try { return await fn(); } catch (e) { assert.ok(e instanceof AuthError, String(e)); return `${e.status} ${e.code}`; } };

describe('lib/ip: ipCheck', () => {
  it('fixed rules: compiled once, answered synchronously; an empty typed allow list means everyone not denied', () => {
    const check = ipCheck({ allow: { fixed: '' }, deny: { fixed: '10.0.0.0/8' } });
    const info = check.run(req('::ffff:192.0.2.1'));
    assert.deepStrictEqual(info, { method: 'ip', scopes: [], ip: '192.0.2.1' });
    assert.strictEqual(outcome(() => check.run(req('10.1.2.3'))), '403 AUTH_005');
    assert.throws(() => ipCheck({ allow: { fixed: '10.0.0.0/33' } }), /prefix/);
  });

  it('proxy-aware: the address resolved from a trusted proxy is the identity\'s ip, an earlier identity is kept', () => {
    const check = ipCheck({ allow: { fixed: '203.0.113.0/24' }, trustedProxies: '127.0.0.1' });
    const earlier = { method: 'token', subject: 'svc', scopes: ['a'] };
    assert.deepStrictEqual(check.run(req('127.0.0.1', '203.0.113.5', earlier)), { ...earlier, ip: '203.0.113.5' });
    assert.strictEqual(outcome(() => check.run(req('192.0.2.9', '203.0.113.5'))), '403 AUTH_005', 'an untrusted peer cannot choose its address');
  });

  it('live lists fail closed when missing (issue 10 item 4): allow or deny undefined/null → 503 AUTH_011', async () => {
    for (const sources of [
      { allow: { read: () => undefined, what: 'allow list (env.X)' } },
      { allow: { read: () => null, what: 'a' } },
      { allow: { fixed: '127.0.0.1' }, deny: { read: () => undefined, what: 'deny list (flow.blocked)' } },
      { allow: { read: async () => undefined, what: 'a' }, deny: { fixed: '' } },
    ]) {
      assert.strictEqual(await settle(() => ipCheck(sources).run(req('127.0.0.1'))), '503 AUTH_011');
    }
  });

  it('a live allow list is who may pass: empty lets nobody in (403); a live empty deny list denies nobody', async () => {
    assert.strictEqual(outcome(() => ipCheck({ allow: { read: () => [], what: 'allow list (flow.ips)' } }).run(req('127.0.0.1'))), '403 AUTH_005');
    assert.strictEqual(outcome(() => ipCheck({ allow: { read: () => '', what: 'a' } }).run(req('127.0.0.1'))), '403 AUTH_005');
    assert.strictEqual(ipCheck({ allow: { fixed: '' }, deny: { read: () => [], what: 'd' } }).run(req('127.0.0.1')).ip, '127.0.0.1');
  });

  it('live rules that do not parse: 503 AUTH_011 for every request (a configuration error), warned once per value', () => {
    const warnings = [];
    let rules = '127.0.0.1/33';
    const check = ipCheck({ allow: { read: () => rules, what: 'a' } }, (m) => warnings.push(m));
    assert.strictEqual(outcome(() => check.run(req('127.0.0.1'))), '503 AUTH_011');
    assert.strictEqual(outcome(() => check.run(req('127.0.0.1'))), '503 AUTH_011');
    assert.strictEqual(warnings.length, 1);
    rules = '127.0.0.1';
    assert.strictEqual(check.run(req('127.0.0.1')).ip, '127.0.0.1');
  });

  it('warns when trusting every address as a proxy', () => {
    const warnings = [];
    ipCheck({ allow: { fixed: '' }, trustedProxies: '0.0.0.0/0' }, (m) => warnings.push(m));
    assert.match(warnings[0], /0\.0\.0\.0\/0/);
  });
});
