'use strict';
/**
 * The settings.js Basic check (basicAuth / { type: 'basic' }) locks out like
 * the basic node: counters per (user, IP) and per IP, 429 AUTH_007 with
 * Retry-After and no password check while banned. Real HTTP through a plain
 * Node server and the real middleware.
 */
const assert = require('node:assert/strict');
const { countHashes } = require('../../support/count-hashes');
const http = require('node:http');
const supertest = require('supertest');
const { basicAuth } = require('../../../dist/lib/middleware');
const { hashPasswordScrypt } = require('../../../dist/lib');

const auth = (user, pw) => 'Basic ' + Buffer.from(`${user}:${pw}`).toString('base64');

function serve(mw) {
  const server = http.createServer((req, res) => mw(req, res, () => res.end('ok')));
  return supertest(server);
}


describe('basicAuth middleware lockout over real HTTP', function () {
  this.timeout(30000);
  let users;
  before(async () => {
    users = [{ username: 'alice', password: await hashPasswordScrypt('alice-pw', { ln: 10 }) }];
  });

  it('on by default: after 5 wrong passwords, 429 AUTH_007 with Retry-After even for the right one, without a hash', async () => {
    const api = serve(basicAuth({ users }));
    for (let i = 0; i < 5; i++) await api.get('/').set('Authorization', auth('alice', 'bad')).expect(401);
    let res;
    const hashes = await countHashes(async () => {
      res = await api.get('/').set('Authorization', auth('alice', 'alice-pw')).expect(429);
    });
    assert.equal(hashes, 0);
    assert.equal(res.body.error, 'AUTH_007');
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter > 295 && retryAfter <= 300, `Retry-After ${retryAfter}`);
  });

  it('settings apply; lockout: false never locks; unknown settings are refused at startup', async () => {
    const api = serve(basicAuth({ users, lockout: { maxRetries: 2, ipMaxRetries: 0 } }));
    for (let i = 0; i < 2; i++) await api.get('/').set('Authorization', auth('alice', 'bad')).expect(401);
    await api.get('/').set('Authorization', auth('alice', 'alice-pw')).expect(429);
    await api.get('/').set('Authorization', auth('bob', 'x')).expect(401); // another user from the same address

    const off = serve(basicAuth({ users, lockout: false }));
    for (let i = 0; i < 7; i++) await off.get('/').set('Authorization', auth('alice', 'bad')).expect(401);
    await off.get('/').set('Authorization', auth('alice', 'alice-pw')).expect(200);

    assert.throws(() => basicAuth({ users, lockout: { maxRetrys: 3 } }), /unknown option "maxRetrys"/);
    assert.throws(() => basicAuth({ users, lockout: { maxRetries: -1 } }), /maxRetries/);
    assert.throws(() => basicAuth({ users, lockout: true }), /lockout/);
  });

  it('sustained load from a 10-connection pool across many cache lifetimes: every answer 2xx, a hash per lifetime, not per connection (issue 10 item 5)', async () => {
    const autocannon = require('autocannon');
    // A realistic hash (scrypt ln=14) and a 600 ms success cache: 3 s cross five lifetimes.
    const slow = [{ username: 'carol', password: await hashPasswordScrypt('carol-pw', { ln: 14 }) }];
    const mw = basicAuth({ users: slow, passwords: { cacheTtlMs: 600 } });
    const server = http.createServer((req, res) => mw(req, res, () => res.end('ok')));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    let result;
    try {
      const hashes = await countHashes(async () => {
        result = await autocannon({
          url: `http://127.0.0.1:${server.address().port}/`, connections: 10, duration: 3,
          headers: { authorization: auth('carol', 'carol-pw') },
        });
      });
      assert.ok(result.requests.total > 100, `${result.requests.total} requests`);
      assert.equal(result.non2xx, 0, `${result.non2xx} of ${result.requests.total} answered non-2xx`);
      assert.equal(result.errors, 0);
      assert.ok(hashes <= 15, `${hashes} hashes in 3 s with a 600 ms cache`);
    } finally {
      server.close();
    }
  });
});
