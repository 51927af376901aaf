'use strict';
// lib/totp: RFC 4226 HOTP, RFC 6238 TOTP, RFC 4648 base32, Key Uri Format.
const assert = require('assert');
const fc = require('fast-check');
const {
  hotp, totp, totpStep, verifyTotp, base32Encode, base32Decode, generateTotpSecret, otpauthUri,
} = require('../../../dist/lib/mfa/totp');

// RFC 6238 Appendix B seeds: ASCII "1234567890" repeated to 20, 32 and 64 bytes.
const seed = (n) => Buffer.from('1234567890'.repeat(7).slice(0, n), 'ascii');
const SHA1 = seed(20);
const SHA256 = seed(32);
const SHA512 = seed(64);

describe('lib/totp', () => {
  describe('RFC 4226 Appendix D HOTP', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => {
      it(`counter ${counter} → ${code}`, () => {
        assert.strictEqual(hotp(SHA1, counter), code);
        assert.strictEqual(hotp(SHA1, BigInt(counter)), code);
      });
    });
    it('refuses bad counters, digits and secrets', () => {
      assert.throws(() => hotp(SHA1, -1), /counter/);
      assert.throws(() => hotp(SHA1, 1.5), /counter/);
      assert.throws(() => hotp(SHA1, 2n ** 64n), /counter/);
      assert.throws(() => hotp(SHA1, 0, 5), /digits/);
      assert.throws(() => hotp(SHA1, 0, 6, 'md5'), /algorithm/);
      assert.throws(() => hotp(Buffer.alloc(0), 0), /secret/);
      assert.throws(() => hotp('12345678901234567890', 0), /secret/);
    });
    it('accepts the largest counter', () => {
      assert.match(hotp(SHA1, 2n ** 64n - 1n), /^\d{6}$/);
    });
  });

  describe('RFC 6238 Appendix B TOTP (T0 = 0, X = 30, 8 digits)', () => {
    const table = [
      [59, '94287082', '46119246', '90693936'],
      [1111111109, '07081804', '68084774', '25091201'],
      [1111111111, '14050471', '67062674', '99943326'],
      [1234567890, '89005924', '91819424', '93441116'],
      [2000000000, '69279037', '90698825', '38618901'],
      [20000000000, '65353130', '77737706', '47863826'],
    ];
    for (const [time, s1, s256, s512] of table) {
      it(`T = ${time}: SHA1 ${s1}, SHA256 ${s256}, SHA512 ${s512}`, () => {
        assert.strictEqual(totp(SHA1, time, { digits: 8, algorithm: 'sha1' }), s1);
        assert.strictEqual(totp(SHA256, time, { digits: 8, algorithm: 'sha256' }), s256);
        assert.strictEqual(totp(SHA512, time, { digits: 8, algorithm: 'SHA512' }), s512);
        assert.strictEqual(verifyTotp(SHA1, s1, time, { digits: 8, window: 0 }), totpStep(time));
        assert.strictEqual(verifyTotp(SHA512, s512, time, { digits: 8, algorithm: 'sha512', window: 0 }), totpStep(time));
      });
    }
    it('the step number is floor((T − T0) / X)', () => {
      assert.strictEqual(totpStep(59), 1);
      assert.strictEqual(totpStep(20000000000), 666666666);
      assert.strictEqual(totpStep(100, { t0: 40, step: 60 }), 1);
      assert.throws(() => totpStep(10, { t0: 20 }), /t0/);
      assert.throws(() => totpStep(10, { step: 0 }), /step/);
    });
    it('defaults to 6 digits, SHA-1, 30 s', () => {
      assert.strictEqual(totp(SHA1, 59), '287082'); // = HOTP counter 1
    });
  });

  describe('verifyTotp window', () => {
    const now = 1_700_000_015; // mid-step
    const step = totpStep(now);
    const codeAt = (s) => hotp(SHA1, s);

    it('accepts the current step and ±1 step, returning the matched step', () => {
      assert.strictEqual(verifyTotp(SHA1, codeAt(step), now), step);
      assert.strictEqual(verifyTotp(SHA1, codeAt(step - 1), now), step - 1);
      assert.strictEqual(verifyTotp(SHA1, codeAt(step + 1), now), step + 1);
    });
    it('refuses ±2 steps with the default window', () => {
      assert.strictEqual(verifyTotp(SHA1, codeAt(step - 2), now), undefined);
      assert.strictEqual(verifyTotp(SHA1, codeAt(step + 2), now), undefined);
    });
    it('window 0 accepts only the current step; window 2 reaches ±2', () => {
      assert.strictEqual(verifyTotp(SHA1, codeAt(step + 1), now, { window: 0 }), undefined);
      assert.strictEqual(verifyTotp(SHA1, codeAt(step - 2), now, { window: 2 }), step - 2);
      assert.throws(() => verifyTotp(SHA1, codeAt(step), now, { window: 11 }), /window/);
    });
    it('refuses wrong, short, long and non-digit codes', () => {
      const good = codeAt(step);
      const wrong = String((Number(good) + 1) % 1e6).padStart(6, '0');
      for (const c of [wrong, good.slice(1), good + '0', 'abcdef', '', ' ', '12345６', null, undefined, 123456]) {
        assert.strictEqual(verifyTotp(SHA1, c, now), undefined, JSON.stringify(c));
      }
    });
    it('tolerates spaces typed inside the code', () => {
      const good = codeAt(step);
      assert.strictEqual(verifyTotp(SHA1, `${good.slice(0, 3)} ${good.slice(3)}`, now), step);
    });
    it('the returned step lets a caller refuse reuse (single use is the caller\'s store)', () => {
      const used = new Set();
      const attempt = (code, t) => {
        const s = verifyTotp(SHA1, code, t);
        if (s === undefined || used.has(s)) return false;
        used.add(s);
        return true;
      };
      const code = codeAt(step);
      assert.strictEqual(attempt(code, now), true);
      assert.strictEqual(attempt(code, now + 1), false); // same step, replayed
      assert.strictEqual(attempt(code, now + 30), false); // next step, still in window: same matched step
    });
  });

  describe('base32 (RFC 4648 §6)', () => {
    it('the SHA1 seed is GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', () => {
      assert.strictEqual(base32Encode(SHA1), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
      assert.deepStrictEqual(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), SHA1);
    });
    it('RFC 4648 §10 vectors (output without padding)', () => {
      const v = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
      for (const [plain, enc] of v) {
        assert.strictEqual(base32Encode(Buffer.from(plain)), enc);
        assert.strictEqual(base32Decode(enc).toString(), plain);
      }
    });
    it('decoding tolerates lowercase, padding and spaces', () => {
      assert.strictEqual(base32Decode('mzxw6ytboi======').toString(), 'foobar');
      assert.strictEqual(base32Decode('MZXW 6YTB OI').toString(), 'foobar');
      assert.strictEqual(base32Decode('my======').toString(), 'f');
    });
    it('decoding refuses invalid characters and impossible lengths', () => {
      for (const bad of ['MZXW1', 'MZXW0', 'MZXW8', 'MZ-XW', 'MZXW6YTB!', 'M', 'MZX', 'MZXW6Y', 'MZ=XW', 'É']) {
        assert.throws(() => base32Decode(bad), /base32/, bad);
      }
    });
    it('property: decode(encode(x)) = x', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (a) => {
        const buf = Buffer.from(a);
        const enc = base32Encode(buf);
        return /^[A-Z2-7]*$/.test(enc) && base32Decode(enc).equals(buf) && base32Decode(enc.toLowerCase()).equals(buf);
      }), { numRuns: 300 });
    });
  });

  describe('secrets and otpauth URIs', () => {
    it('generateTotpSecret gives 20 random bytes', () => {
      const a = generateTotpSecret();
      const b = generateTotpSecret();
      assert.ok(Buffer.isBuffer(a) && a.length === 20);
      assert.ok(!a.equals(b));
      assert.strictEqual(generateTotpSecret(32).length, 32);
      assert.throws(() => generateTotpSecret(8), /16/);
    });
    it('builds the Key Uri Format', () => {
      assert.strictEqual(
        otpauthUri({ secret: SHA1, account: 'alice@example.com', issuer: 'ACME Co' }),
        'otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30',
      );
    });
    it('percent-encodes reserved characters and takes options', () => {
      const uri = otpauthUri({ secret: 'gezd gnbv', account: 'a&b=c?d/é', issuer: 'X&Y #1', digits: 8, period: 60, algorithm: 'sha256' });
      assert.strictEqual(uri, 'otpauth://totp/X%26Y%20%231:a%26b%3Dc%3Fd%2F%C3%A9?secret=GEZDGNBV&issuer=X%26Y%20%231&algorithm=SHA256&digits=8&period=60');
      const u = new URL(uri);
      assert.strictEqual(u.searchParams.get('issuer'), 'X&Y #1');
      assert.strictEqual(decodeURIComponent(u.pathname.split(':')[1]), 'a&b=c?d/é');
    });
    it('works without an issuer; refuses colons and bad values', () => {
      assert.strictEqual(otpauthUri({ secret: SHA1, account: 'bob' }),
        'otpauth://totp/bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30');
      assert.throws(() => otpauthUri({ secret: SHA1, account: 'a:b', issuer: 'I' }), /:/);
      assert.throws(() => otpauthUri({ secret: SHA1, account: 'a', issuer: 'I:J' }), /:/);
      assert.throws(() => otpauthUri({ secret: SHA1, account: '' }), /account/);
      assert.throws(() => otpauthUri({ secret: 'not base32!', account: 'a' }), /base32/);
      assert.throws(() => otpauthUri({ secret: SHA1, account: 'a', period: 0 }), /period/);
    });
  });
});
