'use strict';
// Security review (ASVS 6.3.8): with self-registration, a wrong password for a
// registered email and an unknown email must cost the same at the login
// endpoint, whatever hashes the user list holds. Before the fix a list of
// bcrypt-12 hashes made unknown emails ~3.5× slower than registered ones.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const bcrypt = require('bcryptjs');
const { placed, helper, start, stop, loadSession, route, TAB } = require('./login-harness');

const SECRET = crypto.randomBytes(32).toString('base64url');

describe('login timing: registered vs unknown users (security review)', function () {
  this.timeout(120000);
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  for (const [what, cost] of [['costlier', 12], ['cheaper', 4]]) it(`a list of ${what} hashes than an account's (bcrypt ${cost}): registered and unknown emails fail in the same time`, async () => {
    const users = JSON.stringify([{ username: 'admin', password: bcrypt.hashSync('admin password long', cost) }]);
    const nodes = [
      TAB,
      { id: 'iss', type: 'authflow-issuer', name: 'k', iss: 'https://api.kindly.test', aud: 'kindly' },
      ...route('register', '/api/auth/register', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'register' }),
      ...route('login', '/api/auth/login', 'post', { type: 'authflow-login', issuer: 'iss', operation: 'login', maxRetries: 1000, ipMaxRetries: 1000 }),
    ].map((n) => (n.z ? placed(n) : n));
    const api = await loadSession(nodes, { iss: { secret: SECRET }, login: { userList: users } });
    await api.post('/api/auth/register').send({ email: 'reg@example.com', password: 'registered password' }).expect(201);
    const times = { registered: [], unknown: [] };
    for (let i = 0; i < 10; i++) {
      const order = i % 2 ? ['registered', 'unknown'] : ['unknown', 'registered'];
      for (const who of order) {
        const email = who === 'registered' ? 'reg@example.com' : 'nobody@example.com';
        const t = process.hrtime.bigint();
        const res = await api.post('/api/auth/login').send({ email, password: `wrong password ${i}` });
        times[who].push(Number(process.hrtime.bigint() - t) / 1e6);
        assert.deepEqual([res.status, res.body.error], [401, 'AUTH_001']);
      }
    }
    const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
    const ratio = median(times.registered) / median(times.unknown);
    assert.ok(ratio > 0.6 && ratio < 1.6, `registered/unknown median ${ratio.toFixed(2)} (${median(times.registered).toFixed(1)} vs ${median(times.unknown).toFixed(1)} ms)`);
  });
});
