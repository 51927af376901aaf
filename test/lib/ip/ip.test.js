'use strict';
// Unit and property tests for lib/ip: address parsing, CIDR rules, the prefix
// trie, client IP resolution behind proxies and the allow/deny decision.
const assert = require('node:assert/strict');
const fc = require('fast-check');
const {
  parseAddress,
  parseCidr,
  parseRuleList,
  formatCidr,
  IpRuleError,
  PrefixTrie,
  IpSet,
  resolveClientIp,
  IpAccessList,
} = require('../../../dist/lib/ip');
const { IpNotAllowedError } = require('../../../dist/lib/errors');

// ---------------------------------------------------------------- helpers

/** Naive reference: compare the first `prefix` bits one by one. */
function refCovers(rule, addr) {
  if (rule.family !== addr.family) return false;
  for (let i = 0; i < rule.prefix; i++) {
    const a = (rule.bytes[i >> 3] >> (7 - (i & 7))) & 1;
    const b = (addr.bytes[i >> 3] >> (7 - (i & 7))) & 1;
    if (a !== b) return false;
  }
  return true;
}
const refMatches = (rules, addr) => rules.some((r) => refCovers(r, addr));

const v4Text = (b) => Array.from(b).join('.');
const v6Groups = (b) => Array.from({ length: 8 }, (_, i) => ((b[2 * i] << 8) | b[2 * i + 1]).toString(16));
const v6Expanded = (b) => v6Groups(b).map((g) => g.padStart(4, '0')).join(':');
const addr = (s) => {
  const a = parseAddress(s);
  assert.ok(a, `test setup: ${s} should parse`);
  return a;
};
const xff = (peer, headers, trusted) => {
  const r = resolveClientIp(peer, headers, trusted);
  return r && r.text;
};
const throwsRule = (rule, pattern) => assert.throws(() => parseCidr(rule), pattern);

/** Small deterministic PRNG (mulberry32) so the large test is reproducible. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- parseAddress

describe('lib/ip parseAddress', () => {
  it('parses IPv4 dotted quads into 4 bytes', () => {
    const a = parseAddress('192.168.1.20');
    assert.deepEqual(a, { family: 4, bytes: Uint8Array.from([192, 168, 1, 20]), text: '192.168.1.20' });
  });

  it('parses IPv6 into 16 bytes with RFC 5952 text', () => {
    const a = parseAddress('2001:DB8:0:0:0:0:0:1');
    assert.equal(a.family, 6);
    assert.equal(a.text, '2001:db8::1');
    assert.equal(a.bytes.length, 16);
    assert.deepEqual(Array.from(a.bytes.slice(0, 4)), [0x20, 0x01, 0x0d, 0xb8]);
    assert.equal(a.bytes[15], 1);
    assert.equal(parseAddress('::').text, '::');
    assert.equal(parseAddress('::1').text, '::1');
  });

  it('turns IPv4-mapped IPv6 (dotted and hex) into IPv4', () => {
    for (const s of ['::ffff:10.1.2.3', '::FFFF:10.1.2.3', '::ffff:a01:203', '::FFFF:A01:203', '0:0:0:0:0:ffff:0a01:0203']) {
      assert.deepEqual(parseAddress(s), { family: 4, bytes: Uint8Array.from([10, 1, 2, 3]), text: '10.1.2.3' }, s);
    }
  });

  it('keeps IPv4-compatible ::a.b.c.d as IPv6 (not mapped, unlike ipaddr.js)', () => {
    const a = parseAddress('::1.2.3.4');
    assert.equal(a.family, 6);
    assert.equal(a.text, '::102:304');
    const z = parseAddress('::0.0.0.0');
    assert.equal(z.family, 6);
    assert.equal(z.text, '::');
  });

  it('rejects everything that is not a bare canonical-ish address', () => {
    for (const s of [
      '', ' ', '010.0.0.1', '1.2.3.04', '10.1', '10.0.0.256', '0x0a.0.0.1', '167772161',
      ' 10.0.0.1', '10.0.0.1 ', '10.0.0.1:8080', '[::1]', '[::1]:443', 'fe80::1%eth0', 'fe80::1%1',
      '::ffff:010.1.2.3', '1:2:3:4:5:6:7:8:9', 'unknown', '_hidden', 'localhost', '10.0.0.0/8',
    ]) {
      assert.equal(parseAddress(s), undefined, JSON.stringify(s));
    }
    assert.equal(parseAddress(undefined), undefined);
    assert.equal(parseAddress(42), undefined);
  });

  it('property: IPv4 text round-trips to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
        const a = parseAddress(v4Text(b));
        assert.deepEqual(Array.from(a.bytes), Array.from(b));
        assert.equal(a.text, v4Text(b));
        // and the mapped spelling of the same address is the same IPv4 address
        assert.deepEqual(parseAddress('::ffff:' + v4Text(b)), a);
      }),
      { numRuns: 300 },
    );
  });

  it('property: IPv6 expanded/compressed text gives the same bytes, text matches the WHATWG URL form', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 8 }),
        (b, zeroFrom, zeroLen) => {
          // zero a run of groups so compression with :: is exercised
          for (let g = zeroFrom; g < Math.min(8, zeroFrom + zeroLen); g++) b[2 * g] = b[2 * g + 1] = 0;
          const mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
          const expanded = parseAddress(v6Expanded(b));
          const viaUrl = new URL(`http://[${v6Expanded(b)}]/`).hostname.slice(1, -1);
          const compressed = parseAddress(viaUrl);
          assert.deepEqual(compressed, expanded);
          if (mapped) {
            assert.equal(expanded.family, 4);
            assert.deepEqual(Array.from(expanded.bytes), Array.from(b.slice(12)));
          } else {
            assert.equal(expanded.family, 6);
            assert.deepEqual(Array.from(expanded.bytes), Array.from(b));
            assert.equal(expanded.text, viaUrl);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------- parseCidr / lists

describe('lib/ip parseCidr and parseRuleList', () => {
  it('accepts addr/prefix and bare addresses (/32, /128)', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), { family: 4, bytes: Uint8Array.from([10, 0, 0, 0]), prefix: 8 });
    assert.equal(parseCidr('10.1.2.3').prefix, 32);
    assert.equal(parseCidr('2001:db8::1').prefix, 128);
    assert.equal(parseCidr('  10.0.0.0/8 \n').prefix, 8);
  });

  it('masks host bits instead of rejecting them', () => {
    assert.equal(formatCidr(parseCidr('10.1.2.3/8')), '10.0.0.0/8');
    assert.equal(formatCidr(parseCidr('192.168.77.200/21')), '192.168.72.0/21');
    assert.equal(formatCidr(parseCidr('2001:db8:abcd:ffff::1/33')), '2001:db8:8000::/33');
    assert.equal(formatCidr(parseCidr('255.255.255.255/0')), '0.0.0.0/0');
  });

  it('treats compressed and expanded IPv6 alike', () => {
    assert.deepEqual(parseCidr('2001:0db8:0000:0000:0000:0000:0000:0000/32'), parseCidr('2001:db8::/32'));
    assert.deepEqual(parseCidr('2001:DB8::/32'), parseCidr('2001:db8::/32'));
  });

  it('rejects bad prefixes and addresses with a message naming the rule', () => {
    throwsRule('10.0.0.0/33', /^Error: invalid IP rule "10\.0\.0\.0\/33": prefix must be 0-32$/);
    throwsRule('2001:db8::/129', /invalid IP rule "2001:db8::\/129": prefix must be 0-128/);
    throwsRule('10.0.0.0/-1', /"10\.0\.0\.0\/-1": prefix must be 0-32/);
    throwsRule('10.0.0.0/ 8', /prefix must be 0-32/);
    throwsRule('10.0.0.0/08', /prefix must be 0-32/);
    throwsRule('10.0.0.0/', /prefix must be 0-32/);
    throwsRule('10.0.0.0/8/8', /prefix must be 0-32/);
    throwsRule('10.0.0.0/+8', /prefix must be 0-32/);
    throwsRule('10.0.0.0/8.0', /prefix must be 0-32/);
    throwsRule('010.0.0.1', /"010\.0\.0\.1": not an IPv4 or IPv6 address/);
    throwsRule('fe80::1%eth0', /"fe80::1%eth0": zone ids are not allowed/);
    throwsRule('fe80::1%eth0/64', /zone ids are not allowed/);
    throwsRule('10.0.0', /not an IPv4 or IPv6 address/);
    throwsRule('   ', /empty/);
  });

  it('reads ::ffff:a.b.c.d/N (N >= 96) as the IPv4 rule /(N-96) and rejects N < 96', () => {
    assert.deepEqual(parseCidr('::ffff:10.0.0.0/104'), parseCidr('10.0.0.0/8'));
    assert.deepEqual(parseCidr('::ffff:a01:203'), parseCidr('10.1.2.3/32'));
    assert.deepEqual(parseCidr('::ffff:0:0/96'), parseCidr('0.0.0.0/0'));
    throwsRule('::ffff:10.0.0.0/8', /"::ffff:10\.0\.0\.0\/8": IPv4-mapped prefix must be \/96-\/128/);
    throwsRule('::ffff:0:0/95', /IPv4-mapped prefix must be/);
  });

  it('splits lists on commas, newlines and whitespace and drops # comments', () => {
    const rules = parseRuleList('10.0.0.0/8, 192.168.0.0/16\n# office\n  2001:db8::/32 # lab\n\n172.16.0.1\t127.0.0.1,,');
    assert.deepEqual(rules.map(formatCidr), ['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32', '172.16.0.1/32', '127.0.0.1/32']);
    assert.deepEqual(parseRuleList(['10.0.0.0/8', ' ', '# only a comment', '1.2.3.4, 5.6.7.8']).map(formatCidr),
      ['10.0.0.0/8', '1.2.3.4/32', '5.6.7.8/32']);
    assert.deepEqual(parseRuleList(''), []);
    assert.deepEqual(parseRuleList([]), []);
  });

  it('collects every invalid rule into one error', () => {
    let err;
    try {
      parseRuleList('10.0.0.0/8, 10.0.0.0/33\n1.2.3.4\n010.0.0.1, fe80::1%eth0');
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof IpRuleError && err instanceof Error);
    assert.equal(err.problems.length, 3);
    assert.match(err.message, /^3 invalid IP rules: /);
    assert.match(err.message, /"10\.0\.0\.0\/33"/);
    assert.match(err.message, /"010\.0\.0\.1"/);
    assert.match(err.message, /"fe80::1%eth0"/);
  });
});

// ---------------------------------------------------------------- SECURITY-CASES

describe('Client IP (SECURITY-CASES)', () => {
  const proxies = IpSet.from('10.0.0.0/8, 2001:db8:f::/48');

  it('I1 spoofing: X-Forwarded-For is ignored unless the peer is a trusted proxy', () => {
    // no trusted proxies configured
    assert.equal(xff('203.0.113.7', ['1.1.1.1']), '203.0.113.7');
    assert.equal(xff('203.0.113.7', ['1.1.1.1'], IpSet.from([])), '203.0.113.7');
    // peer is not a trusted proxy: the header is the client's own claim
    assert.equal(xff('203.0.113.7', ['10.1.1.1, 1.1.1.1'], proxies), '203.0.113.7');
    // peer is trusted: the header is honoured
    assert.equal(xff('10.0.0.5', ['1.1.1.1'], proxies), '1.1.1.1');
    // Kong #3946: trusting 0.0.0.0/0 lets any client pick its address — why trust must be explicit
    assert.equal(xff('203.0.113.7', ['10.9.9.9'], IpSet.from('0.0.0.0/0')), '10.9.9.9');
    // the resolver takes no X-Real-IP / Forwarded input at all
    assert.equal(resolveClientIp.length, 3);
  });

  it('I2 picking the address: right-to-left walk, first untrusted hop, repeated headers merged, garbage fails closed', () => {
    // proxies append on the right; the client can only write on the left
    assert.equal(xff('10.0.0.5', ['6.6.6.6, 1.1.1.1, 10.0.0.9'], proxies), '1.1.1.1');
    // repeated headers are one list in arrival order
    assert.equal(xff('10.0.0.5', ['6.6.6.6', '1.1.1.1, 10.0.0.9', '10.0.0.8'], proxies), '1.1.1.1');
    assert.equal(xff('10.0.0.5', ['6.6.6.6, 1.1.1.1', '10.0.0.9'], proxies), '1.1.1.1');
    // every hop trusted: the leftmost is the client
    assert.equal(xff('10.0.0.5', ['10.0.0.7, 10.0.0.8'], proxies), '10.0.0.7');
    // no header from a trusted peer: the peer itself
    assert.equal(xff('10.0.0.5', undefined, proxies), '10.0.0.5');
    assert.equal(xff('10.0.0.5', [], proxies), '10.0.0.5');
    // whitespace around entries is fine, and IPv6 / mapped entries are canonicalised
    assert.equal(xff('10.0.0.5', ['  2001:DB8::1 ,\t10.0.0.9  '], proxies), '2001:db8::1');
    assert.equal(xff('::ffff:10.0.0.5', ['::ffff:1.1.1.1'], proxies), '1.1.1.1');
    // a single string (Node's joined header) works too
    assert.equal(xff('10.0.0.5', '6.6.6.6, 1.1.1.1', proxies), '1.1.1.1');
    // garbage reached during the walk fails closed
    for (const bad of ['garbage', '1.1.1.1:443', '[2001:db8::1]', 'fe80::1%eth0', '010.0.0.1', 'unknown', '', ' ']) {
      assert.equal(resolveClientIp('10.0.0.5', [`6.6.6.6, ${bad}, 10.0.0.9`], proxies), undefined, JSON.stringify(bad));
      assert.equal(resolveClientIp('10.0.0.5', [bad], proxies), undefined, JSON.stringify(bad));
    }
    assert.equal(resolveClientIp('10.0.0.5', ['1.1.1.1, '], proxies), undefined); // trailing empty hop
    // garbage left of the chosen client is never reached (the client wrote it)
    assert.equal(xff('10.0.0.5', ['garbage, 1.1.1.1, 10.0.0.9'], proxies), '1.1.1.1');
    // an unusable peer cannot be resolved at all
    assert.equal(resolveClientIp(undefined, ['1.1.1.1'], proxies), undefined);
    assert.equal(resolveClientIp('not-an-ip', ['1.1.1.1']), undefined);
  });

  it('I3 IPv4-mapped IPv6: mapped peers match IPv4 rules; mapped rules never collapse to ::/0', () => {
    const ten = IpSet.from('10.0.0.0/8');
    assert.equal(ten.has('::ffff:10.1.2.3'), true);
    assert.equal(ten.has('::ffff:a01:203'), true);
    assert.equal(ten.has(addr('::ffff:a01:203')), true);
    assert.equal(ten.has('::ffff:b01:203'), false);
    // a mapped socket peer resolves to the IPv4 address, and trusted-proxy matching sees IPv4
    assert.equal(xff('::ffff:10.0.0.5', undefined), '10.0.0.5');
    assert.equal(xff('::ffff:10.0.0.5', ['1.1.1.1'], ten), '1.1.1.1');
    // mapped configuration entries keep their width
    const mapped = IpSet.from('::ffff:10.0.0.0/104');
    assert.equal(mapped.has('10.200.0.1'), true);
    assert.equal(mapped.has('11.0.0.1'), false);
    assert.equal(mapped.has('2001:db8::1'), false);
    // ::ffff:0:0/96 is "all IPv4", not "all IPv6"
    const allV4 = IpSet.from('::ffff:0:0/96');
    assert.equal(allV4.has('1.2.3.4'), true);
    assert.equal(allV4.has('::ffff:1.2.3.4'), true);
    assert.equal(allV4.has('2001:db8::1'), false);
    assert.equal(allV4.has('::1'), false);
    // a mapped rule below /96 is rejected instead of widening (slskd #1605, Flowise #6431)
    assert.throws(() => IpSet.from('::ffff:10.0.0.0/8'), /IPv4-mapped prefix must be/);
    // ::/0 is all IPv6 only; IPv4-compatible ::0.0.0.0/96 is not all IPv4
    const allV6 = IpSet.from('::/0');
    assert.equal(allV6.has('2001:db8::1'), true);
    assert.equal(allV6.has('10.1.2.3'), false);
    assert.equal(allV6.has('::ffff:10.1.2.3'), false);
    assert.equal(IpSet.from('::0.0.0.0/96').has('10.1.2.3'), false);
  });

  it('I4 CIDR edges: /0 /32 /128, host bits, compressed vs expanded accepted; /33 /129 /-1 010.0.0.1 zone ids rejected', () => {
    const any4 = IpSet.from('0.0.0.0/0');
    assert.equal(any4.has('0.0.0.0'), true);
    assert.equal(any4.has('255.255.255.255'), true);
    assert.equal(any4.has('::1'), false);
    const host = IpSet.from('192.0.2.1/32');
    assert.equal(host.has('192.0.2.1'), true);
    assert.equal(host.has('192.0.2.0'), false);
    assert.equal(host.has('192.0.2.2'), false);
    const host6 = IpSet.from('2001:db8::1/128');
    assert.equal(host6.has('2001:0db8:0000:0000:0000:0000:0000:0001'), true);
    assert.equal(host6.has('2001:db8::2'), false);
    const masked = IpSet.from('192.0.2.77/24');
    assert.equal(masked.has('192.0.2.1'), true);
    assert.equal(masked.has('192.0.3.1'), false);
    const expanded = IpSet.from('2001:0db8:0000:0000:0000:0000:0000:0000/32');
    assert.equal(expanded.has('2001:db8:ffff::1'), true);
    assert.equal(expanded.has('2001:db9::1'), false);
    for (const bad of ['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/-1', '010.0.0.1', 'fe80::1%eth0']) {
      assert.throws(() => IpSet.from(bad), /invalid IP rule/, bad);
    }
  });

  it('I5 precedence: deny beats allow; an undeterminable IP is denied', () => {
    const list = new IpAccessList({ allow: '10.0.0.0/8', deny: '10.6.6.0/24' });
    assert.doesNotThrow(() => list.check(addr('10.1.2.3')));
    assert.throws(() => list.check(addr('10.6.6.6')), (e) =>
      e instanceof IpNotAllowedError && e.code === 'AUTH_005' && e.status === 403 && e.reason === 'ip 10.6.6.6 matches deny list');
    assert.throws(() => list.check(addr('11.0.0.1')), (e) =>
      e instanceof IpNotAllowedError && e.reason === 'ip 11.0.0.1 is not in allow list');
    assert.throws(() => list.check(undefined), (e) =>
      e instanceof IpNotAllowedError && e.status === 403 && e.reason === 'client IP could not be determined');
    // the same host in both lists is denied
    const both = new IpAccessList({ allow: '1.2.3.4', deny: '1.2.3.4' });
    assert.throws(() => both.check(addr('1.2.3.4')), IpNotAllowedError);
    // even with no lists at all, no IP means no entry
    assert.throws(() => new IpAccessList({}).check(undefined), IpNotAllowedError);
    // end to end: garbage X-Forwarded-For from a trusted proxy is denied
    const trusted = IpSet.from('10.0.0.0/8');
    assert.throws(() => new IpAccessList().check(resolveClientIp('10.0.0.5', ['bogus'], trusted)), IpNotAllowedError);
  });
});

// ---------------------------------------------------------------- IpAccessList

describe('lib/ip IpAccessList', () => {
  it('an empty allow list allows everything not denied', () => {
    const list = new IpAccessList({ deny: '192.0.2.0/24' });
    assert.doesNotThrow(() => list.check(addr('8.8.8.8')));
    assert.doesNotThrow(() => list.check(addr('2001:db8::1')));
    assert.throws(() => list.check(addr('192.0.2.9')), IpNotAllowedError);
    assert.equal(list.isAllowed(addr('8.8.8.8')), true);
    assert.equal(list.isAllowed(addr('192.0.2.9')), false);
    assert.equal(list.isAllowed(undefined), false);
    // comments only is still an empty list
    assert.doesNotThrow(() => new IpAccessList({ allow: '# nobody yet' }).check(addr('8.8.8.8')));
  });

  it('a mapped client is checked against IPv4 rules in both lists', () => {
    const list = new IpAccessList({ allow: '10.0.0.0/8', deny: '10.6.0.0/16' });
    assert.doesNotThrow(() => list.check(addr('::ffff:10.1.2.3')));
    assert.throws(() => list.check(addr('::ffff:a06:101')), /IP address not allowed/);
  });

  it('construction fails on invalid rules in either list, naming all of them', () => {
    assert.throws(
      () => new IpAccessList({ allow: '10.0.0.0/8, 10.0.0.0/33', deny: ['fe80::1%eth0'] }),
      (e) => e instanceof IpRuleError &&
        e.problems.length === 2 &&
        /allow list: invalid IP rule "10\.0\.0\.0\/33"/.test(e.message) &&
        /deny list: invalid IP rule "fe80::1%eth0"/.test(e.message),
    );
  });
});

// ---------------------------------------------------------------- PrefixTrie / IpSet

describe('lib/ip PrefixTrie and IpSet', () => {
  const ruleArb = (family) => {
    const len = family === 4 ? 4 : 16;
    return fc.record({
      family: fc.constant(family),
      bytes: fc.uint8Array({ minLength: len, maxLength: len }),
      prefix: fc.integer({ min: 0, max: len * 8 }),
    }).map((r) => parseCidr(`${family === 4 ? v4Text(r.bytes) : v6Expanded(r.bytes)}/${r.prefix}`));
  };
  // Mostly near a rule (flip one random bit of a rule's network), sometimes random.
  const probes = (family, rules) => {
    const len = family === 4 ? 4 : 16;
    return fc.array(
      fc.tuple(fc.uint8Array({ minLength: len, maxLength: len }), fc.nat(), fc.integer({ min: -1, max: len * 8 - 1 })),
      { minLength: 1, maxLength: 40 },
    ).map((xs) => xs.map(([random, pick, flip]) => {
      const bytes = rules.length > 0 && pick % 4 !== 0 ? Uint8Array.from(rules[pick % rules.length].bytes) : random;
      if (flip >= 0) bytes[flip >> 3] ^= 0x80 >> (flip & 7);
      return { family, bytes, text: '' };
    }));
  };

  for (const family of [4, 6]) {
    it(`property: trie agrees with a naive matcher on random IPv${family} rules and addresses`, () => {
      fc.assert(
        fc.property(
          fc.array(ruleArb(family), { minLength: 0, maxLength: 30 }).chain((rules) => fc.tuple(fc.constant(rules), probes(family, rules))),
          ([rules, addrs]) => {
            const trie = new PrefixTrie(family);
            for (const r of rules) trie.add(r);
            const set = IpSet.fromRules(rules);
            for (const a of addrs) {
              const expected = refMatches(rules, a);
              assert.equal(trie.matches(a), expected);
              assert.equal(set.has(a), expected);
            }
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  it('trie keeps working after trim() and further adds', () => {
    const trie = new PrefixTrie(4);
    trie.add(parseCidr('10.0.0.0/8'));
    trie.trim();
    trie.add(parseCidr('192.168.1.0/24'));
    assert.equal(trie.matches(addr('10.9.9.9')), true);
    assert.equal(trie.matches(addr('192.168.1.9')), true);
    assert.equal(trie.matches(addr('192.168.2.9')), false);
    assert.equal(trie.matches(addr('::1')), false, 'wrong family never matches');
    assert.throws(() => trie.add(parseCidr('2001:db8::/32')), /32-bit trie/);
  });

  it('IpSet keeps families apart and reports its size', () => {
    const set = IpSet.from('10.0.0.0/8\n2001:db8::/32\n10.1.0.0/16');
    assert.equal(set.size, 3);
    assert.equal(set.has('10.1.2.3'), true);
    assert.equal(set.has('2001:db8::5'), true);
    assert.equal(set.has('2001:db9::5'), false);
    assert.equal(set.has('not an ip'), false);
    assert.equal(IpSet.from('').has('10.1.2.3'), false);
  });

  it('100,000 random IPv4 /24-/32 rules build and agree with a reference on a sample', function () {
    this.timeout(60000);
    const rand = prng(0x5eed);
    const texts = [];
    const byPrefix = new Map(); // prefix -> Set of masked network values (independent reference)
    for (let i = 0; i < 100000; i++) {
      const n = (rand() * 2 ** 32) >>> 0;
      const prefix = 24 + Math.floor(rand() * 9);
      const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
      texts.push(`${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${prefix}`);
      if (!byPrefix.has(prefix)) byPrefix.set(prefix, new Set());
      byPrefix.get(prefix).add((n & mask) >>> 0);
    }
    const refHas = (n) => {
      for (const [prefix, nets] of byPrefix) if (nets.has((n & ((~0 << (32 - prefix)) >>> 0)) >>> 0)) return true;
      return false;
    };

    const set = IpSet.from(texts);
    assert.equal(set.size, 100000);
    // compactness guard (deterministic input): 9 bytes per node, well under 32 MB
    assert.ok(set.byteLength < 32 * 1024 * 1024, `trie uses ${set.byteLength} bytes`);

    let hits = 0;
    for (let i = 0; i < 20000; i++) {
      // half the probes land inside a rule's network, half are random
      let n;
      if (i % 2 === 0) {
        const [ip, prefix] = texts[Math.floor(rand() * texts.length)].split('/');
        const base = ip.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
        n = (base ^ Math.floor(rand() * 2 ** (32 - Number(prefix)))) >>> 0;
      } else {
        n = (rand() * 2 ** 32) >>> 0;
      }
      const text = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
      const expected = refHas(n);
      if (expected) hits++;
      assert.equal(set.has(text), expected, text);
    }
    assert.ok(hits >= 10000, 'sample exercises matches as well as misses');
  });
});
