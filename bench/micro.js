'use strict';
// Micro-benchmarks of each lib/ check on the request path, in this process
// (before any Node-RED is started, so the machine is as quiet as it gets).
const crypto = require('crypto');
const jsonwebtoken = require('jsonwebtoken');
const lib = require('../dist/lib/internal');
const session = require('../dist/lib/session');
const { peerAddressText } = require('../dist/lib/ip/address');

/**
 * µs per call: after a warm-up, `samples` windows of ms/samples each; the
 * fastest window counts, since other processes can only slow a window down.
 */
async function timeIt(fn, { ms, isAsync, samples = 5 }) {
  const batch = async (n) => {
    if (isAsync) for (let i = 0; i < n; i++) await fn();
    else for (let i = 0; i < n; i++) fn();
  };
  await batch(200);
  let best = Infinity;
  let n = 50;
  for (let s = 0; s < samples; s++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < ms / samples) {
      await batch(n);
      calls += n;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      if (s === 0 && elapsed < ms / samples / 20) n *= 2;
    }
    best = Math.min(best, (elapsed * 1000) / calls);
  }
  return best;
}

function timeOnce(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Returns [{ name, usPerCall, note }] and one-off build costs. */
async function runMicro(fx, { ms = 500 } = {}) {
  const rows = [];
  const add = async (name, fn, opts = {}) => {
    const us = await timeIt(fn, { ms, isAsync: !!opts.isAsync });
    rows.push({ name, us, note: opts.note || '' });
  };
  const basicHeader = [fx.basic(fx.scryptUser)];
  await add('parseBasicAuthorization', () => lib.parseBasicAuthorization(basicHeader));

  const checker = new lib.PasswordChecker();
  const { username, password } = fx.scryptUser;
  await checker.check(username, password, fx.scryptHash); // fills the success cache
  await add('PasswordChecker.check, cached hit (scrypt)', () => checker.check(username, password, fx.scryptHash), { isAsync: true });

  const auth = new lib.BasicAuthenticator('bench');
  await auth.authenticate(basicHeader, fx.userLines);
  await add('BasicAuthenticator.authenticate, cached hit (whole Basic path)', () => auth.authenticate(basicHeader, fx.userLines), { isAsync: true });

  const tokens = new lib.TokenDirectory();
  const bigList = fx.tokenListBig.slice(); // a fresh array: measures the first index build
  const buildMs = timeOnce(() => tokens.verify(bigList, fx.token));
  await add('TokenDirectory.verify, hit, 100,000 tokens', () => tokens.verify(bigList, fx.token), { note: `first call indexes the list: ${buildMs.toFixed(0)} ms` });
  let miss = 0;
  await add('TokenDirectory.verify, miss, 100,000 tokens', () => {
    try {
      tokens.verify(bigList, 'not-a-token-' + miss++);
    } catch {
      /* AUTH_004 expected */
    }
  }, { note: `a miss may re-index the list (${buildMs.toFixed(0)} ms), at most every max(1 s, 100 × that); the fastest window rarely holds one` });
  const oneList = fx.tokenList1.slice();
  await add('TokenDirectory.verify, hit, 1 token', () => tokens.verify(oneList, fx.token));

  let ipList;
  const ipBuildMs = timeOnce(() => {
    ipList = new lib.IpAccessList({ allow: fx.cidrsBig });
  });
  const loopback = lib.parseAddress('127.0.0.1');
  const outside = lib.parseAddress('100.64.1.2');
  const v6 = lib.parseAddress('2001:db8::1');
  await add('IpAccessList.check, allowed, 100,000 rules', () => ipList.check(loopback), { note: `building the 100,000-rule list: ${ipBuildMs.toFixed(0)} ms` });
  await add('IpAccessList.isAllowed, refused IPv4, 100,000 rules', () => ipList.isAllowed(outside));
  await add('IpAccessList.isAllowed, IPv6, 100,000 rules', () => ipList.isAllowed(v6));
  await add('peerAddressText, IPv4 peer', () => peerAddressText('203.0.113.9'));
  await add('peerAddressText, IPv4-mapped peer (Node-RED listening on ::)', () => peerAddressText('::ffff:203.0.113.9'));
  const trusted = lib.IpSet.from('127.0.0.1');
  await add('resolveClientIp, trusted proxy + X-Forwarded-For', () => lib.resolveClientIp('::ffff:127.0.0.1', ['203.0.113.9'], trusted));

  const verifiers = {
    HS256: new lib.JwtVerifier({ keys: [lib.buildVerificationKey({ alg: 'HS256', secret: fx.hsSecret })] }),
    RS256: new lib.JwtVerifier({ keys: [lib.buildVerificationKey({ alg: 'RS256', pem: fx.rsaPublicPem })] }),
    ES256: new lib.JwtVerifier({ keys: [lib.buildVerificationKey({ alg: 'ES256', pem: fx.ecPublicPem })] }),
  };
  for (const alg of ['HS256', 'RS256', 'ES256']) {
    const token = fx[`jwt${alg}`];
    await add(`JwtVerifier.verify ${alg} (KeyObject built once)`, () => verifiers[alg].verify(token), { isAsync: true });
  }
  const token = fx.jwtRS256;
  await add('cacheKey (SHA-256 behind a per-process secret: success / verified-token cache keys)', () => lib.cacheKey(token));
  const bearer = new session.BearerAuthenticator({
    source: new session.JwtSource({ keys: [lib.buildVerificationKey({ alg: 'RS256', pem: fx.rsaPublicPem })] }),
  });
  const bearerHeader = ['Bearer ' + fx.jwtRS256];
  await bearer.authenticate({ authorization: bearerHeader });
  await add('BearerAuthenticator.authenticate RS256, verified-token cache hit', () => bearer.authenticate({ authorization: bearerHeader }), { isAsync: true });
  await add('jsonwebtoken.verify HS256, string secret (function-node way)', () => jsonwebtoken.verify(fx.jwtHS256, fx.hsSecret, { algorithms: ['HS256'] }));
  const secretKey = crypto.createSecretKey(Buffer.from(fx.hsSecret, 'utf8'));
  await add('jsonwebtoken.verify HS256, KeyObject', () => jsonwebtoken.verify(fx.jwtHS256, secretKey, { algorithms: ['HS256'] }));
  // Issue 15: the in-process rate-limit decision (GCRA, two policies) over 10,000 clients, target <= 1 µs.
  const limiter = new lib.RateLimiter({ policies: [{ limit: 1e9, windowSec: 1 }, { limit: 1e9, windowSec: 86400 }] });
  const clients = Array.from({ length: 10000 }, (_, i) => lib.rateLimitKey('ip', `10.0.${i >> 8}.${i & 255}`));
  let client = 0;
  await add('RateLimiter.check, 2 policies, 10,000 clients (embedded store)', () => limiter.check(clients[client++ % clients.length]), { note: 'target ≤ 1 µs (issue 15)' });
  return rows;
}

module.exports = { runMicro, timeIt };

// `node bench/micro.js [--only jose] [--ms=500] [--storm-seconds=5]`: the micro-benchmarks
// alone, or only the jose comparison (bench/jose.js), printed to the console.
if (require.main === module) {
  const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : arg('only');
  const ms = Number(arg('ms') ?? 500);
  const print = (rows) => console.table(rows.map((r) => ({ call: r.name, 'µs/call': +r.us.toFixed(2), note: r.note })));
  (async () => {
    if (only === 'jose') {
      const { runJose } = require('./jose');
      const r = await runJose({ ms, seconds: Number(arg('storm-seconds') ?? 5) });
      print(r.rows);
      console.table(r.storm.rows.map(({ label, n, ...x }) => ({ ...x, p50: +x.p50.toFixed(2), p99: +x.p99.toFixed(2), max: +x.max.toFixed(1), loopP99: +x.loopP99.toFixed(1) })));
      console.table(r.storm.conditions);
      require('fs').writeFileSync(require('path').join(require('os').tmpdir(), 'authflow-jose-last.json'), JSON.stringify(r));
    } else if (only === undefined) {
      const { buildFixtures } = require('./fixtures');
      print(await runMicro(await buildFixtures(), { ms }));
    } else {
      throw new Error(`--only ${only}: only "jose" is known`);
    }
  })().then(() => process.exit(0), (err) => { // exit: the hashing worker threads would keep the process alive
    console.error(err);
    process.exit(1);
  });
}
