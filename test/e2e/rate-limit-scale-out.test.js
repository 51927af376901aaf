'use strict';
/**
 * Rate limits across instances (issue 15): two REAL Node-RED processes with
 * the same flow share one Redis through an authflow-store; concurrent
 * clients hit both. With a limit of N per window exactly N requests pass
 * (the window/N refill interval, 30 s, is far longer than the test: GCRA's
 * tolerance adds nothing), and the headers agree with what was counted:
 * the N allowed answers carry remaining N−1 … 0, each exactly once.
 * Redis missing: skipped with a note, except under CI=true (a failure).
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { REDIS_URL } = require('../support/services');
const { sharedRedisInstances } = require('../support/node-red-instances');
const { version } = require('../support/node-red-version');

const PREFIX = `authflow_rl_scale_${crypto.randomBytes(4).toString('hex')}:`;
const N = 20;
const WINDOW_SEC = 600; // refill every 30 s

function rateLimitFlow() {
  const flows = [
    { id: 'tab', type: 'tab', label: 'rate limit scale-out' },
    { id: 'store', type: 'authflow-store', name: 'shared redis', backend: 'redis', keyPrefix: PREFIX, timeout: 2000 },
    { id: 'in', type: 'http in', z: 'tab', url: '/limited', method: 'get', x: 100, y: 100, wires: [['rl']] },
    { id: 'rl', type: 'authflow-rate-limit', z: 'tab', x: 300, y: 100, limits: [{ name: 'default', limit: N, window: WINDOW_SEC / 60, unit: 'm' }], keyBy: 'all', store: 'store', respond: true, wires: [['ok'], []] },
    { id: 'ok', type: 'function', z: 'tab', x: 500, y: 100, func: "msg.payload = { ok: true, source: msg.rateLimit.source }; return msg;", wires: [['out']] },
    { id: 'out', type: 'http response', z: 'tab', x: 700, y: 100, wires: [] },
  ];
  return { flows, creds: { store: { redisUrl: REDIS_URL } } };
}

describe(`e2e rate limit: two Node-RED ${version} processes sharing one Redis`, function () {
  this.timeout(60000);
  const instances = sharedRedisInstances({ keyPrefix: PREFIX, flow: rateLimitFlow, dirPrefix: 'authflow-rl' });

  it(`${N} per ${WINDOW_SEC} s, 120 concurrent requests over both instances: exactly ${N} pass, remaining ${N - 1}…0 each once`, async () => {
    const [A, B] = instances;
    const t0 = Date.now();
    const responses = await Promise.all(Array.from({ length: 120 }, (_, i) =>
      (i % 2 ? A : B).api.get('/limited').timeout({ response: 5000, deadline: 10000 })));
    const elapsedSec = (Date.now() - t0) / 1000;
    const allowed = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status === 429);
    console.log(`      ${allowed.length} allowed, ${refused.length} refused in ${elapsedSec.toFixed(2)} s`);
    assert.equal(allowed.length + refused.length, 120, responses.map((r) => r.status).join(','));
    // GCRA tolerance: at most N + ⌊elapsed / (window/N)⌋ in any span; the span here is far below 30 s.
    assert.ok(elapsedSec < WINDOW_SEC / N, 'the test ran within one refill interval');
    assert.equal(allowed.length, N);
    assert.ok(allowed.every((r) => r.body.source === 'redis'));
    const byInstance = (list) => [A, B].map((i) => list.filter((r) => r.request.url.includes(`:${i.port}/`)).length);
    console.log(`      allowed per instance ${byInstance(allowed).join('/')}, refused ${byInstance(refused).join('/')}`);
    const remaining = allowed.map((r) => Number(r.headers['x-ratelimit-remaining'])).sort((a, b) => a - b);
    assert.deepEqual(remaining, Array.from({ length: N }, (_, i) => i), 'each count seen exactly once, on whichever instance');
    for (const r of allowed) {
      assert.equal(r.headers.ratelimit, `"default";r=${r.headers['x-ratelimit-remaining']};t=${r.headers.ratelimit.split('t=')[1]}`);
      assert.equal(r.headers['ratelimit-policy'], `"default";q=${N};w=${WINDOW_SEC}`);
    }
    for (const r of refused) {
      assert.equal(r.body.error, 'AUTH_009');
      assert.equal(r.headers['x-ratelimit-remaining'], '0');
      const retry = Number(r.headers['retry-after']);
      assert.ok(retry >= 1 && retry <= WINDOW_SEC / N, `Retry-After ${retry}`);
      assert.match(r.headers.ratelimit, new RegExp(`^"default";r=0;t=${retry}$`));
    }
    // Both instances read the Redis server's clock: after the j-th allowed request the full reset is
    // j refill intervals after the burst began, whichever instance answered.
    const T = WINDOW_SEC / N;
    const starts = allowed.map((r) => Number(r.headers['x-ratelimit-reset']) - (N - Number(r.headers['x-ratelimit-remaining'])) * T);
    assert.ok(Math.max(...starts) - Math.min(...starts) <= 3, `burst start per answer: ${starts.join(', ')}`);
  });
});
