'use strict';
// Memory under a flood of distinct invalid credentials: every cache must stay
// bounded. Two views:
//  - HTTP: distinct invalid API keys and client IPs sent to the Node-RED
//    process; its resident set size (VmRSS) is read from /proc before, along
//    the way and after a full GC;
//  - lib: 1,000,000 distinct values per check straight into the lib classes
//    in this process, heap used before/after a full GC.
const v8 = require('v8');
const vm = require('vm');
const crypto = require('crypto');
const lib = require('../dist/lib/internal');
const { runLoad } = require('./load');
const { rssBytes, getJson } = require('./node-red');

/** Distinct invalid values per kind; `requires` skips a kind until its node is registered. */
const memoryKinds = [
  {
    id: 'api-keys', label: 'distinct invalid API keys → authflow-token, 100,000 tokens in flow context', path: '/bench/mem-token', expect: 401,
    header: (n, salt) => ['x-auth-token', `invalid-${salt}-${n}`],
  },
  {
    id: 'client-ips', label: 'distinct client IPs (X-Forwarded-For from a trusted proxy) → authflow-ip, 100,000 CIDRs', path: '/bench/mem-ip', expect: 403,
    // 100.64.0.0/10: 4 million addresses no rule covers.
    header: (n) => ['x-forwarded-for', `100.${64 + ((n >>> 16) & 63)}.${(n >>> 8) & 255}.${n & 255}`],
  },
  {
    // Well-formed keys with valid checksums (anyone can compute them): each one costs a store read, none may stay in memory.
    id: 'api-key-store', label: 'distinct well-formed unknown API keys (valid checksums) → authflow-token, API key store on Redis (100,000 keys)',
    path: '/bench/mem-apikey', expect: 401, requires: 'authflow-key-store',
    header: () => ['x-api-key', require('../dist/lib/internal').mintApiKey('kapi', 'prod').key],
  },
  {
    id: 'bearer-tokens', label: 'distinct invalid bearer tokens (valid header and claims, forged HS256 signature) → authflow-bearer',
    path: '/bench/mem-bearer', expect: 401, requires: 'authflow-bearer',
    header: (n, salt, fx) => ['authorization', `Bearer ${fx.jwtUnsigned}.${crypto.createHash('sha256').update(`${salt}-${n}`).digest('base64url')}`],
  },
];

/** Full GC in the Node-RED process, then its heap (process.memoryUsage) and RSS (/proc). */
async function afterGc(instance) {
  const m = await getJson(instance.port, '/bench/gc');
  if (!m.gc) throw new Error('Node-RED was not started with --expose-gc');
  return { heap: m.heapUsed, rss: rssBytes(instance.pid) };
}

/**
 * Sends `requests` distinct values of one kind in chunks, stopping early when
 * `seconds` have passed. After each chunk: full GC, heap and RSS. A bounded
 * cache may grow until it is full; what must be flat is the second half.
 */
async function floodKind(instance, kind, fx, { requests, seconds, connections = 32 }) {
  const salt = crypto.randomBytes(4).toString('hex');
  const before = await afterGc(instance);
  const points = [{ sent: 0, ...before }];
  let sent = 0;
  let peak = before.rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssBytes(instance.pid));
  }, 250);
  const start = Date.now();
  const statuses = {};
  try {
    // Chunks of a few seconds keep the time bound and give the growth curve.
    const chunk = Math.max(connections, Math.min(25000, Math.ceil(requests / 8)));
    let n = 0;
    while (sent < requests && Date.now() - start < seconds * 1000) {
      const r = await runLoad({
        port: instance.port, path: kind.path, connections, amount: Math.min(chunk, requests - sent),
        setupRequest: (req) => {
          const [name, value] = kind.header(n++, salt, fx);
          req.headers = { ...req.headers, [name]: value };
          return req;
        },
      });
      sent += r.total;
      for (const [code, count] of Object.entries(r.statuses)) statuses[code] = (statuses[code] || 0) + count;
      points.push({ sent, ...(await afterGc(instance)) });
    }
  } finally {
    clearInterval(sampler);
  }
  const after = points[points.length - 1];
  // Heap kept per request over the second half of the flood (first point at or past half-way).
  const mid = points.find((p) => p.sent >= sent / 2 && p !== points[0]) || points[0];
  const slope = after.sent > mid.sent ? (after.heap - mid.heap) / (after.sent - mid.sent) : NaN;
  return { sent, seconds: (Date.now() - start) / 1000, before, after, mid, slope, peak, points, statuses };
}

function exposeGc() {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc');
}

/** 1,000,000 distinct values straight into the lib checks; heap growth after GC. */
async function libFlood(fx, { count = 1_000_000 } = {}) {
  const gc = exposeGc();
  const heap = () => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  const rows = [];
  const measure = async (name, setup, one) => {
    const state = setup();
    const before = heap();
    const start = Date.now();
    for (let i = 0; i < count; i++) await one(state, i);
    const ms = Date.now() - start;
    rows.push({ name, count, ms, before, after: heap() });
  };
  await measure('TokenDirectory.verify, 100,000 tokens, distinct unknown keys', () => {
    const dir = new lib.TokenDirectory();
    dir.verify(fx.tokenListBig, fx.token);
    return dir;
  }, (dir, i) => {
    try {
      dir.verify(fx.tokenListBig, `invalid-${i}`);
    } catch {
      /* AUTH_004 */
    }
  });
  await measure('resolveClientIp + IpAccessList.isAllowed, 100,000 CIDRs, distinct IPs', () => ({
    list: new lib.IpAccessList({ allow: fx.cidrsBig }),
    trusted: lib.IpSet.from('127.0.0.1'),
  }), (s, i) => {
    const ip = lib.resolveClientIp('127.0.0.1', `100.${64 + ((i >>> 16) & 63)}.${(i >>> 8) & 255}.${i & 255}`, s.trusted);
    s.list.isAllowed(ip);
  });
  return rows;
}

module.exports = { memoryKinds, floodKind, libFlood, afterGc };
