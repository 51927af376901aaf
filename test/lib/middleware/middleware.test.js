'use strict';
// The settings.js middleware over real HTTP: a plain http.createServer with
// the middleware in front of a handler that echoes req.auth, driven by supertest.
const assert = require('assert');
const http = require('http');
const net = require('net');
const crypto = require('crypto');
const supertest = require('supertest');
const {
  createAuthMiddleware, basicAuth, apiToken, bearerAuth, ipAllowlist, unless, chain, compileExceptions,
} = require('../../../dist/lib/middleware');
const { rejectionFor } = require('../../../dist/lib/errors/rejection');
const {
  hashPasswordScrypt, sha256Hex, auditEvents, buildSigningKey, signJwt, RateLimitedError, StoreUnavailableError,
} = require('../../../dist/lib/internal');

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const BASIC = 'Basic realm="api", charset="UTF-8"';
const quiet = { onWarning: () => {} };

/** A server whose only handler is the middleware; next() answers 200 with req.auth. */
function serve(mw) {
  const state = { next: 0, nextErr: 0 };
  const server = http.createServer((req, res) => {
    mw(req, res, (err) => {
      state.next++;
      if (err !== undefined) {
        state.nextErr++;
        res.statusCode = 500;
        return res.end('next(err)');
      }
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ ok: true, auth: req.auth ?? null }));
    });
  });
  return { server, state, api: supertest(server) };
}

/** Listens on 127.0.0.1 for requests supertest cannot shape (raw header lists). */
async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server.address().port;
}

/** GET with a raw header list (duplicates kept); closes the server afterwards. */
async function rawGet(server, path, headers) {
  const port = await listen(server);
  try {
    return await new Promise((resolve, reject) => {
      // A raw header list: Node sends no Host of its own then, and servers require one (HTTP/1.1).
      const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', headers: ['Host', '127.0.0.1', ...headers], agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Every refusal: status, code, generic message, no-store, JSON, and next() never called. */
function assertRefused(res, state, status, code) {
  assert.strictEqual(res.status, status, `status (${JSON.stringify(res.body)})`);
  assert.strictEqual(res.body.error, code);
  assert.deepStrictEqual(Object.keys(res.body).sort(), ['error', 'message']);
  assert.strictEqual(res.headers['cache-control'], 'no-store');
  assert.match(res.headers['content-type'], /^application\/json; charset=utf-8$/);
  if (state) assert.strictEqual(state.next, 0, 'next() must not be called after a refusal');
}

/** Collects audit events while `fn` runs. */
async function audited(fn) {
  const events = [];
  const on = (e) => events.push(e);
  auditEvents.on('decision', on);
  try {
    await fn();
  } finally {
    auditEvents.off('decision', on);
  }
  return events;
}

describe('lib/rejection: the refusal contract as a pure function', () => {
  it('rejectionFor: status, no-store, challenge, Retry-After in whole seconds (≥ 1), generic payload', () => {
    const r = rejectionFor(new RateLimitedError('queue full (precise)', { retryAfter: 0.2 }), { 'X-Extra': '1' });
    assert.deepStrictEqual(r, {
      status: 429,
      headers: { 'Cache-Control': 'no-store', 'X-Extra': '1', 'Retry-After': '1' },
      payload: { error: 'AUTH_009', message: 'Rate limit exceeded' },
    });
    assert.ok(!JSON.stringify(r).includes('precise'), 'the reason never reaches the client');
    assert.strictEqual(rejectionFor(new StoreUnavailableError('x', { retryAfter: 2.1 })).headers['Retry-After'], '3');
  });
});

describe('middleware exceptions (except / unless)', () => {
  const req = (method, url) => ({ method, url });
  it('exact, one-segment, :param and ** patterns match whole segments only', () => {
    const ex = compileExceptions(['/health', '/hooks/*', '/cb/:provider', '/public/**', '/api/v*/status']);
    const yes = ['/health', '/health/', '/health?x=1', '/hooks/github', '/cb/slack', '/public', '/public/', '/public/a/b/c', '/api/v2/status'];
    const no = ['/healthz', '/health/x', '/hooks', '/hooks/a/b', '/hooksx/a', '/publicx', '/publicx/a', '/cb', '/api/v/status', '/HEALTH', '/', '/api'];
    for (const u of yes) assert.strictEqual(ex(req('GET', u)), true, u);
    for (const u of no) assert.strictEqual(ex(req('GET', u)), false, u);
  });
  it('non-canonical paths are never exempt (dot segments, //, backslash, encoded . / \\)', () => {
    const ex = compileExceptions(['/public/**']);
    for (const u of ['/public/../api', '/public/./x', '/public//x', '/public/%2e%2e/api', '/public/a%2Fb', '/public/a%5cb', '/public\\x',
      '/public/x/..', 'public/x', '/public/' + 'a'.repeat(3000)]) {
      assert.strictEqual(ex(req('GET', u)), false, u);
    }
    assert.strictEqual(ex(req('GET', '/public/a%20b')), true);
  });
  it('per-method rules; GET also exempts HEAD', () => {
    const ex = compileExceptions([{ path: '/hooks/**', methods: ['post'] }, { path: '/status', methods: 'GET' }]);
    assert.strictEqual(ex(req('POST', '/hooks/x')), true);
    assert.strictEqual(ex(req('GET', '/hooks/x')), false);
    assert.strictEqual(ex(req('HEAD', '/status')), true);
    assert.strictEqual(ex(req('DELETE', '/status')), false);
  });
  it('bad rules stop startup with a clear message', () => {
    for (const bad of ['health', '/a/../b', '/a?x', '/a//b', '/a/b**', { path: '/x', methods: [] }, { path: '/x', method: 'GET' }, 42]) {
      assert.throws(() => compileExceptions([bad]), /except/, JSON.stringify(bad));
    }
  });
});

describe('basicAuth middleware over real HTTP', function () {
  this.timeout(30000);
  let users;
  before(async () => {
    users = [{ username: 'Aladdin', password: await hashPasswordScrypt('open sesame', { ln: 12 }), roles: ['admin'] }];
  });

  it('accepts the RFC 7617 vector and sets req.auth without the password', async () => {
    const { api, state } = serve(basicAuth({ users }));
    const res = await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(200);
    assert.deepStrictEqual(res.body.auth, { method: 'basic', subject: 'Aladdin', roles: ['admin'], scopes: [], ip: '127.0.0.1' });
    assert.ok(!res.text.includes('open sesame') && !res.text.includes('scrypt'));
    assert.strictEqual(state.next, 1);
  });

  it('refuses a missing header with 401 AUTH_001 and the RFC 7617 challenge, and never calls next()', async () => {
    const { api, state } = serve(basicAuth({ users }));
    const res = await api.get('/api');
    assertRefused(res, state, 401, 'AUTH_001');
    assert.strictEqual(res.headers['www-authenticate'], BASIC);
  });

  it('unknown user and wrong password get byte-identical responses', async () => {
    const { api, state } = serve(basicAuth({ users, realm: 'ops' }));
    const a = await api.get('/api').set('Authorization', 'Basic ' + b64('Nobody:x'));
    const b = await api.get('/api').set('Authorization', 'Basic ' + b64('Aladdin:x'));
    assertRefused(a, state, 401, 'AUTH_001');
    assert.strictEqual(a.text, b.text);
    assert.strictEqual(a.headers['www-authenticate'], 'Basic realm="ops", charset="UTF-8"');
    assert.strictEqual(a.headers['www-authenticate'], b.headers['www-authenticate']);
  });

  it('malformed credentials → 401 AUTH_003; duplicate Authorization headers → 400 AUTH_003', async () => {
    const { api, state } = serve(basicAuth({ users }));
    assertRefused(await api.get('/api').set('Authorization', 'Basic ' + b64(':pw')), state, 401, 'AUTH_003');
    const s = serve(basicAuth({ users }));
    const res = await rawGet(s.server, '/api', ['Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', 'Authorization', 'Basic ' + b64('x:y')]);
    assertRefused(res, s.state, 400, 'AUTH_003');
  });

  it('users from a function: a change applies on the next request', async () => {
    let current = users;
    const { api } = serve(basicAuth({ users: () => current }));
    await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(200);
    current = [];
    await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(401);
  });

  it('a credentials function that throws, rejects or hangs fails closed with 503 AUTH_011 (no secret in the audit)', async () => {
    for (const source of [
      () => { throw new SyntaxError('Unexpected token s, "s3cr3t-in-file" is not valid JSON'); },
      async () => Promise.reject(new Error('s3cr3t-in-file')),
      () => new Promise(() => {}),
    ]) {
      const { api, state } = serve(basicAuth({ users: source, sourceTimeoutMs: 150 }));
      let res;
      const events = await audited(async () => {
        res = await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
      });
      assertRefused(res, state, 503, 'AUTH_011');
      assert.strictEqual(res.headers['retry-after'], '1');
      assert.strictEqual(res.headers['www-authenticate'], undefined, 'a 503 is not a credentials challenge');
      assert.ok(!JSON.stringify(events).includes('s3cr3t'), JSON.stringify(events));
    }
  });

  it('plain-text passwords work but are warned about once, without the password', async () => {
    const warnings = [];
    const { api } = serve(basicAuth({ users: [{ username: 'u', password: 'plain-pw-123' }], onWarning: (m) => warnings.push(m) }));
    await api.get('/api').set('Authorization', 'Basic ' + b64('u:plain-pw-123')).expect(200);
    await api.get('/api').set('Authorization', 'Basic ' + b64('u:plain-pw-123')).expect(200);
    assert.strictEqual(warnings.length, 1);
    assert.match(warnings[0], /plain-text/);
    assert.ok(!warnings[0].includes('plain-pw-123'));
  });

  it('a realm with a quote, or a missing user list, is refused at startup', () => {
    assert.throws(() => basicAuth({ users, realm: 'a"b' }), /realm/);
    assert.throws(() => basicAuth({}), /users/);
  });
});

describe('apiToken middleware over real HTTP', () => {
  const tokens = [
    { token: 'k-alpha-0123456789', id: 'alpha', subject: 'svc-a', scopes: ['read'] },
    'sha256:' + sha256Hex('k-beta-0123456789'),
    { token: 'k-old-0123456789', id: 'old', expiresAt: '2001-01-01T00:00:00Z' },
  ];

  it('accepts a configured key and a stored digest; req.auth has the key id, never the key', async () => {
    const { api } = serve(apiToken({ tokens, ...quiet }));
    const a = await api.get('/api').set('x-auth-token', 'k-alpha-0123456789').expect(200);
    assert.deepStrictEqual(a.body.auth, { method: 'token', subject: 'svc-a', keyId: 'alpha', scopes: ['read'], ip: '127.0.0.1' });
    const b = await api.get('/api').set('x-auth-token', 'k-beta-0123456789').expect(200);
    assert.strictEqual(b.body.auth.keyId, sha256Hex('k-beta-0123456789').slice(0, 12));
    assert.ok(!a.text.includes('k-alpha') && !b.text.includes('k-beta'));
  });

  it('missing → 401 AUTH_001, unknown or expired → 401 AUTH_004; every 401 carries the ApiKey challenge naming the header (RFC 9110 §11.6.1)', async () => {
    const { api, state } = serve(apiToken({ tokens, ...quiet }));
    const none = await api.get('/api');
    assertRefused(none, state, 401, 'AUTH_001');
    assert.strictEqual(none.headers['www-authenticate'], 'ApiKey realm="api", header="x-auth-token"');
    const wrong = await api.get('/api').set('x-auth-token', 'k-nope-0123456789');
    assert.strictEqual(wrong.headers['www-authenticate'], 'ApiKey realm="api", header="x-auth-token"');
    assertRefused(await api.get('/api').set('x-auth-token', 'k-nope-0123456789'), state, 401, 'AUTH_004');
    assertRefused(await api.get('/api').set('x-auth-token', 'k-old-0123456789'), state, 401, 'AUTH_004');
  });

  it('custom header, Bearer and query opt-ins; a key in two places → 400 AUTH_003; the query never reaches the audit', async () => {
    const { api, state } = serve(apiToken({ tokens, header: 'X-API-Key', allowBearer: true, allowQuery: true, ...quiet }));
    await api.get('/api').set('X-API-Key', 'k-alpha-0123456789').expect(200);
    await api.get('/api').set('Authorization', 'Bearer k-alpha-0123456789').expect(200);
    let res;
    const events = await audited(async () => {
      await api.get('/api?api_key=k-alpha-0123456789').expect(200);
      res = await api.get('/api?api_key=k-alpha-0123456789').set('X-API-Key', 'k-alpha-0123456789');
    });
    assertRefused(res, null, 400, 'AUTH_003');
    assert.strictEqual(state.next, 3);
    assert.deepStrictEqual(events.map((e) => [e.outcome, e.path, e.keyId]), [['allow', '/api', 'alpha'], ['deny', '/api', undefined]]);
    assert.ok(!JSON.stringify(events).includes('k-alpha'));
  });

  it('the query is ignored unless enabled', async () => {
    const { api, state } = serve(apiToken({ tokens, ...quiet }));
    assertRefused(await api.get('/api?api_key=k-alpha-0123456789'), state, 401, 'AUTH_001');
  });

  it('a bad header name or an unknown option is refused at startup', () => {
    assert.throws(() => apiToken({ tokens, header: 'x auth' }), /header name/);
    assert.throws(() => apiToken({ tokenz: tokens }), /unknown option "tokenz"/);
  });
});

describe('bearerAuth middleware over real HTTP', function () {
  this.timeout(30000);
  const SECRET = 'a-very-long-hs256-secret-of-at-least-32-bytes!';
  const now = () => Math.floor(Date.now() / 1000);
  const hs = buildSigningKey({ alg: 'HS256', secret: SECRET });
  const tokenFor = (claims, key = hs) => signJwt({ sub: 'alice', iat: now(), exp: now() + 300, ...claims }, key);
  const CH = (error) => `Bearer realm="api", error="${error}"`;

  it('accepts an own HS256 token; req.auth carries subject, scopes, roles, tokenId, expiry and claims', async () => {
    const { api } = serve(bearerAuth({ secret: SECRET }));
    const exp = now() + 300;
    const res = await api.get('/api').set('Authorization', 'Bearer ' + tokenFor({ scope: 'orders:read orders:write', roles: ['ops'], jti: 'j1', exp })).expect(200);
    const auth = res.body.auth;
    assert.deepStrictEqual([auth.method, auth.subject, auth.scopes, auth.roles, auth.tokenId, auth.expiresAt, auth.ip],
      ['bearer', 'alice', ['orders:read', 'orders:write'], ['ops'], 'j1', exp * 1000, '127.0.0.1']);
    assert.strictEqual(auth.claims.sub, 'alice');
  });

  it('RFC 6750 §3 refusals: no token, bad signature, expired, alg none, header + query', async () => {
    const { api, state } = serve(bearerAuth({ secret: SECRET, leewaySec: 0 }));
    const none = await api.get('/api');
    assertRefused(none, state, 401, 'AUTH_001');
    assert.strictEqual(none.headers['www-authenticate'], 'Bearer realm="api"');

    const other = buildSigningKey({ alg: 'HS256', secret: 'another-secret-that-is-also-32-bytes-long' });
    const bad = await api.get('/api').set('Authorization', 'Bearer ' + tokenFor({}, other));
    assertRefused(bad, state, 401, 'AUTH_001');
    assert.ok(bad.headers['www-authenticate'].startsWith(CH('invalid_token') + ', error_description="'));

    const expired = await api.get('/api').set('Authorization', 'Bearer ' + tokenFor({ exp: now() - 5 }));
    assertRefused(expired, state, 401, 'AUTH_002');
    assert.strictEqual(expired.headers['www-authenticate'], CH('invalid_token') + ', error_description="Token expired"');

    const unsigned = Buffer.from('{"alg":"none"}').toString('base64url') + '.' + Buffer.from(JSON.stringify({ sub: 'x', exp: now() + 60 })).toString('base64url') + '.';
    assertRefused(await api.get('/api').set('Authorization', 'Bearer ' + unsigned), state, 401, 'AUTH_001');

    const both = await api.get('/api?access_token=' + tokenFor({})).set('Authorization', 'Bearer ' + tokenFor({}));
    assertRefused(both, state, 400, 'AUTH_003');
    assert.ok(both.headers['www-authenticate'].startsWith(CH('invalid_request')));
  });

  it('requiredScopes → 403 insufficient_scope with the scope attribute', async () => {
    const { api, state } = serve(bearerAuth({ secret: SECRET, requiredScopes: ['orders:write'] }));
    const res = await api.get('/api').set('Authorization', 'Bearer ' + tokenFor({ scope: 'orders:read' }));
    assertRefused(res, state, 403, 'AUTH_008');
    assert.strictEqual(res.headers['www-authenticate'], CH('insufficient_scope') + ', error_description="Insufficient scope", scope="orders:write"');
    await api.get('/api').set('Authorization', 'Bearer ' + tokenFor({ scope: 'orders:write' })).expect(200);
  });

  it('a short secret (RFC 7518 §3.2) or several key sources are refused at startup', () => {
    assert.throws(() => bearerAuth({ secret: 'short' }), /at least 32 bytes/);
    assert.throws(() => bearerAuth({ secret: SECRET, jwksUrl: 'http://127.0.0.1/jwks' }), /exactly one/);
    assert.throws(() => bearerAuth({}), /exactly one/);
  });

  it('secret from a function: rotation applies on the next request; a bad value fails closed (503)', async () => {
    let secret = SECRET;
    const warnings = [];
    const { api } = serve(bearerAuth({ secret: () => secret, onWarning: (m) => warnings.push(m) }));
    const t = tokenFor({});
    await api.get('/api').set('Authorization', 'Bearer ' + t).expect(200);
    secret = 'a-rotated-secret-of-at-least-thirty-two-bytes';
    assertRefused(await api.get('/api').set('Authorization', 'Bearer ' + t), null, 401, 'AUTH_001');
    secret = 'short';
    assertRefused(await api.get('/api').set('Authorization', 'Bearer ' + t), null, 503, 'AUTH_011');
    assert.strictEqual(warnings.length, 1);
    assert.ok(!warnings[0].includes('short'), warnings[0]);
  });

  it('verifies an IdP token with a PEM public key, and through a JWKS URL served locally', async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signing = buildSigningKey({ alg: 'ES256', pem: privateKey.export({ type: 'pkcs8', format: 'pem' }), kid: 'k1' });
    const token = tokenFor({ iss: 'https://idp.example', aud: 'api://orders' }, signing);

    const pem = serve(bearerAuth({ keys: { alg: 'ES256', pem: publicKey.export({ type: 'spki', format: 'pem' }), kid: 'k1' }, issuer: 'https://idp.example', audience: 'api://orders' }));
    await pem.api.get('/api').set('Authorization', 'Bearer ' + token).expect(200);
    assertRefused(await pem.api.get('/api').set('Authorization', 'Bearer ' + tokenFor({ iss: 'https://evil', aud: 'api://orders' }, signing)), null, 401, 'AUTH_001');
    assert.strictEqual(pem.state.next, 1);

    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };
    let fetches = 0;
    const idp = http.createServer((req, res) => {
      fetches++;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    const port = await listen(idp);
    try {
      const { api } = serve(bearerAuth({ jwksUrl: `http://127.0.0.1:${port}/jwks`, audience: 'api://orders' }));
      const res = await api.get('/api').set('Authorization', 'Bearer ' + token).expect(200);
      assert.strictEqual(res.body.auth.subject, 'alice');
      await api.get('/api').set('Authorization', 'Bearer ' + token).expect(200);
      assert.strictEqual(fetches, 1, 'keys are cached');
    } finally {
      await new Promise((resolve) => idp.close(resolve));
    }
  });
});

describe('ipAllowlist middleware over real HTTP', () => {
  it('allows a listed peer; refuses others with 403 AUTH_005 and no challenge', async () => {
    const ok = serve(ipAllowlist({ allow: ['127.0.0.0/8', '::1'] }));
    const res = await ok.api.get('/api').expect(200);
    assert.deepStrictEqual(res.body.auth, { method: 'ip', scopes: [], ip: '127.0.0.1' });
    const no = serve(ipAllowlist({ allow: '10.0.0.0/8', deny: [] }));
    const refused = await no.api.get('/api');
    assertRefused(refused, no.state, 403, 'AUTH_005');
    assert.strictEqual(refused.headers['www-authenticate'], undefined);
    const denied = serve(ipAllowlist({ allow: '0.0.0.0/0', deny: '127.0.0.1' }));
    assertRefused(await denied.api.get('/api'), denied.state, 403, 'AUTH_005');
  });

  it('X-Forwarded-For counts only from a trusted proxy; garbage fails closed', async () => {
    const untrusted = serve(ipAllowlist({ allow: '10.0.0.0/8' }));
    assertRefused(await untrusted.api.get('/api').set('X-Forwarded-For', '10.1.2.3'), untrusted.state, 403, 'AUTH_005');
    const trusted = serve(ipAllowlist({ allow: '10.0.0.0/8', trustedProxies: '127.0.0.1' }));
    const res = await trusted.api.get('/api').set('X-Forwarded-For', '203.0.113.9, 10.1.2.3').expect(200);
    assert.strictEqual(res.body.auth.ip, '10.1.2.3');
    assertRefused(await trusted.api.get('/api').set('X-Forwarded-For', '10.1.2.3:8080'), null, 403, 'AUTH_005');
    assert.strictEqual(trusted.state.next, 1);
    // Repeated headers are one list (rawHeaders): the rightmost untrusted hop is the client.
    const raw = await rawGet(serve(ipAllowlist({ allow: '10.0.0.0/8', trustedProxies: '127.0.0.1' })).server, '/api',
      ['X-Forwarded-For', '10.9.9.9', 'X-Forwarded-For', '198.51.100.7']);
    assert.strictEqual(raw.status, 403);
  });

  it('rules from a function apply at once; invalid ones refuse everyone (503 AUTH_011, a configuration error) and warn once', async () => {
    let allow = '127.0.0.1';
    const warnings = [];
    const { api } = serve(ipAllowlist({ allow: () => allow, onWarning: (m) => warnings.push(m) }));
    await api.get('/api').expect(200);
    allow = '10.0.0.0/8';
    await api.get('/api').expect(403);
    allow = '127.0.0.1/33';
    assertRefused(await api.get('/api'), null, 503, 'AUTH_011');
    assertRefused(await api.get('/api'), null, 503, 'AUTH_011');
    assert.strictEqual(warnings.length, 1);
  });

  it('a function that answers undefined/null (e.g. an unset env var) fails closed with 503 AUTH_011, allow or deny; an empty allow from a function lets nobody in', async () => {
    const unset = `AUTHFLOW_TEST_UNSET_${process.pid}`;
    for (const mw of [ipAllowlist({ allow: () => process.env[unset], ...quiet }), ipAllowlist({ allow: '127.0.0.1', deny: () => null, ...quiet })]) {
      const { api, state } = serve(mw);
      assertRefused(await api.get('/api'), state, 503, 'AUTH_011');
    }
    const { api, state } = serve(ipAllowlist({ allow: () => '', ...quiet }));
    assertRefused(await api.get('/api'), state, 403, 'AUTH_005');
    // A value given in settings.js is a choice: an empty allow list there means everyone not denied.
    await serve(ipAllowlist({ allow: [], deny: ['10.0.0.0/8'], ...quiet })).api.get('/api').expect(200);
  });

  it('bad fixed rules or no rules stop startup', () => {
    assert.throws(() => ipAllowlist({ allow: ['10.0.0.0/33'] }), /prefix/);
    assert.throws(() => ipAllowlist({}), /allow/);
  });
});

describe('composition: createAuthMiddleware, arrays, unless', function () {
  this.timeout(30000);
  const tokens = [{ token: 'k-alpha-0123456789', id: 'alpha', subject: 'svc-a' }];

  it('checks run in order: ip refuses before the token is looked at; success merges identity and ip', async () => {
    const seen = [];
    const mw = createAuthMiddleware({
      checks: [
        { type: 'ip', allow: '127.0.0.1', trustedProxies: '127.0.0.1' },
        { type: 'token', tokens: () => { seen.push('read'); return tokens; } },
      ],
      ...quiet,
    });
    const { api, state } = serve(mw);
    const res = await api.get('/api').set('X-Forwarded-For', '127.0.0.1').set('x-auth-token', 'k-alpha-0123456789').expect(200);
    assert.deepStrictEqual(res.body.auth, { method: 'token', subject: 'svc-a', keyId: 'alpha', scopes: [], ip: '127.0.0.1' });
    assertRefused(await api.get('/api').set('X-Forwarded-For', '10.1.1.1').set('x-auth-token', 'k-alpha-0123456789'), null, 403, 'AUTH_005');
    assert.deepStrictEqual(seen, ['read'], 'the token list is not read for a refused IP');
    assertRefused(await api.get('/api'), null, 401, 'AUTH_001');
    assert.strictEqual(state.next, 1);
  });

  it('the same works as an array of middlewares (httpNodeMiddleware accepts one): the ip of the first is kept', async () => {
    const mw = chain([ipAllowlist({ allow: '10.0.0.0/8', trustedProxies: '127.0.0.1' }), apiToken({ tokens, ...quiet })]);
    const { api } = serve(mw);
    const res = await api.get('/api').set('X-Forwarded-For', '10.2.3.4').set('x-auth-token', 'k-alpha-0123456789').expect(200);
    assert.strictEqual(res.body.auth.ip, '10.2.3.4');
    assert.strictEqual(res.body.auth.subject, 'svc-a');
  });

  it('except: public webhooks pass without credentials and without req.auth; lookalikes and traversal stay protected', async () => {
    const { api, state } = serve(createAuthMiddleware({
      except: ['/webhooks/**', { path: '/health', methods: ['GET'] }],
      checks: [{ type: 'token', tokens }],
      ...quiet,
    }));
    const pub = await api.post('/webhooks/github/push').expect(200);
    assert.strictEqual(pub.body.auth, null);
    await api.get('/health').expect(200);
    await api.head('/health').expect(200);
    assert.strictEqual(state.next, 3);
    for (const [method, path] of [['post', '/health'], ['get', '/webhooksx'], ['get', '/webhooks/../api'], ['get', '/webhooks/%2e%2e/api'], ['get', '/api']]) {
      assertRefused(await api[method](path), null, 401, 'AUTH_001');
    }
    assert.strictEqual(state.next, 3);
  });

  it('unless() with rules, with a predicate, and a throwing predicate protects', async () => {
    const tok = apiToken({ tokens, ...quiet });
    const a = serve(unless(['/open'], tok));
    await a.api.get('/open').expect(200);
    await a.api.get('/closed').expect(401);
    const b = serve(unless((req) => req.headers['x-internal'] === 'yes', tok));
    await b.api.get('/x').set('x-internal', 'yes').expect(200);
    const c = serve(unless(() => { throw new Error('bug'); }, tok));
    assertRefused(await c.api.get('/x'), c.state, 401, 'AUTH_001');
  });

  it('a foreign req.auth (set by another library) is never trusted or merged', async () => {
    const ip = ipAllowlist({ allow: '127.0.0.1' });
    const mw = (req, res, next) => {
      req.auth = { method: 'basic', subject: 'root', scopes: ['admin'] };
      ip(req, res, next);
    };
    const res = await serve(mw).api.get('/api').expect(200);
    assert.deepStrictEqual(res.body.auth, { method: 'ip', scopes: [], ip: '127.0.0.1' });
  });

  it('users/tokens functions that answer nothing fail closed with 503 AUTH_011 (not "wrong password"); a built-in check that hits a bug answers 503 and logs once', async () => {
    for (const mw of [basicAuth({ users: () => undefined, ...quiet }), apiToken({ tokens: async () => null, ...quiet })]) {
      const { api, state } = serve(mw);
      const res = await api.get('/api').set('Authorization', 'Basic ' + Buffer.from('a:b').toString('base64')).set('x-auth-token', 'k-alpha-0123456789');
      assertRefused(res, state, 503, 'AUTH_011');
    }
    const logged = [];
    const broken = new Proxy({}, { ownKeys() { throw new TypeError('lists hunter2'); } });
    const { api, state } = serve(apiToken({ tokens: () => broken, ...quiet, onError: (m) => logged.push(m) }));
    for (let i = 0; i < 3; i++) assertRefused(await api.get('/api?x=request-data').set('x-auth-token', 'k-alpha-0123456789'), state, 503, 'AUTH_011');
    assert.strictEqual(logged.length, 1);
    assert.match(logged[0], /^unexpected TypeError .*\n\s+at /);
    assert.ok(!/hunter2|request-data|k-alpha/.test(logged[0]));
  });

  it('apiToken: ?api_key[a]=b, api_key[]= and a repeated api_key are 400 AUTH_003, never an internal error', async () => {
    const { api, state } = serve(apiToken({ tokens, allowQuery: true, ...quiet }));
    for (const q of ['api_key[a]=b', 'api_key[]=k-alpha-0123456789', 'api_key=k-alpha-0123456789&api_key=k-alpha-0123456789']) {
      assertRefused(await api.get('/api?' + q), state, 400, 'AUTH_003');
    }
  });

  it('custom checks that throw, reject with a non-Error, or return nothing fail closed with 503 AUTH_011 (a bug is not a wrong credential), logged once; next() is never called', async () => {
    for (const run of [() => { throw new TypeError('boom secret-in-message'); }, () => Promise.reject('nope'), async () => undefined]) {
      const logged = [];
      const { api, state } = serve(createAuthMiddleware({ checks: [{ method: 'middleware', run }], onError: (m) => logged.push(m) }));
      assertRefused(await api.get('/api'), state, 503, 'AUTH_011');
      assertRefused(await api.get('/api'), state, 503, 'AUTH_011');
      assert.strictEqual(logged.length, 1, 'once per distinct error, not once per request');
      assert.ok(!logged[0].includes('secret-in-message'), 'the message (it may quote request data) is never logged');
    }
  });

  it('audit: one allow per request with the identity, one deny with code and reason; no secrets', async () => {
    const mw = createAuthMiddleware({ name: 'edge', checks: [{ type: 'ip', allow: '127.0.0.1' }, { type: 'token', tokens }], ...quiet });
    const { api } = serve(mw);
    const events = await audited(async () => {
      await api.get('/api/orders?x=1').set('x-auth-token', 'k-alpha-0123456789').expect(200);
      await api.get('/api/orders').set('x-auth-token', 'k-wrong-0123456789').expect(401);
    });
    assert.strictEqual(events.length, 2);
    const [allow, deny] = events;
    assert.deepStrictEqual([allow.outcome, allow.method, allow.subject, allow.keyId, allow.ip, allow.httpMethod, allow.path, allow.node],
      ['allow', 'token', 'svc-a', 'alpha', '127.0.0.1', 'GET', '/api/orders', { id: 'edge', type: 'authflow-middleware', name: 'edge' }]);
    assert.deepStrictEqual([deny.outcome, deny.method, deny.code, deny.status, deny.reason, deny.ip],
      ['deny', 'token', 'AUTH_004', 401, 'unknown token', '127.0.0.1']);
    assert.ok(!JSON.stringify(events).includes('k-alpha') && !JSON.stringify(events).includes('k-wrong'));
  });

  it('configuration mistakes stop startup', () => {
    assert.throws(() => createAuthMiddleware({ checks: [] }), /non-empty/);
    assert.throws(() => createAuthMiddleware({ checks: [{ type: 'oauth' }] }), /unknown type/);
    assert.throws(() => createAuthMiddleware({ checks: [{ type: 'ip', alow: '10.0.0.0/8' }] }), /unknown option "alow"/);
    assert.throws(() => createAuthMiddleware({ check: [] }), /unknown option "check"/);
    assert.throws(() => createAuthMiddleware({ checks: [{ type: 'ip', allow: '::1' }], sourceTimeoutMs: 0 }), /sourceTimeoutMs/);
  });

  it('a client that hangs up mid-check does not crash or call next()', async () => {
    let release;
    const gate = new Promise((r) => (release = r));
    const { server, state } = serve(apiToken({ tokens: async () => { await gate; return tokens; }, ...quiet }));
    const port = await listen(server);
    try {
      await new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.write('GET /api HTTP/1.1\r\nHost: x\r\nx-auth-token: k-nope-0123456789\r\n\r\n');
          setTimeout(() => { s.destroy(); resolve(); }, 50);
        });
      });
      release();
      await new Promise((r) => setTimeout(r, 50));
      assert.strictEqual(state.next, 0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
