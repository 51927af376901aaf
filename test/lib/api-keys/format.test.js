'use strict';
/** lib/api-keys/format.ts and key-hash.ts: the key grammar, its checksum, and the keyed hash at rest. */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const zlib = require('node:zlib');
const fc = require('fast-check');
const { mintApiKey, parseApiKey, crc32, base62Checksum, checkKeyPrefix, KeyHasher } = require('../../../dist/lib/internal');

const KEY = /^kapi_(prod|test|dev)_[0-9A-Za-z]{32}$/;

describe('lib/api-keys: key grammar', () => {
  it('CRC-32 is the IEEE/zlib one: the check value of "123456789" is 0xCBF43926, and it agrees with zlib on random text', () => {
    assert.equal(crc32('123456789'), 0xcbf43926);
    assert.equal(crc32(''), 0);
    if (typeof zlib.crc32 === 'function') {
      fc.assert(fc.property(fc.string({ unit: 'binary-ascii', maxLength: 80 }), (s) => crc32(s) === zlib.crc32(Buffer.from(s, 'latin1'))));
    }
  });

  it('the checksum is base62, left-padded to 6 characters; 2^32-1 still fits', () => {
    assert.equal(base62Checksum(0), '000000');
    assert.equal(base62Checksum(61), '00000z');
    assert.equal(base62Checksum(62), '000010');
    assert.equal(base62Checksum(0xffffffff), '4gfFC3');
  });

  it('a minted key is kapi_<env>_ and 32 base62 characters (26 random + 6 checksum), as long as the Kindly guide\'s', () => {
    for (const env of ['prod', 'test', 'dev']) {
      const { key, start } = mintApiKey('kapi', env);
      assert.match(key, KEY);
      assert.ok(key.startsWith(`kapi_${env}_`));
      assert.equal(start, key.slice(0, `kapi_${env}_`.length + 4));
      assert.deepEqual(parseApiKey(key, 'kapi'), { ok: true, env, start });
    }
    assert.equal('7f3d9a2b5c1e4890abcdef1234567890'.length, 32); // the guide's example body
  });

  it('the random part has ≥ 128 bits: 26 uniform base62 characters (log2(62^26) ≈ 154.8), all characters seen, none favoured', () => {
    assert.ok(26 * Math.log2(62) >= 128 + 24, '130 bits stay secret after the 4 displayed characters');
    const counts = new Map();
    const N = 4000;
    for (let i = 0; i < N; i++) for (const ch of mintApiKey('kapi', 'prod').key.slice(10, 36)) counts.set(ch, (counts.get(ch) || 0) + 1);
    assert.equal(counts.size, 62);
    const expected = (N * 26) / 62;
    for (const [ch, c] of counts) assert.ok(Math.abs(c - expected) < expected * 0.15, `${ch}: ${c} vs ${expected}`);
    const keys = new Set(Array.from({ length: 10000 }, () => mintApiKey('kapi', 'prod').key));
    assert.equal(keys.size, 10000);
  });

  it('every single-character change (a typo) fails the checksum — no store lookup needed', () => {
    const { key } = mintApiKey('kapi', 'prod');
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    fc.assert(fc.property(fc.integer({ min: 10, max: key.length - 1 }), fc.constantFrom(...alphabet), (i, ch) => {
      fc.pre(key[i] !== ch);
      const typo = key.slice(0, i) + ch + key.slice(i + 1);
      return parseApiKey(typo, 'kapi').ok === false && parseApiKey(typo, 'kapi').why === 'checksum';
    }), { numRuns: 500 });
    // Two adjacent characters swapped (the other common typo).
    for (let i = 10; i < key.length - 1; i++) {
      if (key[i] === key[i + 1]) continue;
      const swapped = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
      assert.deepEqual(parseApiKey(swapped, 'kapi'), { ok: false, why: 'checksum' });
    }
    // A made-up key of the right shape: 1 in 2^32 passes by chance.
    let passed = 0;
    for (let i = 0; i < 2000; i++) if (parseApiKey('kapi_prod_' + crypto.randomBytes(24).toString('base64').replace(/[+/=]/g, 'a').slice(0, 32), 'kapi').ok) passed++;
    assert.equal(passed, 0);
  });

  it('anything not of the grammar is malformed: other prefix, env, length, characters; the prefix is configurable', () => {
    const { key } = mintApiKey('kapi', 'test');
    for (const bad of ['', 'kapi', 'kapi_prod_', key + 'a', key.slice(0, -1), key.replace('kapi_', 'kap_'), key.replace('_test_', '_stage_'),
      key.replace('_test_', '_TEST_'), key.slice(0, 20) + '-' + key.slice(21), 'x'.repeat(5000)]) {
      assert.deepEqual(parseApiKey(bad, 'kapi'), { ok: false, why: 'malformed' }, bad.slice(0, 40));
    }
    assert.equal(parseApiKey(key, 'acme').ok, false);
    const acme = mintApiKey('acme2', 'dev').key;
    assert.match(acme, /^acme2_dev_[0-9A-Za-z]{32}$/);
    assert.equal(parseApiKey(acme, 'acme2').ok, true);
    for (const p of ['', 'Kapi', '1abc', 'ka_pi', 'a'.repeat(17), 'k-api']) assert.throws(() => checkKeyPrefix(p), /lowercase/);
  });
});

describe('lib/api-keys: keyed hash at rest', () => {
  it('is HMAC-SHA-256 (RFC 2104) under the installation secret, base64url; not the plain SHA-256 of the key', () => {
    const secret = 'a'.repeat(32);
    const h = new KeyHasher(secret);
    const key = mintApiKey('kapi', 'prod').key;
    assert.equal(h.digest(key), crypto.createHmac('sha256', secret).update(key).digest('base64url'));
    assert.notEqual(h.digest(key), crypto.createHash('sha256').update(key).digest('base64url'));
    assert.notEqual(new KeyHasher('b'.repeat(32)).digest(key), h.digest(key), 'another installation, another digest');
    assert.match(h.digest(key), /^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a secret shorter than 32 bytes (RFC 2104 §3), and says how to make one', () => {
    assert.throws(() => new KeyHasher('short'), /at least 32 bytes.*randomBytes/);
    assert.throws(() => new KeyHasher(''), /at least 32/);
    assert.doesNotThrow(() => new KeyHasher(crypto.randomBytes(32)));
  });
});
