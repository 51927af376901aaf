'use strict';
/**
 * Property-based fuzzing through real HTTP (fast-check): a real Node-RED
 * process runs the package's example flows — every HTTP-facing node kind
 * (basic, token, ip, bearer, login/refresh/logout, hmac and webhooks,
 * rate-limit, scope, OAuth 2.0 token/revoke/introspect, API keys) — and
 * receives random methods, headers, query strings and bodies. For every
 * answer:
 *   - never a 5xx other than 503 AUTH_011, never a dropped connection;
 *   - a protected route never answers 2xx (no valid credentials are sent);
 *   - the process stays up, and logs no unhandled rejection (a counter
 *     installed through settings.js).
 * Bounded: ~200 runs per node kind, under a minute in all.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const fc = require('fast-check');
const { prepareUserDir, root } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { version } = require('../support/node-red-version');
const { call } = require('./redis-instances');

const RUNS = Number(process.env.AUTHFLOW_FUZZ_RUNS || 200);
const MARK = 'AUTHFLOW-UNHANDLED-REJECTION';

/** The example flows, without the one that needs a MySQL node (not installed here). */
function exampleFlowsRunnableHere() {
  const flows = [];
  const creds = {};
  for (const file of fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.json')).sort()) {
    const nodes = JSON.parse(fs.readFileSync(path.join(root, 'examples', file), 'utf8'));
    if (nodes.some((n) => /mysql/i.test(n.type))) continue;
    for (const { credentials, ...node } of nodes) {
      if (credentials) creds[node.id] = credentials;
      flows.push(node);
    }
  }
  return { flows, creds };
}

// Node kind → its routes; `open` routes may answer 2xx without credentials by design.
const TARGETS = {
  basic: [{ method: 'GET', url: '/demo/basic' }],
  token: [{ method: 'GET', url: '/demo/token' }, { method: 'GET', url: '/demo/limited/key' }],
  ip: [{ method: 'GET', url: '/demo/chain' }, { method: 'GET', url: '/demo/ip', open: true }],
  bearer: [{ method: 'GET', url: '/demo/me' }, { method: 'GET', url: '/demo/totp/me' }, { method: 'GET', url: '/demo/orders' }],
  scope: [{ method: 'GET', url: '/demo/partner/orders' }],
  login: [{ method: 'POST', url: '/demo/login' }, { method: 'POST', url: '/demo/refresh' }, { method: 'POST', url: '/demo/logout', open: true }, { method: 'POST', url: '/demo/totp/enrol' }],
  hmac: [{ method: 'POST', url: '/demo/signed' }, { method: 'POST', url: '/demo/kindly/orders' }, ...['standard', 'stripe', 'github', 'kindly', 'generic'].map((h) => ({ method: 'POST', url: `/demo/hooks/${h}` }))],
  'rate-limit': [{ method: 'GET', url: '/demo/limited', open: true }],
  oauth2: [{ method: 'POST', url: '/demo/oauth/token' }, { method: 'POST', url: '/demo/oauth/revoke' }, { method: 'POST', url: '/demo/oauth/introspect' }, { method: 'GET', url: '/demo/oauth/jwks', open: true }],
  keys: [{ method: 'POST', url: '/kindly/api/keys' }, { method: 'GET', url: '/kindly/api/keys' }, { method: 'GET', url: '/kindly/api/keys/:id' }, { method: 'DELETE', url: '/kindly/api/keys/:id' }, { method: 'POST', url: '/kindly/api/keys/:id/rotate' }, { method: 'POST', url: '/kindly/api/auth/login' }, { method: 'POST', url: '/kindly/api/auth/refresh' }],
};

// ------------------------------------------------------------ arbitraries
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const latin1 = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 40 });
const b64url = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')), maxLength: 80 });
const jsonB64 = fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url'));
const jwtLike = fc.tuple(fc.oneof(jsonB64, fc.constant(Buffer.from('{"alg":"HS256","typ":"at+jwt"}').toString('base64url')), fc.constant(Buffer.from('{"alg":"none"}').toString('base64url'))), jsonB64, b64url)
  .map(([h, p, s]) => `${h}.${p}.${s}`);
const credentialish = fc.oneof(
  printable, latin1, b64url, jwtLike,
  fc.tuple(printable, printable).map(([u, p]) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64')),
  fc.constantFrom('alice', 'bob', 'Basic', 'Bearer', 'Bearer ', 'Basic YWxpY2U6', 'Basic YWxpY2U6d3Jvbmc=', 'kapi_prod_', 'sk_', 'null', '', ' '),
  fc.tuple(fc.constantFrom('Bearer ', 'Basic ', 'bearer ', 'Digest ', 'Token '), fc.oneof(jwtLike, b64url, printable)).map(([a, b]) => a + b),
);
const headerName = fc.constantFrom('authorization', 'x-auth-token', 'x-api-key', 'x-signature', 'x-timestamp', 'x-nonce', 'x-key-id',
  'webhook-id', 'webhook-timestamp', 'webhook-signature', 'stripe-signature', 'x-hub-signature-256', 'x-webhook-signature',
  'x-forwarded-for', 'forwarded', 'x-real-ip', 'x-request-id', 'cookie', 'dpop', 'x-fuzz');
// Well-formed media types only: Node-RED's own `http in` answers a malformed
// Content-Type (e.g. "garbage/") with 500 before any node runs (body-parser:
// "invalid media type") — a core behaviour no node can change.
const contentType = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/x-unknown', 'text/plain; charset=latin1', '');
const headers = fc.dictionary(headerName, credentialish, { maxKeys: 5 });
const queryPart = fc.tuple(fc.oneof(fc.constantFrom('api_key', 'api_key[a]', 'api_key[]', 'access_token', 'token', 'grant_type', 'client_id', 'scope', '__proto__', 'constructor[prototype][x]', 'a'), printable),
  fc.oneof(credentialish, fc.constant(''), fc.constant('%'), fc.constant('%E0%A4%A'))).map(([k, v]) => `${encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(v).replace(/%25/g, (m) => (Math.random() < 0.5 ? '%' : m))}`);
const query = fc.array(queryPart, { maxLength: 4 }).map((parts) => (parts.length ? `?${parts.join('&')}` : ''));
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.dictionary(fc.constantFrom('username', 'password', 'refresh_token', 'mfa_code', 'grant_type', 'client_id', 'client_secret', 'token', 'token_type_hint', 'scope', 'name', 'owner', 'expiresInDays', 'assertion', 'client_assertion', 'client_assertion_type', 'resource', '__proto__'), fc.oneof(credentialish, fc.jsonValue({ maxDepth: 1 }))).map((o) => JSON.stringify(o)),
  fc.array(queryPart, { maxLength: 5 }).map((p) => p.join('&')),
  latin1, fc.string({ maxLength: 200 }),
);
const methodFor = (route) => fc.oneof({ weight: 4, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') });
const pathFor = (route) => (route.url.includes(':id') ? fc.oneof(b64url, fc.uuid(), printable.map(encodeURIComponent)).map((id) => route.url.replace(':id', id || 'x')) : fc.constant(route.url));

describe(`e2e fuzzing every HTTP-facing node through real HTTP (Node-RED ${version}, fast-check)`, function () {
  this.timeout(180000);
  let red;
  let userDir;
  const seen = {};

  before(async function () {
    const port = await freePort();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-fuzz-'));
    const { flows, creds } = exampleFlowsRunnableHere();
    prepareUserDir(userDir, {
      port, flows, creds,
      settings: `authflowFuzzHook: process.on('unhandledRejection', (e) => console.log('${MARK} ' + (e && e.stack || e))) && 1,`,
    });
    red = await startNodeRed(userDir, port);
  });

  after(async function () {
    if (red) await red.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
    console.log(`      statuses: ${Object.entries(seen).sort().map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && red) console.log(`      --- Node-RED log (tail) ---\n${red.log().slice(-4000)}`);
  });

  for (const [kind, routes] of Object.entries(TARGETS)) {
    it(`${kind}: ${routes.map((r) => `${r.method} ${r.url}`).join(', ')}`, async function () {
      const started = Date.now();
      const arb = fc.integer({ min: 0, max: routes.length - 1 }).chain((i) => fc.record({
        route: fc.constant(routes[i]), method: methodFor(routes[i]), path: pathFor(routes[i]), query, headers, contentType, body,
      }));
      await fc.assert(fc.asyncProperty(arb, async ({ route, method, path: p, query: q, headers: h, contentType: ct, body: b }) => {
        const hs = { ...h };
        if (ct && b !== undefined && !('content-type' in hs)) hs['content-type'] = ct;
        const sendBody = method === 'GET' || method === 'HEAD' ? undefined : b;
        const res = await call(red.port, method, p + q, { headers: hs, body: sendBody === undefined ? undefined : String(sendBody) });
        const key = `${res.status}`;
        seen[key] = (seen[key] || 0) + 1;
        const where = `${method} ${p}${q} ${JSON.stringify(hs)} body=${JSON.stringify(sendBody)?.slice(0, 200)} → ${res.status} ${res.error || JSON.stringify(res.body).slice(0, 200)}`;
        assert.notEqual(res.status, 0, `connection failed: ${where}`);
        if (res.status >= 500) assert.ok(res.status === 503 && res.body?.error === 'AUTH_011', `5xx: ${where}`);
        if (!route.open && method === route.method && res.status >= 200 && res.status < 300) assert.fail(`authenticated without credentials: ${where}`);
      }), { numRuns: RUNS, endOnFailure: true });
      assert.equal(red.child.exitCode, null, 'Node-RED exited');
      assert.doesNotMatch(red.log(), new RegExp(MARK), 'unhandled rejection logged');
      console.log(`      ${RUNS} runs in ${Date.now() - started} ms`);
    });
  }
});
