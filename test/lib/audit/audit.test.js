'use strict';
const assert = require('node:assert/strict');
const { auditEvents, emitDecision } = require('../../../dist/lib/internal');

describe('lib/audit: decision events', () => {
  const decision = { time: 't', outcome: 'deny', method: 'token', code: 'AUTH_004', status: 401, reason: 'unknown key' };

  it('builds the event only when someone listens (checks run on every request)', () => {
    let built = 0;
    emitDecision(() => { built++; return decision; });
    assert.equal(built, 0);
    const heard = [];
    const on = (e) => heard.push(e);
    auditEvents.on('decision', on);
    try {
      emitDecision(() => { built++; return decision; });
    } finally {
      auditEvents.off('decision', on);
    }
    assert.equal(built, 1);
    assert.deepEqual(heard, [decision]);
  });

  it('is one emitter per process, even with two copies of the package loaded', () => {
    assert.strictEqual(globalThis[Symbol.for('authflow.audit.emitter')], auditEvents);
  });
});
