'use strict';
// lib/limits/bans: a ban a Lockout writes is listed (user, address, end —
// never the store or a secret), audited as a "lockout" event when it
// starts, and lifted: the pair is checked again like anyone else.
const assert = require('node:assert/strict');
const { MemoryStore } = require('../../../dist/lib/store');
const { Lockout, activeBans, liftBan, auditEvents, toAuditEvent } = require('../../../dist/lib/internal');

describe('lib/limits: running bans, listed and lifted', () => {
  it('a ban is listed and audited when it starts, and lifting it lets the pair in again', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const lockout = new Lockout(store, { maxRetries: 2, ipMaxRetries: 0, findTimeSec: 60, banTimeSec: 300 });
    const heard = [];
    const on = (d) => heard.push(toAuditEvent(d));
    auditEvents.on('decision', on);
    try {
      for (let i = 0; i < 2; i++) await lockout.failure('dana', '198.51.100.7');
    } finally {
      auditEvents.off('decision', on);
    }
    await assert.rejects(lockout.check('dana', '198.51.100.7'), { code: 'AUTH_007' });
    const ban = activeBans().find((b) => b.id === 'pair:dana@198.51.100.7');
    assert.ok(ban, JSON.stringify(activeBans()));
    assert.deepEqual([ban.kind, ban.user, ban.address], ['pair', 'dana', '198.51.100.7']);
    assert.ok(ban.until > Date.now() + 290_000);
    assert.equal(Object.keys(ban).includes('store'), false);
    const started = heard.filter((e) => e.event === 'lockout');
    assert.equal(started.length, 1);
    assert.deepEqual([started[0].subject, started[0].clientIp, started[0].code, started[0].method], ['dana', '198.51.100.7', 'AUTH_007', 'lockout']);

    assert.deepEqual(await liftBan(ban.id), ban);
    await lockout.check('dana', '198.51.100.7'); // no longer banned
    assert.equal(activeBans().some((b) => b.id === ban.id), false);
    assert.equal(await liftBan(ban.id), undefined, 'lifting twice: nothing to lift');
    // The failure count went with the ban: one more failure does not ban again.
    await lockout.failure('dana', '198.51.100.7');
    await lockout.check('dana', '198.51.100.7');
    await store.close();
  });

  it('an address ban (per-IP limit) is listed and lifted by id', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const lockout = new Lockout(store, { maxRetries: 0, ipMaxRetries: 2, findTimeSec: 60, banTimeSec: 60 });
    await lockout.failure('a', '2001:db8:1:2::5');
    await lockout.failure('b', '2001:db8:1:2::6');
    const ban = activeBans().find((b) => b.kind === 'ip' && b.address.startsWith('2001:db8:1:2:'));
    assert.ok(ban, 'IPv6 counted per /64');
    await assert.rejects(lockout.check('c', '2001:db8:1:2::7'), { code: 'AUTH_007' });
    await liftBan(ban.id);
    await lockout.check('c', '2001:db8:1:2::7');
    await store.close();
  });
});
