'use strict';
const assert = require('assert');
const { settle } = require('../../dist/nodes/shared/decision');

describe('settle: one msg, one outcome, one done()', () => {
  function run(work, { okThrows = false } = {}) {
    const seen = [];
    settle(work, (v) => { seen.push(['ok', v]); if (okThrows) throw new Error('ok broke'); }, (e) => seen.push(['fail', e.message]), (err) => seen.push(['done', err && err.message]));
    return seen;
  }
  const tick = () => new Promise((r) => setImmediate(r));

  it('a value is handled before settle returns (no promise, no microtask turn)', () => {
    assert.deepStrictEqual(run(() => 42), [['ok', 42], ['done', undefined]]);
  });

  it('a synchronous throw is a failure, answered at once', () => {
    assert.deepStrictEqual(run(() => { throw new Error('bad header'); }), [['fail', 'bad header'], ['done', undefined]]);
  });

  it('a promise is handled when it settles, resolved or rejected', async () => {
    const ok = run(() => Promise.resolve(7));
    const failed = run(() => Promise.reject(new Error('store down')));
    assert.deepStrictEqual([ok, failed], [[], []]);
    await tick();
    assert.deepStrictEqual(ok, [['ok', 7], ['done', undefined]]);
    assert.deepStrictEqual(failed, [['fail', 'store down'], ['done', undefined]]);
  });

  it('a handler that throws reaches done(err) once, sync or async', async () => {
    assert.deepStrictEqual(run(() => 1, { okThrows: true }), [['ok', 1], ['done', 'ok broke']]);
    const later = run(() => Promise.resolve(2), { okThrows: true });
    await tick();
    assert.deepStrictEqual(later, [['ok', 2], ['done', 'ok broke']]);
  });
});
