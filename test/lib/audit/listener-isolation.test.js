'use strict';
// auditEvents is public API, so its listeners are user code: one that throws
// (or rejects) must never change a decision made by the settings.js
// middleware — not turn an allow into a 5xx, not hang a refusal — and is
// logged once, by stack, never with the event (it names users and keys).
const assert = require('node:assert/strict');
const http = require('node:http');
const crypto = require('node:crypto');
const supertest = require('supertest');
const { apiToken, apiKeys } = require('../../../dist/lib/middleware');
const { auditEvents, emitDecision, ApiKeyService, MemoryStore } = require('../../../dist/lib/internal');

const quiet = { onWarning: () => {} };

function serve(mw) {
  const state = { next: 0 };
  const server = http.createServer((req, res) => mw(req, res, (err) => {
    state.next++;
    res.statusCode = err === undefined ? 200 : 500;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ auth: req.auth ?? null }));
  }));
  return { state, api: supertest(server) };
}

/** Registers `listener` on the public emitter and captures console.error while `fn` runs. */
async function withListener(listener, fn) {
  const logged = [];
  const original = console.error;
  console.error = (...a) => logged.push(a.join(' '));
  auditEvents.on('decision', listener);
  try {
    await fn();
  } finally {
    auditEvents.off('decision', listener);
    console.error = original;
  }
  return logged;
}

/** A fresh listener each time: each broken listener is logged once, ever. */
const throwingListener = () => (d) => {
  throw new Error(`listener broke on ${d.subject}`);
};

describe('lib/audit: a throwing auditEvents listener never affects a decision', function () {
  this.timeout(20000);

  it('emitDecision: the other listeners still hear the event; the error is logged once per listener, stack only', async () => {
    const heard = [];
    const good = (d) => heard.push(d.subject);
    auditEvents.on('decision', good);
    let logged;
    try {
      logged = await withListener(throwingListener(), async () => {
        const rejecting = async (d) => {
          throw new RangeError(`async listener broke on ${d.subject}`);
        };
        auditEvents.on('decision', rejecting);
        try {
          for (let i = 0; i < 3; i++) emitDecision(() => ({ time: 'now', outcome: 'allow', method: 'token', reason: 'ok', subject: 'secret-subject-x' }));
          await new Promise((r) => setImmediate(r));
        } finally {
          auditEvents.off('decision', rejecting);
        }
      });
    } finally {
      auditEvents.off('decision', good);
    }
    assert.deepEqual(heard, ['secret-subject-x', 'secret-subject-x', 'secret-subject-x']);
    assert.equal(logged.length, 2, `one line per broken listener: ${logged.join('\n')}`);
    assert.match(logged[0], /threw Error/);
    assert.match(logged[0], /\n\s+at .*listener-isolation/, 'the stack frames are logged');
    assert.match(logged[1], /threw RangeError/);
    assert.ok(!logged.join('\n').includes('secret-subject-x'), 'the event is never logged, not even through the message');
  });

  it('apiToken middleware: allow still reaches next() with req.auth; a refusal is still a 401', async () => {
    const logged = await withListener(throwingListener(), async () => {
      const { api, state } = serve(apiToken({ tokens: [{ token: 'k-alpha-0123456789', id: 'alpha' }], ...quiet }));
      const ok = await api.get('/x').set('x-auth-token', 'k-alpha-0123456789');
      assert.deepEqual([ok.status, ok.body.auth.keyId], [200, 'alpha']);
      const no = await api.get('/x').set('x-auth-token', 'wrong-0123456789');
      assert.deepEqual([no.status, no.body.error], [401, 'AUTH_004']);
      assert.equal(state.next, 1);
    });
    assert.equal(logged.length, 1);
  });

  it('apiKeys middleware (lib/api-keys/store-check): a valid key is still allowed, not a 503', async () => {
    const secret = crypto.randomBytes(32).toString('base64url');
    const store = new MemoryStore();
    const keys = new ApiKeyService({ store, secret });
    try {
      const { key, record } = await keys.create('alice', { name: 'ci' });
      await withListener(throwingListener(), async () => {
        const { api } = serve(apiKeys({ store, secret, ...quiet }));
        const ok = await api.get('/x').set('x-api-key', key);
        assert.deepEqual([ok.status, ok.body.auth && ok.body.auth.keyId], [200, record.id]);
        const no = await api.get('/x').set('x-api-key', 'nope');
        assert.equal(no.status, 401);
      });
    } finally {
      await keys.close();
      await store.close?.();
    }
  });
});
