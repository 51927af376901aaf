'use strict';
/**
 * Client authentication pieces of lib/oauth2: RFC 6749 App. B form decoding
 * (against URLSearchParams, the WHATWG form decoder, for any string), the
 * keyed client-secret hash (bound to the client id, constant-size MAC), and
 * client records (what is refused, and that a plain secret is never compared).
 */
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { formDecode, formEncode, ClientSecretHasher, ClientDirectory } = require('../../../dist/lib/internal');

const KEY = 'k'.repeat(32);

describe('RFC 6749 App. B form-urlencoding of client_secret_basic credentials', () => {
  it('decodes every encoded string back (property, any Unicode string)', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => formDecode(formEncode(s)) === s));
  });

  it('agrees with URLSearchParams (the WHATWG form decoder) wherever the input is well-formed', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const ours = formDecode(s);
      if (ours === undefined) return true; // malformed for us: checked below
      return ours === new URLSearchParams(`v=${s.replace(/&/g, '%26').replace(/=/g, '%3D').replace(/#/g, '%23')}`).get('v');
    }));
  });

  it('App. B examples: "+" is a space, escapes are UTF-8, a bad escape is malformed', () => {
    assert.equal(formDecode('a+b'), 'a b');
    assert.equal(formDecode('a%2Bb'), 'a+b');
    assert.equal(formDecode('%3A%25%26%3D'), ':%&=');
    assert.equal(formDecode('w%C3%B6rd'), 'wörd');
    assert.equal(formDecode('%'), undefined);
    assert.equal(formDecode('%zz'), undefined);
    assert.equal(formDecode('%C3%28'), undefined, 'not UTF-8');
    assert.equal(formEncode(' :%+&=!\'()*~'), '+%3A%25%2B%26%3D%21%27%28%29%2A%7E');
  });
});

describe('ClientSecretHasher: keyed hash of a client secret', () => {
  const hasher = new ClientSecretHasher(KEY);

  it('generates 256-bit secrets, shown once, and a hash that names the key', () => {
    const { secret, hash } = hasher.generate('acme');
    assert.match(secret, /^afcs_[A-Za-z0-9_-]{43}$/);
    assert.match(hash, new RegExp(`^hmac-sha256\\$${hasher.keyId}\\$[A-Za-z0-9_-]{43}$`));
    assert.notEqual(hasher.generate('acme').secret, secret);
  });

  it('binds the MAC to the client id and the key', () => {
    const a = hasher.hash('acme', 's3cret');
    assert.notEqual(hasher.hash('acme2', 's3cret'), a, 'another client');
    assert.notEqual(new ClientSecretHasher('q'.repeat(32)).hash('acme', 's3cret').split('$')[2], a.split('$')[2], 'another key');
    // "ab"+"c" and "a"+"bc" never collide (the id is length-prefixed).
    assert.notEqual(hasher.hash('ab', 'c'), hasher.hash('a', 'bc'));
  });

  it('refuses keys under 32 bytes and PEM material', () => {
    assert.throws(() => new ClientSecretHasher('short'), /at least 32 bytes/);
    assert.throws(() => new ClientSecretHasher('-----BEGIN PUBLIC KEY-----\n' + 'A'.repeat(40)), /PEM/);
  });
});

describe('ClientDirectory: client records', () => {
  const hasher = new ClientSecretHasher(KEY);
  const hash = hasher.hash('acme', 'x');

  it('takes an array, an object keyed by id, or JSON text', () => {
    for (const raw of [[{ client_id: 'acme', client_secrets: [hash] }], { acme: { client_secrets: [hash] } }, JSON.stringify([{ client_id: 'acme', client_secrets: [hash] }])]) {
      const dir = new ClientDirectory(raw, { keyId: hasher.keyId });
      assert.equal(dir.get('acme').id, 'acme');
      assert.deepEqual(dir.problems, []);
    }
  });

  it('leaves out, with a problem named by client id, records it cannot use — never quoting a secret', () => {
    const dir = new ClientDirectory([
      { client_id: 'plain', client_secrets: ['my-plain-secret'] },
      { client_id: 'scope', scope: 'a b"c' },
      { client_id: 'defaults', scope: 'a', default_scope: 'b' },
      { client_id: 'both', jwks: { keys: [] }, jwks_uri: 'https://x' },
      { client_id: 'private', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'secret' }] } },
      { client_id: 'http', jwks_uri: 'http://idp.example.com/jwks' },
      { client_id: 'ttl', access_token_lifetime: 0 },
      { client_id: 'dup' }, { client_id: 'dup' },
      { scope: 'a' },
    ]);
    assert.equal(dir.size, 1, dir.problems.join('\n')); // the first "dup"
    assert.equal(dir.problems.length, 9);
    assert.ok(!dir.problems.join('\n').includes('my-plain-secret'));
    assert.match(dir.problems[0], /^client plain: .*not a hash/);
  });

  it('warns about a hash made with another key', () => {
    const other = new ClientSecretHasher('z'.repeat(32)).hash('acme', 'x');
    const dir = new ClientDirectory([{ client_id: 'acme', client_secrets: [other] }], { keyId: hasher.keyId });
    assert.match(dir.warnings[0], /another client-secret key/);
  });

  it('refuses a list that is not one', () => {
    assert.throws(() => new ClientDirectory('not json'), /not valid JSON/);
    assert.throws(() => new ClientDirectory(42), /must be an array/);
  });
});
