'use strict';
/**
 * Same time for an unknown user and a wrong password when a user list mixes
 * hash kinds (issue 11 defect 5, issue 10 item 6; ASVS 6.3.8), through a real
 * Node-RED: http in → authflow-basic → http response, real HTTP.
 *
 * Lists: example 01's (alice scrypt ln=15, bob bcrypt 10) and the shape a
 * user gets from our CLI plus `node-red admin hash-pw` (scrypt ln=15, bcrypt 8).
 *
 * Timing on a shared 2-core machine is noisy, so the proof is mostly about
 * work: the unknown user's dummy is hashed with the profile measured
 * costliest. One coarse check compares medians of interleaved requests with
 * generous bounds (before the fix, hash-pw's list differed 4–5×).
 */
const assert = require('node:assert/strict');
const bcrypt = require('bcryptjs');
const { helper, load, start, stop, protectedRoute } = require('../support/flow-harness');
const { hashProfile, calibrateCost, expectedCheckMs } = require('../../dist/lib/passwords/hash-cost');
const { hashPasswordScrypt } = require('../../dist/lib');
const { hashedAgainst } = require('../support/count-hashes');

const EXAMPLE_01 = require('../../examples/01 Basic auth.json').find((n) => n.type === 'authflow-basic').credentials.userList;
const basic = (user, pw) => 'Basic ' + Buffer.from(`${user}:${pw}`, 'utf8').toString('base64');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('authflow-basic: unknown users and wrong passwords take the same time over mixed hash lists', function () {
  this.timeout(120000);
  let hashPwList;

  before(async () => {
    hashPwList = `alice:${await hashPasswordScrypt('alice-password')}\nbob:${bcrypt.hashSync('bob-password', 8)}`;
    await start();
  });
  after(stop);
  afterEach(() => helper.unload());

  const lists = [['example 01 (scrypt ln=15 + bcrypt 10)', () => EXAMPLE_01], ['scrypt ln=15 + `node-red admin hash-pw` bcrypt 8', () => hashPwList]];
  for (const [name, list] of lists) {
    it(`${name}: the dummy runs the costliest profile present, and medians agree within 2×`, async () => {
      const userList = list();
      const api = await load(['authflow-basic'], protectedRoute('authflow-basic', { usersType: 'cred', lockout: false }), { check: { userList } });
      const get = (user, pw) => api.get('/api').set('Authorization', basic(user, pw)).expect(401);
      await get('nobody', 'x'); // the node reads the list: each profile's measurement starts
      const stored = userList.split('\n').map((line) => line.slice(line.indexOf(':') + 1));
      const costs = await Promise.all(stored.map(calibrateCost));
      // Costliest as measured, corrected by how each profile's checks run now (on a quiet machine: as measured).
      const now = stored.map(expectedCheckMs);
      const costliest = hashProfile(stored[now.indexOf(Math.max(...now))]);

      const dummy = await hashedAgainst(() => get('nobody', 'x'));
      assert.deepEqual(dummy.map(hashProfile), [costliest], `measured ${JSON.stringify(costs.map(Math.round))} ms, now ${JSON.stringify(now.map(Math.round))} ms`);

      const cases = { unknown: ['nobody', 'x'], 'alice wrong': ['alice', 'x'], 'bob wrong': ['bob', 'x'] };
      for (const [user, pw] of Object.values(cases)) await get(user, pw); // warm both hash functions up
      const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
      for (let round = 0; round < 7; round++) {
        for (const [label, [user, pw]] of Object.entries(cases)) {
          const started = performance.now();
          await get(user, pw);
          times[label].push(performance.now() - started);
        }
      }
      const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(median(v))]));
      console.log(`      timing medians ${JSON.stringify(medians)} ms; measured costs ${JSON.stringify(costs.map(Math.round))} ms`);
      const values = Object.values(medians);
      assert.ok(Math.max(...values) <= 2 * Math.min(...values), `medians ${JSON.stringify(medians)} ms`);
    });
  }
});
