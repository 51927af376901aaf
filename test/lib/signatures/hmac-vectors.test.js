'use strict';
// RFC 4231 §4.2–4.8 HMAC-SHA-256 test vectors through the helper every signature check uses.
const assert = require('assert');
const { createSecretKey } = require('crypto');
const { hmacSha256 } = require('../../../dist/lib/signatures');

const bytes = (b, n) => Buffer.alloc(n, b);
const VECTORS = [
  ['TC1', bytes(0x0b, 20), Buffer.from('Hi There'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
  ['TC2', Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
  ['TC3', bytes(0xaa, 20), bytes(0xdd, 50), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'],
  ['TC4', Buffer.from(Array.from({ length: 25 }, (_, i) => i + 1)), bytes(0xcd, 50), '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b'],
  ['TC5 (truncated to 128 bits)', bytes(0x0c, 20), Buffer.from('Test With Truncation'), 'a3b6167473100ee06e0c796c2955552b'],
  ['TC6', bytes(0xaa, 131), Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
  ['TC7', bytes(0xaa, 131), Buffer.from('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.'), '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2'],
];

describe('signatures: RFC 4231 HMAC-SHA-256 vectors', () => {
  for (const [name, key, data, mac] of VECTORS) {
    it(name, () => {
      const out = hmacSha256(createSecretKey(key), data).toString('hex');
      assert.strictEqual(out.slice(0, mac.length), mac);
      // Fed in pieces (prefix, then body) it is the same MAC: how webhook presets sign `id.ts.` + body.
      assert.strictEqual(hmacSha256(createSecretKey(key), data.subarray(0, 3), data.subarray(3)).toString('hex').slice(0, mac.length), mac);
    });
  }
});
