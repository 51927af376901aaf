'use strict';
// Per-request JWT verification: jose's `jwtVerify` (WebCrypto, awaited on
// libuv's threadpool) against the synchronous core (lib/jwt/verify.ts,
// node:crypto with KeyObjects built at deploy). Three situations:
//   warm  — the same token again and again, behind the bearer node's
//           verified-token cache (the verifier is not even called);
//   cold  — every token new (cache misses): one full verification each;
//   storm — cold tokens at a fixed rate while wrong passwords are hashed:
//           by the package's PasswordChecker (worker threads) and by
//           crypto.scrypt on libuv's threadpool (what other nodes or older
//           code do), the pool WebCrypto shares.
// Both verifiers get the same options: algorithms, iss, aud, leeway 30 s.
const crypto = require('crypto');
const { monitorEventLoopDelay } = require('perf_hooks');
const lib = require('../dist/lib');
const session = require('../dist/lib/session');
const { timeIt } = require('./micro');

const ALGS = ['HS256', 'RS256', 'ES256', 'EdDSA'];
const STORM_ALGS = ['HS256', 'RS256'];
const ISS = 'authflow-bench';
const AUD = 'bench-api';

/** Key pairs, both verifiers and a pool of distinct tokens per algorithm. */
function joseSetup(jose, { tokens = 400 } = {}) {
  const pairs = {
    HS256: { sign: { alg: 'HS256', secret: crypto.randomBytes(32) } },
    RS256: keyPair('RS256', crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })),
    ES256: keyPair('ES256', crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })),
    EdDSA: keyPair('EdDSA', crypto.generateKeyPairSync('ed25519')),
  };
  const now = Math.floor(Date.now() / 1000);
  const out = {};
  for (const alg of ALGS) {
    const signing = lib.buildSigningKey(pairs[alg].sign);
    const verification = lib.verificationKeyFor(signing);
    const pool = Array.from({ length: tokens }, () => lib.signJwt(
      { sub: 'bench-user', iat: now, exp: now + 3600, iss: ISS, aud: AUD, scope: 'read', jti: crypto.randomUUID() }, signing));
    const core = new lib.JwtVerifier({ keys: [verification], issuer: ISS, audience: AUD, leewaySec: 30 });
    const options = { algorithms: [alg], issuer: ISS, audience: AUD, clockTolerance: 30, requiredClaims: ['exp'] };
    const viaJose = (t) => jose.jwtVerify(t, verification.key, options);
    const claims = () => ({ sub: 'bench-user', iat: now, exp: now + 3600, iss: ISS, aud: AUD, jti: crypto.randomUUID() });
    const signCore = () => lib.signJwt(claims(), signing, { typ: 'at+jwt' });
    const signJose = () => new jose.SignJWT(claims()).setProtectedHeader({ alg, typ: 'at+jwt' }).sign(signing.key);
    out[alg] = { pool, core, viaJose, verification, signCore, signJose };
  }
  return out;
}

function keyPair(alg, kp) {
  return { sign: { alg, pem: kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) } };
}

/** An AccessTokenSource over jose, so the bearer authenticator can be measured with either verifier. */
function joseSource(viaJose) {
  return { verify: async (t) => (await viaJose(t)).payload, cacheable: () => true };
}

/** µs per call rows: warm (cache hit) and cold (every token new) for both verifiers. */
async function joseRows(setup, { ms = 500 } = {}) {
  const rows = [];
  const add = async (name, fn, note = '') => rows.push({ name, us: await timeIt(fn, { ms, isAsync: true }), note });
  const { pool, viaJose } = setup.HS256;
  const header = ['Bearer ' + pool[0]];
  const warmCore = new session.BearerAuthenticator({ source: new session.JwtSource({ keys: [setup.HS256.verification], issuer: ISS, audience: AUD }) });
  const warmJose = new session.BearerAuthenticator({ source: joseSource(viaJose) });
  await warmCore.authenticate({ authorization: header });
  await warmJose.authenticate({ authorization: header });
  await add('warm: BearerAuthenticator HS256, same token (verified-token cache hit), core', () => warmCore.authenticate({ authorization: header }));
  await add('warm: BearerAuthenticator HS256, same token (verified-token cache hit), jose', () => warmJose.authenticate({ authorization: header }),
    'the cache sits above the verifier: equal by construction');
  for (const alg of ALGS) {
    const s = setup[alg];
    let i = 0;
    await add(`cold: ${alg} verify, every token new, core (JwtVerifier)`, () => s.core.verify(s.pool[i++ % s.pool.length]));
    let j = 0;
    await add(`cold: ${alg} verify, every token new, jose jwtVerify (KeyObject, jose's CryptoKey cache warm)`, () => s.viaJose(s.pool[j++ % s.pool.length]));
  }
  // Issuing (the login node's access tokens): sync node:crypto against jose's SignJWT.
  for (const alg of ['HS256', 'RS256']) {
    await add(`sign: ${alg} access token, core (signJwt, synchronous)`, setup[alg].signCore);
    await add(`sign: ${alg} access token, jose SignJWT`, setup[alg].signJose);
  }
  return rows;
}

/**
 * Latency of `verify` called `rate` times a second for `seconds`, measured
 * from the scheduled time (a late start counts), in ms: p50, p99, max.
 */
async function fixedRateVerify(verify, pool, { rate, seconds }) {
  const n = Math.round(rate * seconds);
  const gap = 1000 / rate;
  const start = performance.now();
  const lat = [];
  let failures = 0;
  const pending = [];
  for (let k = 0; k < n; k++) {
    const due = start + k * gap;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // From the scheduled time, or from the call when a timer fired early.
    const from = Math.min(due, performance.now());
    pending.push(Promise.resolve().then(() => verify(pool[k % pool.length])).then(
      () => lat.push(performance.now() - from),
      () => { failures++; }));
  }
  await Promise.all(pending);
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { n, failures, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] };
}

/** Keeps `inFlight` wrong-password checks running until stopped. Returns { stop() → count }. */
function passwordStorm(kind, { checker, hash, inFlight }) {
  let running = true;
  let count = 0;
  const one = async () => {
    while (running) {
      const wrong = 'wrong-' + crypto.randomBytes(6).toString('hex');
      if (kind === 'worker') await checker.check('alice', wrong, hash);
      else await new Promise((r) => crypto.scrypt(wrong, 'salt', 64, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 2 ** 20 }, r));
      count++;
    }
  };
  const loops = Array.from({ length: inFlight }, one);
  return { stop: async () => { running = false; await Promise.all(loops); return count; } };
}

/** Cold tokens at a fixed rate: quiet, during a worker-thread storm, during a threadpool storm. */
async function joseStorm(setup, { seconds = 5, rate = 200, inFlight = 16, scryptHash } = {}) {
  const checker = new lib.PasswordChecker();
  const hash = scryptHash ?? await lib.hashPasswordScrypt('alice-' + crypto.randomBytes(6).toString('hex'));
  const conditions = [
    { id: 'quiet', short: 'quiet', label: 'quiet' },
    { id: 'worker', short: 'login storm', label: `login storm: ${inFlight} wrong scrypt passwords in flight (PasswordChecker, worker threads)` },
    { id: 'threadpool', short: 'threadpool storm', label: `threadpool storm: ${inFlight} crypto.scrypt calls in flight (libuv pool, where WebCrypto runs)` },
  ];
  const rows = [];
  for (const c of conditions) {
    const storm = c.id === 'quiet' ? undefined : passwordStorm(c.id, { checker, hash, inFlight });
    if (storm) await new Promise((r) => setTimeout(r, 500)); // let the storm fill its queue
    for (const alg of STORM_ALGS) {
      for (const [who, verify] of [['core', (t) => setup[alg].core.verify(t)], ['jose', setup[alg].viaJose]]) {
        await fixedRateVerify(verify, setup[alg].pool, { rate, seconds: 0.5 }); // warm-up, discarded
        const loop = monitorEventLoopDelay({ resolution: 5 });
        loop.enable();
        const r = await fixedRateVerify(verify, setup[alg].pool, { rate, seconds });
        loop.disable();
        rows.push({ condition: c.id, label: c.label, alg, who, ...r, loopP99: loop.percentile(99) / 1e6 });
      }
    }
    if (storm) c.hashes = await storm.stop();
  }
  return { seconds, rate, inFlight, conditions, rows };
}

/** The whole jose comparison: rows for the micro table, and the storm latencies. */
async function runJose(opts = {}) {
  const jose = await import('jose');
  const setup = joseSetup(jose);
  const rows = await joseRows(setup, opts);
  const storm = await joseStorm(setup, opts);
  return { rows, storm };
}

module.exports = { runJose, joseSetup, joseRows, joseStorm };
