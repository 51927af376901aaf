'use strict';
// lib/audit/delivery-queue: a producer that never waits, a consumer that
// gets at most maxInFlight items at a time, a bounded buffer whose
// overflow is dropped and counted.
const assert = require('node:assert/strict');
const { DeliveryQueue } = require('../../../dist/lib/internal');

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function harness(opts = {}) {
  const sent = [];
  let n = 0;
  const q = new DeliveryQueue({
    capacity: 5, maxInFlight: 2, ackTimeoutMs: 10_000, ...opts,
    send(item) {
      sent.push(item);
      return { id: `m${n++}`, acks: opts.acks ?? 1 };
    },
  });
  return { q, sent };
}

describe('lib/audit: DeliveryQueue', () => {
  it('never sends inside push (the request path); sends on a later tick, at most maxInFlight before acks', async () => {
    const { q, sent } = harness();
    for (let i = 0; i < 4; i++) assert.equal(q.push(i), true);
    assert.deepEqual(sent, []);
    await tick();
    assert.deepEqual(sent, [0, 1]);
    assert.deepEqual(q.counts(), { queued: 2, inFlight: 2, sent: 2, dropped: 0, timedOut: 0 });
    q.ack('m0');
    await tick();
    assert.deepEqual(sent, [0, 1, 2]);
    q.ack('m1');
    q.ack('m1'); // a second ack (another receiver of a released msg): ignored
    q.ack('not-ours');
    await tick();
    assert.deepEqual(sent, [0, 1, 2, 3]);
    q.close();
  });

  it('a full buffer drops new items and counts them; memory stays at capacity', async () => {
    const { q, sent } = harness();
    let accepted = 0;
    for (let i = 0; i < 10_000; i++) if (q.push(i)) accepted++;
    assert.equal(accepted, 5);
    assert.deepEqual(q.counts(), { queued: 5, inFlight: 0, sent: 0, dropped: 9995, timedOut: 0 });
    await tick();
    assert.deepEqual(sent, [0, 1]);
    q.close();
  });

  it('a msg is back when every receiver acked it', async () => {
    const { q, sent } = harness({ maxInFlight: 1, acks: 2 });
    q.push('a');
    q.push('b');
    await tick();
    q.ack('m0');
    await tick();
    assert.deepEqual(sent, ['a']);
    q.ack('m0');
    await tick();
    assert.deepEqual(sent, ['a', 'b']);
    q.close();
  });

  it('a receiver that never acks releases its slots after ackTimeoutMs (counted)', async () => {
    const { q, sent } = harness({ maxInFlight: 1, ackTimeoutMs: 40 });
    q.push('a');
    q.push('b');
    await tick();
    assert.deepEqual(sent, ['a']);
    await sleep(120);
    assert.deepEqual(sent, ['a', 'b']);
    assert.ok(q.counts().timedOut >= 1);
    q.close();
  });

  it('nothing to wait for (acks 0): everything goes out, in order, in batches', async () => {
    const { q, sent } = harness({ capacity: 1000, maxInFlight: 1, acks: 0, batch: 100 });
    for (let i = 0; i < 1000; i++) q.push(i);
    for (let i = 0; i < 20 && sent.length < 1000; i++) await tick();
    assert.deepEqual(sent, Array.from({ length: 1000 }, (_, i) => i));
  });

  it('after close, push refuses and nothing more is sent', async () => {
    const { q, sent } = harness();
    q.push(1);
    q.close();
    assert.equal(q.push(2), false);
    await tick();
    assert.deepEqual(sent, []);
  });

  it('a send that throws never escapes pump (no uncaught exception): the item is dropped, counted, reported once', async () => {
    const uncaught = [];
    const onUncaught = (e) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    const reported = [];
    const sent = [];
    let n = 0;
    const q = new DeliveryQueue({
      capacity: 10, maxInFlight: 5, ackTimeoutMs: 10_000,
      send(item) {
        if (item % 2 === 0) throw new Error(`bad item ${item}`);
        sent.push(item);
        return { id: `m${n++}`, acks: 0 };
      },
      onSendError: (err) => reported.push(err),
    });
    try {
      for (let i = 0; i < 6; i++) q.push(i);
      await tick();
      await tick();
    } finally {
      process.off('uncaughtException', onUncaught);
      q.close();
    }
    assert.deepEqual(uncaught, []);
    assert.deepEqual(sent, [1, 3, 5]);
    assert.deepEqual(q.counts(), { queued: 0, inFlight: 0, sent: 3, dropped: 3, timedOut: 0 });
    assert.equal(reported.length, 1);
    assert.match(reported[0].message, /bad item 0/);
  });

  it('a throwing onSendError is contained too', async () => {
    const q = new DeliveryQueue({
      capacity: 2, maxInFlight: 1, ackTimeoutMs: 10_000,
      send() { throw new Error('x'); },
      onSendError() { throw new Error('reporter broke'); },
    });
    q.push(1);
    q.push(2);
    await tick();
    await tick();
    assert.equal(q.counts().dropped, 2);
    q.close();
  });
});
