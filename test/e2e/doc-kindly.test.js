'use strict';
// The Kindly API Authentication Guide, end to end: a REAL Node-RED process
// runs examples 16 (keys: register, login, /api/keys, X-API-Key) and 23
// (browser clients: CSRF, MFA), and the guide's requests are made in its
// order with curl, as written apart from the host (and the /kindly prefix of
// the example routes); then the guide's error table, AUTH_001 to AUTH_007,
// one request each; the CSRF token endpoint and X-CSRF-Token check
// (double-submit cookie); MFA enrolment (its QR code scanned in chromium) and
// login with mfa_code; the guide's debug headers (X-Auth-*) and
// X-Auth-Remaining-Quota on a key with a quota.
// Signed requests with the guide's Python client and its Go webhook function:
// test/nodes/hmac-examples.test.js (examples 14).
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const net = require('node:net');
const path = require('node:path');
const { loadExamples, startExample, bash, parseCurl: parse } = require('../support/doc-example');
const { totp, base32Decode } = require('../../dist/lib');
const { launchBrowser } = require('../support/browser');
const { scanQr } = require('../support/qr-scan');

const EXAMPLES = ['13 API keys (Kindly)', '18 Kindly browser clients (CSRF, MFA)'];
const GUIDE = 'https://api.kindly.com';

// The guide's requests, character for character (its host is replaced by the instance's + the example's prefix).
const REGISTER = `curl -X POST https://api.kindly.com/api/auth/register \\
-H "Content-Type: application/json" \\
-d '{
"email": "user@example.com",
"password": "SecureP@ssw0rd!",
"name": "John Doe"
}'`;
const LOGIN = `curl -X POST https://api.kindly.com/api/auth/login \\
-H "Content-Type: application/json" \\
-d '{
"email": "user@example.com",
"password": "SecureP@ssw0rd!"
}'`;
const CREATE_KEY = `curl -X POST https://api.kindly.com/api/keys \\
-H "Authorization: Bearer YOUR_JWT_TOKEN" \\
-H "Content-Type: application/json" \\
-d '{
"name": "Production Server",
"expires_at": "2025-01-08T00:00:00Z"
}'`;
const USE_KEY = `curl -H "X-API-Key: kapi_prod_7f3d9a2b5c1e4890abcdef1234567890" \\
https://api.kindly.com/api/compression/stats`;
const REVOKE_KEY = `curl -X DELETE https://api.kindly.com/api/keys/660e8400-e29b-41d4-a716-446655440001 \\
-H "Authorization: Bearer YOUR_JWT_TOKEN"`;
const MFA_LOGIN = `curl -X POST https://api.kindly.com/api/auth/login \\
-H "Content-Type: application/json" \\
-d '{
"email": "user@example.com",
"password": "SecureP@ssw0rd!",
"mfa_code": "123456"
}'`;

/** An HS256 JWT with the claims given, signed with the example issuer's demo secret. */
function signHs256(claims, secret) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'HS256', typ: 'at+jwt' });
  const body = enc(claims);
  return `${head}.${body}.${crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
}

describe('document: Kindly API Authentication Guide (real Node-RED, curl)', function () {
  this.timeout(60000);
  let node, base, userDir, jwt, webJwt, seed;
  const { flows, creds } = loadExamples(...EXAMPLES);
  // The guide's request against example 16 (prefix /kindly) or 23 (prefix /kindly-web), with its placeholders filled.
  const guide = (cmd, { prefix = '/kindly', vars = {} } = {}) => {
    let script = cmd.replace(/^curl /, 'curl -s -i ').replaceAll(GUIDE, base + prefix);
    for (const [k, v] of Object.entries(vars)) script = script.replaceAll(k, v);
    return bash(script).then(parse);
  };
  const curl = (args) => bash(`curl -s -i ${args}`).then(parse);
  const json = (url, body, extra = '') => curl(`-X POST '${base}${url}' -H 'Content-Type: application/json' ${extra} -d '${JSON.stringify(body)}'`);
  const code = (offset = 0) => totp(base32Decode(seed), Date.now() / 1000 + offset);

  before(async () => {
    node = await startExample({ flows, creds, dirPrefix: 'authflow-doc-kindly' });
    ({ base, userDir } = node);
  });

  after(async () => {
    await node?.stop();
  });

  it('register, login, create an API key (shown once), use it, revoke it — the guide\'s curl requests', async () => {
    const registered = await guide(REGISTER);
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    assert.deepEqual([registered.body.token_type, registered.body.user.email, registered.body.user.name], ['Bearer', 'user@example.com', 'John Doe']);
    assert.ok(registered.body.refresh_token && registered.body.expires_in === 3600 && registered.body.user.id && registered.body.user.created_at);

    const login = await guide(LOGIN);
    assert.equal(login.status, 200, JSON.stringify(login.body));
    jwt = login.body.access_token;
    const [header, claims] = jwt.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url')));
    assert.equal(header.alg, 'HS256'); // typ is at+jwt (RFC 9068) where the guide shows JWT
    assert.equal(claims.exp - claims.iat, 3600);
    assert.ok(claims.sub && claims.jti);

    // The guide's expires_at (2025-01-08) is in the past now: refused, naming the field. One year ahead: created.
    const past = await guide(CREATE_KEY, { vars: { YOUR_JWT_TOKEN: jwt } });
    assert.deepEqual([past.status, past.body.error], [400, 'AUTH_003']);
    assert.match(JSON.stringify(past.body), /expires_at/);
    const nextYear = `${new Date().getUTCFullYear() + 1}-01-08T00:00:00Z`;
    const created = await guide(CREATE_KEY, { vars: { YOUR_JWT_TOKEN: jwt, '2025-01-08T00:00:00Z': nextYear } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.key, /^kapi_prod_[A-Za-z0-9]{32}$/);
    assert.deepEqual([created.body.name, created.body.expires_at.slice(0, 10)], ['Production Server', nextYear.slice(0, 10)]);

    const used = await guide(USE_KEY, { vars: { kapi_prod_7f3d9a2b5c1e4890abcdef1234567890: created.body.key } });
    assert.equal(used.status, 200, JSON.stringify(used.body));
    const listed = await curl(`'${base}/kindly/api/keys' -H 'Authorization: Bearer ${jwt}'`);
    assert.doesNotMatch(JSON.stringify(listed.body), new RegExp(created.body.key)); // shown once only
    const revoked = await guide(REVOKE_KEY, { vars: { YOUR_JWT_TOKEN: jwt, '660e8400-e29b-41d4-a716-446655440001': created.body.id } });
    assert.equal(revoked.status, 200);
    // AUTH_004 "API key not found — check key hasn't been revoked"
    const after = await guide(USE_KEY, { vars: { kapi_prod_7f3d9a2b5c1e4890abcdef1234567890: created.body.key } });
    assert.deepEqual([after.status, after.body.error], [401, 'AUTH_004']);
  });

  it('debug headers: X-Auth-Method, X-Auth-User-ID, X-Auth-Key-ID, X-Auth-IP, X-Auth-Remaining-Quota, as the guide lists them', async () => {
    // The guide ("Debug Authentication Issues"), header for header; example 13 ticks the option on the X-API-Key node of /api/compression/stats.
    const GUIDE_HEADERS = ['X-Auth-Method: api_key', 'X-Auth-User-ID: 550e8400-e29b-41d4-a716-446655440000', 'X-Auth-Key-ID: 660e8400-e29b-41d4-a716-446655440001', 'X-Auth-IP: 203.0.113.42', 'X-Auth-Remaining-Quota: 9950'];
    const me = (await curl(`'${base}/kindly/api/auth/login' -H 'Content-Type: application/json' -d '{"email":"user@example.com","password":"SecureP@ssw0rd!"}'`)).body;
    const userId = JSON.parse(Buffer.from(me.access_token.split('.')[1], 'base64url')).sub;
    // A key with a quota of 10,000 uses (the guide's 9950 is what is left after 50).
    const quota = await json('/kindly/api/keys', { name: 'Quota', max_uses: 10000 }, `-H 'Authorization: Bearer ${jwt}'`);
    assert.equal(quota.status, 201, JSON.stringify(quota.body));
    const plain = await json('/kindly/api/keys', { name: 'No quota' }, `-H 'Authorization: Bearer ${jwt}'`);
    const expected = (key, remaining) => ({ 'x-auth-method': 'api_key', 'x-auth-user-id': userId, 'x-auth-key-id': key.id, 'x-auth-ip': '127.0.0.1', ...(remaining === undefined ? {} : { 'x-auth-remaining-quota': String(remaining) }) });
    const debugOf = (res) => Object.fromEntries(Object.entries(res.headers).filter(([k]) => k.startsWith('x-auth-')));
    for (let use = 1; use <= 3; use++) {
      const res = await guide(USE_KEY, { vars: { kapi_prod_7f3d9a2b5c1e4890abcdef1234567890: quota.body.key } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(debugOf(res), expected(quota.body, 10000 - use), `use ${use}`);
    }
    // The guide's names and value forms: a method word, two ids, an address, a whole number.
    const seen = await guide(USE_KEY, { vars: { kapi_prod_7f3d9a2b5c1e4890abcdef1234567890: quota.body.key } });
    for (const line of GUIDE_HEADERS) {
      const [name, example] = line.split(': ');
      const value = seen.headers[name.toLowerCase()];
      assert.ok(value, `${name} missing`);
      if (name === 'X-Auth-Method') assert.equal(value, example);
      if (name === 'X-Auth-Remaining-Quota') assert.match(value, /^\d+$/);
      // The key id is a UUID like the guide's; the user id is the token's subject (the login name here, see expected()).
      if (name === 'X-Auth-Key-ID') assert.match(value, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, `${name}: ${value}, a UUID like the guide's ${example}`);
      if (name === 'X-Auth-IP') assert.equal(net.isIP(value), 4);
    }
    // No quota, no quota header; the rest as before.
    const noQuota = await guide(USE_KEY, { vars: { kapi_prod_7f3d9a2b5c1e4890abcdef1234567890: plain.body.key } });
    assert.deepEqual(debugOf(noQuota), expected(plain.body));
    // Never a secret: the key itself is in no header.
    assert.doesNotMatch(JSON.stringify(seen.headers), new RegExp(quota.body.key.slice(10)));
    // On refusal too (to troubleshoot): the method and the address, nobody named.
    const refused = await curl(`'${base}/kindly/api/compression/stats' -H 'X-API-Key: kapi_prod_7f3d9a2b5c1e4890abcdef1234567890'`);
    assert.deepEqual([refused.status, refused.body.error], [401, 'AUTH_004']);
    assert.deepEqual(debugOf(refused), { 'x-auth-method': 'api_key', 'x-auth-ip': '127.0.0.1' });
    // Off elsewhere: the bearer-protected key API sends none.
    const listed = await curl(`'${base}/kindly/api/keys' -H 'Authorization: Bearer ${jwt}'`);
    assert.deepEqual(debugOf(listed), {});
  });

  it('the error table: AUTH_001 to AUTH_007, each with its status', async () => {
    // AUTH_001 Invalid credentials
    const wrong = await json('/kindly/api/auth/login', { email: 'user@example.com', password: 'not-the-password' });
    assert.deepEqual([wrong.status, wrong.body.error], [401, 'AUTH_001']);
    // AUTH_002 Token expired: a token of the issuer whose exp has passed (re-signed with the example's demo secret)
    const webLogin = await json('/kindly-web/api/auth/login', { email: 'user@example.com', password: 'SecureP@ssw0rd!' });
    assert.equal(webLogin.status, 200, JSON.stringify(webLogin.body));
    webJwt = webLogin.body.access_token;
    const claims = JSON.parse(Buffer.from(webJwt.split('.')[1], 'base64url'));
    const now = Math.floor(Date.now() / 1000);
    const expired = signHs256({ ...claims, iat: now - 7200, exp: now - 3600 }, creds['af-ex-kweb-issuer'].secret);
    const stale = await curl(`'${base}/kindly-web/api/compression/stats' -H 'Authorization: Bearer ${expired}'`);
    assert.deepEqual([stale.status, stale.body.error], [401, 'AUTH_002']);
    assert.match(stale.headers['www-authenticate'], /error="invalid_token"/);
    // AUTH_003 Invalid token format ("ensure proper Bearer format")
    const format = await curl(`'${base}/kindly-web/api/compression/stats' -H 'Authorization: Bearer not a token'`);
    assert.equal(format.body.error, 'AUTH_003');
    assert.ok([400, 401].includes(format.status));
    // AUTH_004 API key not found
    const unknown = await curl(`'${base}/kindly/api/compression/stats' -H 'X-API-Key: kapi_prod_7f3d9a2b5c1e4890abcdef1234567890'`);
    assert.deepEqual([unknown.status, unknown.body.error], [401, 'AUTH_004']);
    // AUTH_005 IP not whitelisted: a key for the production subnet, used from 127.0.0.1
    const fenced = await json('/kindly/api/keys', { name: 'Production - Main Service', ip_whitelist: ['203.0.113.0/24'] }, `-H 'Authorization: Bearer ${jwt}'`);
    assert.equal(fenced.status, 201, JSON.stringify(fenced.body));
    const outside = await curl(`'${base}/kindly/api/compression/stats' -H 'X-API-Key: ${fenced.body.key}'`);
    assert.deepEqual([outside.status, outside.body.error], [403, 'AUTH_005']);
    // AUTH_006 MFA required: after enrolment, a login without mfa_code
    const started = await curl(`-X POST '${base}/kindly-web/api/auth/mfa/enable' -H 'Authorization: Bearer ${webJwt}'`);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.match(started.body.otpauth_uri, /^otpauth:\/\/totp\/[^?]+\?.*secret=[A-Z2-7]+/);
    // "MFA enrolment with a QR code an authenticator app can scan": an <img src> for a page; chromium draws it, jsQR reads it
    assert.match(started.body.qr_code, /^data:image\/svg\+xml;base64,/);
    const browser = await launchBrowser();
    try {
      assert.equal(await scanQr(await browser.newPage(), started.body.qr_code), started.body.otpauth_uri);
    } finally {
      await browser.close();
    }
    seed = started.body.secret;
    const confirmed = await json('/kindly-web/api/auth/mfa/enable', { mfa_code: code() }, `-H 'Authorization: Bearer ${webJwt}'`);
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    const noCode = await guide(LOGIN, { prefix: '/kindly-web' });
    assert.deepEqual([noCode.status, noCode.body.error], [401, 'AUTH_006']);
    // AUTH_007 Account locked: repeated wrong passwords (5 allowed), then 429 with Retry-After
    let locked;
    for (let i = 0; i < 6; i++) locked = await json('/kindly-web/api/auth/login', { email: 'ops@example.com', password: `wrong-${i}` });
    assert.deepEqual([locked.status, locked.body.error], [429, 'AUTH_007']);
    assert.ok(Number(locked.headers['retry-after']) > 0);
    const evenRight = await json('/kindly-web/api/auth/login', { email: 'ops@example.com', password: 'Another-Passw0rd!' });
    assert.equal(evenRight.status, 429);
  });

  it('MFA: login with mfa_code (the guide\'s request, with the authenticator\'s code)', async () => {
    // The enrolment confirmation spent this period's code (each code works once): the next period's is accepted (RFC 6238 §5.2 drift).
    const mfaCode = code(30);
    const ok = await guide(MFA_LOGIN, { prefix: '/kindly-web', vars: { 123456: mfaCode } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    webJwt = ok.body.access_token;
    const replay = await guide(MFA_LOGIN, { prefix: '/kindly-web', vars: { 123456: mfaCode } });
    assert.deepEqual([replay.status, replay.body.error], [401, 'AUTH_006']);
  });

  it('CSRF (double-submit cookie): GET /api/csrf-token, then X-CSRF-Token on a state-changing request', async () => {
    const jar = path.join(userDir, 'cookies.txt');
    const issued = await curl(`-c '${jar}' '${base}/kindly-web/api/csrf-token'`);
    assert.equal(issued.status, 200);
    const token = issued.body.csrf_token;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const [cookie] = issued.headers['set-cookie'];
    assert.match(cookie, new RegExp(`^__Host-kindly-csrf=${token};`));
    for (const attribute of [/; Path=\//, /; Secure/, /; HttpOnly/, /; SameSite=Strict/]) assert.match(cookie, attribute);
    assert.doesNotMatch(cookie, /Domain=/i);
    assert.equal(issued.headers['cache-control'], 'no-store');

    const compress = (extra) => curl(`-X POST '${base}/kindly-web/api/compression/compress' -H 'Authorization: Bearer ${webJwt}' -H 'Content-Type: application/json' ${extra} -d '{"text":"hello hello hello hello"}'`);
    // As the example's comment does it: the cookie from the jar (as a browser sends it), the token in the header.
    const ok = await compress(`-b '${jar}' -H 'X-CSRF-Token: ${token}'`);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.user, 'user@example.com');
    const other = crypto.randomBytes(32).toString('base64url');
    for (const [why, extra] of [
      ['no header', `-H 'Cookie: __Host-kindly-csrf=${token}'`],
      ['no cookie (a cross-site page cannot set it)', `-H 'X-CSRF-Token: ${token}'`],
      ['different values', `-H 'Cookie: __Host-kindly-csrf=${token}' -H 'X-CSRF-Token: ${other}'`],
      ['malformed', `-H 'Cookie: __Host-kindly-csrf=x' -H 'X-CSRF-Token: x'`],
    ]) {
      const refused = await compress(extra);
      assert.deepEqual([refused.status, refused.body.error], [403, 'AUTH_003'], why);
    }
    // A right CSRF token is no credential: without a session the bearer check still refuses.
    const noSession = await curl(`-X POST '${base}/kindly-web/api/compression/compress' -H 'X-CSRF-Token: ${token}' -H 'Cookie: __Host-kindly-csrf=${token}'`);
    assert.equal(noSession.status, 401); // and the bearer check still applies
  });
});
