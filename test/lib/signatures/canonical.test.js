'use strict';
// The strict scheme's canonical string, and its canonical query against the
// Python one-liner the help gives clients.
const assert = require('assert');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const fc = require('fast-check');
const { canonicalQuery, strictMessage, kindlyMessage, splitTarget } = require('../../../dist/lib/signatures');

describe('signatures: canonical strings', () => {
  it('strict: label, method, path, canonical query, timestamp, nonce, SHA-256 of the raw body — one per line', () => {
    const body = Buffer.from('{"amount": 10}');
    assert.strictEqual(
      strictMessage('POST', '/orders/7', 'b=2&a=1', '1700000000', 'n0nce-0123456789ab', body),
      ['AUTHFLOW-HMAC-SHA256', 'POST', '/orders/7', 'a=1&b=2', '1700000000', 'n0nce-0123456789ab', crypto.createHash('sha256').update(body).digest('hex')].join('\n'),
    );
    assert.match(strictMessage('GET', '/', '', '1', 'n', Buffer.alloc(0)), /\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855$/);
  });

  it('kindly: plain concatenation, as the guide\'s client builds it (and why it is ambiguous)', () => {
    assert.strictEqual(kindlyMessage('POST', '/x', '1700000000', 'abc', '{"a": 1}'), 'POST/x1700000000abc{"a": 1}');
    // nonce "abc" + body [1] signs the same bytes as nonce "abc[1]" and no body: the check refuses such nonces.
    assert.strictEqual(kindlyMessage('POST', '/x', '1', 'abc', '[1]'), kindlyMessage('POST', '/x', '1', 'abc[1]', undefined));
  });

  it('splitTarget splits at the first ?', () => {
    assert.deepStrictEqual(splitTarget('/a/b?x=1?y'), { path: '/a/b', query: 'x=1?y' });
    assert.deepStrictEqual(splitTarget('/a'), { path: '/a', query: '' });
  });

  it('canonicalQuery: decoded (+ is a space), RFC 3986-encoded, sorted, a bare name has an empty value; bad %-encoding → 400', () => {
    assert.strictEqual(canonicalQuery('b=2&a=hello+world&a=%41&c&d=&=e'), '=e&a=A&a=hello%20world&b=2&c=&d=');
    assert.strictEqual(canonicalQuery("q=!'()*~._-"), 'q=%21%27%28%29%2A~._-');
    assert.strictEqual(canonicalQuery(''), '');
    assert.throws(() => canonicalQuery('a=%zz'), (e) => e.code === 'AUTH_003' && e.status === 400);
  });

  it('canonicalQuery equals the Python one-liner of the help for 500 generated queries', function () {
    this.timeout(20000);
    const part = fc.string({ unit: fc.constantFrom('a', 'B', '1', ' ', '+', '%20', '%2B', '~', '-', '.', '_', '!', '*', 'é', '/', '?', '%C3%A9', ';', ','), maxLength: 6 });
    const queries = fc.sample(fc.array(fc.tuple(part, fc.option(part)), { maxLength: 5 }).map((ps) => ps.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join('&')), { numRuns: 500, seed: 4 })
      .map((q) => q.replace(/ /g, '%20').replace(/é/g, '%C3%A9'));
    const py = "import sys, json\nfrom urllib.parse import parse_qsl, quote\nfor line in sys.stdin:\n    q = json.loads(line)\n    print(json.dumps('&'.join(sorted(quote(k, safe='-_.~') + '=' + quote(v, safe='-_.~') for k, v in parse_qsl(q, keep_blank_values=True)))))\n";
    const out = execFileSync('python3', ['-c', py], { input: queries.map((q) => JSON.stringify(q)).join('\n') + '\n' }).toString().trim().split('\n').map((l) => JSON.parse(l));
    queries.forEach((q, i) => assert.strictEqual(canonicalQuery(q), out[i], q));
  });
});
