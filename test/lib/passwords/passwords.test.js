'use strict';
const assert = require('assert');
const bcrypt = require('bcryptjs');
const { execFileSync, spawnSync } = require('child_process');
const path = require('path');
const { hashPasswordScrypt, verifyPassword, passwordKind, storedPasswordProblem, PasswordChecker, ConcurrencyLimiter } = require('../../../dist/lib/internal');
const { dummyHashLike } = require('../../../dist/lib/passwords/dummy-hash');
const { countHashes } = require('../../support/count-hashes');

describe('password hashes', function () {
  this.timeout(20000);

  it('scrypt: our documented format round-trips, wrong password fails, NFC-normalised', async () => {
    const h = await hashPasswordScrypt('caf\u00e9', { ln: 12 });
    assert.match(h, /^\$scrypt\$ln=12,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.strictEqual(await verifyPassword('caf\u00e9', h), true);
    assert.strictEqual(await verifyPassword('cafe\u0301', h), true);
    assert.strictEqual(await verifyPassword('cafe', h), false);
  });

  it('bcrypt $2a$/$2b$/$2y$ (node-red admin hash-pw output) verify in a worker', async () => {
    const b = bcrypt.hashSync('secret', 6);
    for (const prefix of ['$2a$', '$2b$', '$2y$']) {
      const h = prefix + b.slice(4);
      assert.strictEqual(passwordKind(h), 'bcrypt');
      assert.strictEqual(await verifyPassword('secret', h), true, prefix);
      assert.strictEqual(await verifyPassword('Secret', h), false, prefix);
    }
  });

  it('malformed hashes are reported at configuration and never verify', async () => {
    assert.match(storedPasswordProblem('$scrypt$ln=99,r=8,p=1$abc$def'), /scrypt/);
    assert.match(storedPasswordProblem('$2b$10$short'), /bcrypt/);
    assert.strictEqual(storedPasswordProblem(''), 'password missing');
    assert.strictEqual(await verifyPassword('x', '$2b$10$short'), false);
  });

  it('plain text compares in constant time and is recognised as plain', async () => {
    assert.strictEqual(passwordKind('hunter2'), 'plain');
    assert.strictEqual(await verifyPassword('hunter2', 'hunter2'), true);
    assert.strictEqual(await verifyPassword('hunter', 'hunter2'), false);
  });

  it('dummy hashes copy the algorithm and cost, never verify', async () => {
    const s = await hashPasswordScrypt('x', { ln: 11, r: 4 });
    assert.match(dummyHashLike(s), /^\$scrypt\$ln=11,r=4,p=1\$/);
    const b = bcrypt.hashSync('x', 5);
    const d = dummyHashLike(b);
    assert.match(d, /^\$2b\$05\$/);
    assert.strictEqual(storedPasswordProblem(d), undefined);
    assert.strictEqual(await verifyPassword('x', d), false);
    assert.strictEqual(await verifyPassword('x', dummyHashLike(s)), false);
  });

  it('unknown users are modelled on the costliest hash of a list; a plain-text list gets a plain dummy', async () => {
    const { UserDirectory } = require('../../../dist/lib/internal');
    const cheap = await hashPasswordScrypt('x', { ln: 10 });
    const dear = bcrypt.hashSync('y', 12);
    const dir = new UserDirectory();
    assert.strictEqual(dir.likeHash([{ username: 'a', password: cheap }, { username: 'b', password: dear }]), dear);
    assert.strictEqual(dir.likeHash([{ username: 'b', password: dear }, { username: 'a', password: cheap }]), dear);
    assert.strictEqual(passwordKind(dummyHashLike('plain-secret')), 'plain');
  });

  it('scrypt and bcrypt checks run in worker threads at a lowered priority (Linux: nice 10), the event loop keeps its own', async function () {
    if (process.platform !== 'linux') this.skip();
    const fs = require('fs');
    const niceOf = (tid) => Number(fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
    const h = await hashPasswordScrypt('pw', { ln: 12 });
    assert.strictEqual(await verifyPassword('pw', h), true);
    assert.strictEqual(await verifyPassword('nope', h), false);
    assert.strictEqual(await verifyPassword('pw', bcrypt.hashSync('pw', 5)), true);
    const main = niceOf(process.pid);
    const nices = fs.readdirSync('/proc/self/task').map((tid) => [Number(tid), niceOf(tid)]);
    // Niceness only goes up without privileges: a process already above 10 keeps its own.
    assert.ok(nices.some(([tid, n]) => tid !== process.pid && n === Math.max(10, main)), `a hashing thread at nice 10: ${JSON.stringify(nices)}`);
    assert.strictEqual(niceOf(process.pid), main, 'the main thread keeps its priority');
  });

  it('PasswordChecker caches successes only, and a changed stored hash misses the cache', async () => {
    const checker = new PasswordChecker();
    const h = await hashPasswordScrypt('right', { ln: 12 });
    const h2 = await hashPasswordScrypt('right', { ln: 12 });
    const hashed = (fn) => countHashes(fn);
    assert.strictEqual(await hashed(async () => {
      assert.strictEqual(await checker.check('u', 'right', h), true);
      assert.strictEqual(await checker.check('u', 'right', h), true);
    }), 1, 'second success came from the cache');
    assert.strictEqual(await hashed(async () => {
      assert.strictEqual(await checker.check('u', 'wrong', h), false);
      assert.strictEqual(await checker.check('u', 'wrong', h), false);
    }), 2, 'failures are never cached');
    assert.strictEqual(await hashed(async () => {
      assert.strictEqual(await checker.check('u', 'right', h2), true);
    }), 1, 'new stored hash → cache miss, verified again');
    assert.strictEqual(await hashed(async () => {
      assert.strictEqual(await checker.check('nobody', 'right', undefined, h), false);
    }), 1, 'unknown user still costs one hash');
  });

  it('ConcurrencyLimiter bounds parallelism and refuses beyond its queue with 429 AUTH_009', async () => {
    const limiter = new ConcurrencyLimiter(2, 3);
    let running = 0;
    let peak = 0;
    const task = () => limiter.run(async () => { running++; peak = Math.max(peak, running); await new Promise((r) => setTimeout(r, 20)); running--; return 1; });
    const results = await Promise.allSettled(Array.from({ length: 7 }, task));
    assert.strictEqual(peak, 2);
    assert.strictEqual(results.filter((r) => r.status === 'fulfilled').length, 5);
    const refused = results.filter((r) => r.status === 'rejected');
    assert.strictEqual(refused.length, 2);
    assert.strictEqual(refused[0].reason.code, 'AUTH_009');
    assert.strictEqual(refused[0].reason.status, 429);
  });

  it('`node-red-api-auth hash-password` (the bin) prints hashes that verify (scrypt and --bcrypt); a wrong command prints the npx usage', async () => {
    const cli = path.join(__dirname, '../../../dist/lib/cli.js');
    const s = execFileSync(process.execPath, [cli, 'hash-password', '--cost', '12'], { input: 'p@ss w:rd' }).toString().trim();
    assert.strictEqual(await verifyPassword('p@ss w:rd', s), true);
    const b = execFileSync(process.execPath, [cli, 'hash-password', '--bcrypt', '--cost', '5'], { input: 'p@ss' }).toString().trim();
    assert.match(b, /^\$2b\$05\$/);
    assert.strictEqual(await verifyPassword('p@ss', b), true);
    const usage = spawnSync(process.execPath, [cli, 'hash'], { encoding: 'utf8' });
    assert.strictEqual(usage.status, 2);
    assert.match(usage.stderr, /usage: npx @authflow\/node-red-api-auth hash-password/);
  });
});
