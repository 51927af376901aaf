'use strict';
const assert = require('assert');
const fc = require('fast-check');
const { parseBasicAuthorization, validateRealm, basicChallenge, AuthError } = require('../../../dist/lib');

const code = (fn) => { try { fn(); return 'ok'; } catch (e) { assert.ok(e instanceof AuthError, String(e)); return `${e.status} ${e.code}`; } };
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');

describe('RFC 7617 Basic parsing (SECURITY-CASES B1–B8)', () => {
  it('B1: QWxhZGRpbjpvcGVuIHNlc2FtZQ== is Aladdin / open sesame', () => {
    assert.deepStrictEqual(parseBasicAuthorization(['Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==']), { username: 'Aladdin', password: 'open sesame' });
  });
  it('B2: dGVzdDoxMjPCow== is test / 123£ (UTF-8), NFC-normalised, with the charset challenge', () => {
    assert.deepStrictEqual(parseBasicAuthorization(['Basic dGVzdDoxMjPCow==']), { username: 'test', password: '123£' });
    // "é" as e + combining acute (NFD) arrives as the NFC code point.
    assert.strictEqual(parseBasicAuthorization(['Basic ' + b64('caf\u0065\u0301:x')]).username, 'caf\u00e9');
    assert.strictEqual(basicChallenge('x'), 'Basic realm="x", charset="UTF-8"');
  });
  it('B3: splits on the first colon only', () => {
    assert.deepStrictEqual(parseBasicAuthorization(['Basic ' + b64('user:pa:ss:')]), { username: 'user', password: 'pa:ss:' });
  });
  it('B4: empty user, no colon, bad base64, base64url alphabet, control characters, invalid UTF-8 → 401 AUTH_003', () => {
    for (const h of ['Basic ' + b64(':pw'), 'Basic ' + b64('nocolon'), 'Basic @@@@', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ',
      'Basic ' + b64('a:??>>').replace(/\//g, '_').replace(/\+/g, '-'), 'Basic ' + b64('a:b\u0000c'), 'Basic ' + b64('a\tb:c'),
      'Basic ' + Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64'), 'Basic ']) {
      assert.strictEqual(code(() => parseBasicAuthorization([h])), '401 AUTH_003', h);
    }
  });
  it('B5: scheme case-insensitive, several spaces allowed, Basicxyz rejected', () => {
    assert.strictEqual(parseBasicAuthorization(['BASIC    QWxhZGRpbjpvcGVuIHNlc2FtZQ==']).username, 'Aladdin');
    assert.strictEqual(code(() => parseBasicAuthorization(['BasicQWxhZGRpbjpvcGVuIHNlc2FtZQ=='])), '401 AUTH_001');
    assert.strictEqual(code(() => parseBasicAuthorization(['Bearer abc'])), '401 AUTH_001');
    assert.strictEqual(code(() => parseBasicAuthorization([])), '401 AUTH_001');
    assert.strictEqual(parseBasicAuthorization(['Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==  ']).username, 'Aladdin');
    for (const around of ['\t', '\u00a0', '\ufeff']) {
      assert.strictEqual(code(() => parseBasicAuthorization([`Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==${around}`])), '401 AUTH_003', JSON.stringify(around));
    }
  });
  it('B6: the password is never trimmed', () => {
    assert.strictEqual(parseBasicAuthorization(['Basic ' + b64('u:  pw  ')]).password, '  pw  ');
  });
  it('B7: duplicate Authorization headers → 400 AUTH_003', () => {
    assert.strictEqual(code(() => parseBasicAuthorization(['Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='])), '400 AUTH_003');
  });
  it('B8: realms with ", CR, LF or backslash are refused at configuration time', () => {
    for (const r of ['a"b', 'a\rb', 'a\nb', 'a\\b', '']) assert.throws(() => validateRealm(r), /realm/);
    assert.strictEqual(validateRealm('my api'), 'my api');
  });
  it('property: any header value gives credentials or an AuthError, never another exception', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => { code(() => parseBasicAuthorization([s])); code(() => parseBasicAuthorization(['Basic ' + s])); }), { numRuns: 2000 });
  });
  it('property: every user (no colon, no CTL, non-empty) and password round-trips', () => {
    const noCtl = (s) => !/[\u0000-\u001f\u007f]/.test(s);
    fc.assert(fc.property(
      fc.string({ minLength: 1, maxLength: 30 }).filter((u) => !u.includes(':') && noCtl(u) && u === u.normalize('NFC')),
      fc.string({ maxLength: 30 }).filter((p) => noCtl(p) && p === p.normalize('NFC')),
      (u, p) => { assert.deepStrictEqual(parseBasicAuthorization(['Basic ' + b64(`${u}:${p}`)]), { username: u, password: p }); },
    ), { numRuns: 1000 });
  });
});
