'use strict';
/**
 * authflow-bearer through real HTTP: the RFC 6750 §3 error table, the JWT
 * attack cases of SECURITY-CASES (alg none, RS→HS confusion, unknown kid,
 * header-supplied keys), and an identity provider's JWKS served by a local
 * HTTP server with key rotation.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const { helper, start, stop, loadSession, route, TAB, rawRequest } = require('./login-harness');
const { buildSigningKey, signJwt, signJws } = require('../../dist/lib/internal');

const SECRET = 'bearer-test-secret-of-32-bytes-or-more';
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPub = rsa.publicKey.export({ type: 'spki', format: 'pem' });
const rsaPriv = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' });

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const nowSec = () => Math.floor(Date.now() / 1000);
const claims = (extra = {}) => ({ sub: 'partner-1', iat: nowSec(), exp: nowSec() + 300, jti: crypto.randomUUID(), ...extra });

const hsKey = buildSigningKey({ alg: 'HS256', secret: SECRET });
const hs = (c = claims()) => signJwt(c, hsKey);

/** A JWS with any header we like, signed by `key` (for attack headers signJwt would not write). */
function withHeader(header, c, key) {
  const input = `${b64(header)}.${b64(c)}`;
  return `${input}.${signJws(key, input).toString('base64url')}`;
}

function jwkOf(keyPair, kid, alg) {
  return { ...keyPair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

/** A tiny IdP: serves a JWK Set that tests can replace, and counts fetches. */
function jwksServer() {
  const state = { keys: [], fetches: 0, down: false };
  const server = http.createServer((req, res) => {
    state.fetches++;
    if (state.down) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: state.keys }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    state.url = `http://127.0.0.1:${server.address().port}/jwks`;
    state.close = () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); });
    resolve(state);
  }));
}

const CHALLENGE = 'Bearer realm="api"';
const INVALID_TOKEN = (desc) => `Bearer realm="api", error="invalid_token", error_description="${desc}"`;
const INVALID_REQUEST = 'Bearer realm="api", error="invalid_request", error_description="Malformed credentials"';

describe('authflow-bearer over real HTTP', function () {
  this.timeout(30000);
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  const flow = (config) => [TAB, ...route('bearer', '/api', 'get', { type: 'authflow-bearer', realm: 'api', ...config }, { echo: true })];
  const withSecret = (config = {}) => loadSession(flow({ keySource: 'secret', alg: 'HS256', ...config }), { bearer: { secret: SECRET } });

  describe('RFC 6750 §3 error responses', () => {
    it('no credentials → 401 with the bare challenge (no error attribute)', async () => {
      const api = await withSecret();
      const res = await api.get('/api').expect(401);
      assert.equal(res.headers['www-authenticate'], CHALLENGE);
      assert.deepEqual(res.body, { error: 'AUTH_001', message: 'Invalid or missing credentials' });
      assert.equal(res.headers['cache-control'], 'no-store');
      // Another scheme is "no Bearer credentials" too.
      const basic = await api.get('/api').set('Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').expect(401);
      assert.equal(basic.headers['www-authenticate'], CHALLENGE);
    });

    it('the realm is configurable and one with a quote is refused at deploy', async () => {
      let api = await withSecret({ realm: 'partners' });
      assert.equal((await api.get('/api').expect(401)).headers['www-authenticate'], 'Bearer realm="partners"');
      await helper.unload();
      api = await withSecret({ realm: 'a"b' });
      assert.equal((await api.get('/api').set('Authorization', `Bearer ${hs()}`).expect(503)).body.error, 'AUTH_011');
    });

    const badRequests = [
      ['a token in both header and query', (api) => api.get(`/api?access_token=${hs()}`).set('Authorization', `Bearer ${hs()}`)],
      ['a query token while query tokens are off (the default)', (api) => api.get(`/api?access_token=${hs()}`)],
      ['Bearer without a token', (api) => api.get('/api').set('Authorization', 'Bearer')],
      ['a token outside the b64token grammar', (api) => api.get('/api').set('Authorization', 'Bearer abc def')],
      ['a repeated access_token parameter', (api) => api.get(`/api?access_token=a&access_token=b`)],
      ['an access_token that is not one text value (?access_token[a]=b)', (api) => api.get('/api?access_token[a]=b')],
    ];
    for (const [name, send] of badRequests) {
      it(`${name} → 400 invalid_request`, async () => {
        const api = await withSecret();
        const res = await send(api).expect(400);
        assert.equal(res.headers['www-authenticate'], INVALID_REQUEST);
        assert.equal(res.body.error, 'AUTH_003');
      });
    }

    it('two Authorization headers → 400 invalid_request', async () => {
      await withSecret();
      const res = await rawRequest('/api', [`Authorization: Bearer ${hs()}`, `Authorization: Bearer ${hs()}`]);
      assert.equal(res.status, 400);
      assert.equal(res.headers['www-authenticate'], INVALID_REQUEST);
    });

    it('a bad signature → 401 invalid_token AUTH_001', async () => {
      const api = await withSecret();
      const token = hs();
      const res = await api.get('/api').set('Authorization', `Bearer ${token.slice(0, -2)}AA`).expect(401);
      assert.equal(res.headers['www-authenticate'], INVALID_TOKEN('Invalid or missing credentials'));
      assert.equal(res.body.error, 'AUTH_001');
    });

    it('an expired token → 401 invalid_token AUTH_002', async () => {
      const api = await withSecret();
      const res = await api.get('/api').set('Authorization', `Bearer ${hs(claims({ exp: nowSec() - 3600 }))}`).expect(401);
      assert.equal(res.headers['www-authenticate'], INVALID_TOKEN('Token expired'));
      assert.equal(res.body.error, 'AUTH_002');
    });

    it('a malformed token → 401 invalid_token AUTH_003', async () => {
      const api = await withSecret();
      for (const token of ['abc.def', 'a.b.c.d', `${hs()}.x`, `${b64('{"alg":"HS256"}')}.${b64('[1]')}.AAAA`]) {
        const res = await api.get('/api').set('Authorization', `Bearer ${token}`).expect(401);
        assert.equal(res.headers['www-authenticate'], INVALID_TOKEN('Malformed credentials'), token);
        assert.equal(res.body.error, 'AUTH_003');
      }
    });

    it('a token over 8 KiB is refused before parsing (401 AUTH_003)', async () => {
      const api = await withSecret();
      const res = await api.get('/api').set('Authorization', `Bearer ${hs(claims({ pad: 'x'.repeat(9000) }))}`).expect(401);
      assert.equal(res.body.error, 'AUTH_003');
    });

    it('a valid token → 200, any case of the scheme; query tokens when enabled', async () => {
      let api = await withSecret();
      const res = await api.get('/api').set('Authorization', `bEaReR ${hs(claims({ scope: 'orders:read orders:write', roles: ['ops'] }))}`).expect(200);
      assert.deepEqual([res.body.auth.method, res.body.auth.subject, res.body.auth.scopes, res.body.auth.roles], ['bearer', 'partner-1', ['orders:read', 'orders:write'], ['ops']]);
      await helper.unload();
      api = await withSecret({ allowQuery: true });
      await api.get(`/api?access_token=${hs()}`).expect(200);
      await api.get(`/api?access_token=${hs()}`).set('Authorization', `Bearer ${hs()}`).expect(400);
    });
  });

  describe('JWT attacks', () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      it(`alg "${alg}" → 401 invalid_token`, async () => {
        const api = await withSecret();
        for (const token of [`${b64({ alg, typ: 'JWT' })}.${b64(claims())}.`, `${b64({ alg })}.${b64(claims())}.${hs().split('.')[2]}`]) {
          const res = await api.get('/api').set('Authorization', `Bearer ${token}`).expect(401);
          assert.match(res.headers['www-authenticate'], /error="invalid_token"/);
        }
      });
    }

    it('RS256→HS256 confusion: a token HMAC-signed with the public key PEM is refused', async () => {
      const api = await loadSession(flow({ keySource: 'key', alg: 'RS256', publicKey: rsaPub }));
      const good = signJwt(claims(), buildSigningKey({ alg: 'RS256', pem: rsaPriv }));
      await api.get('/api').set('Authorization', `Bearer ${good}`).expect(200);
      const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims())}`;
      const forged = `${input}.${crypto.createHmac('sha256', rsaPub).update(input).digest('base64url')}`;
      const res = await api.get('/api').set('Authorization', `Bearer ${forged}`).expect(401);
      assert.match(res.headers['www-authenticate'], /error="invalid_token"/);
      // And a key of one alg does not verify another (RS512 header on the RS256 key).
      const rs512 = signJwt(claims(), buildSigningKey({ alg: 'RS512', pem: rsaPriv }));
      await api.get('/api').set('Authorization', `Bearer ${rs512}`).expect(401);
    });

    it('an HS secret cannot be configured with a public key PEM (refused at deploy, fail closed)', async () => {
      const api = await loadSession(flow({ keySource: 'secret', alg: 'HS256' }), { bearer: { secret: rsaPub } });
      const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims())}`;
      const forged = `${input}.${crypto.createHmac('sha256', rsaPub).update(input).digest('base64url')}`;
      assert.equal((await api.get('/api').set('Authorization', `Bearer ${forged}`).expect(503)).body.error, 'AUTH_011');
    });

    it('an HS256 secret shorter than 32 bytes is refused at deploy', async () => {
      const short = 'only-31-bytes-long-secret-12345';
      const api = await loadSession(flow({ keySource: 'secret', alg: 'HS256' }), { bearer: { secret: short } });
      const token = signJwt(claims(), { purpose: 'sign', alg: 'HS256', key: crypto.createSecretKey(Buffer.from(short)) });
      assert.equal((await api.get('/api').set('Authorization', `Bearer ${token}`).expect(503)).body.error, 'AUTH_011');
    });

    it('unknown kid → 401, whatever the kid says', async () => {
      const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const set = JSON.stringify({ keys: [jwkOf(ec, 'k1', 'ES256')] });
      const api = await loadSession(flow({ keySource: 'key', algorithms: 'ES256', publicKey: set }));
      const sign = (kid) => signJwt(claims(), buildSigningKey({ alg: 'ES256', pem: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) }), { kid });
      await api.get('/api').set('Authorization', `Bearer ${sign('k1')}`).expect(200);
      for (const kid of ['k2', '../../dev/null', "' OR 1=1--", 'x'.repeat(10_000)]) {
        const res = await api.get('/api').set('Authorization', `Bearer ${sign(kid)}`).expect(401);
        assert.match(res.headers['www-authenticate'], /error="invalid_token"/);
      }
    });

    it('jku, x5u, jwk and x5c headers are never used: nothing is fetched, the attacker key is refused', async () => {
      const attacker = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const evil = await jwksServer();
      evil.keys = [jwkOf(attacker, 'evil', 'RS256')];
      try {
        const api = await loadSession(flow({ keySource: 'key', alg: 'RS256', publicKey: rsaPub }));
        const key = buildSigningKey({ alg: 'RS256', pem: attacker.privateKey.export({ type: 'pkcs8', format: 'pem' }) });
        const headers = [
          { alg: 'RS256', kid: 'evil', jku: evil.url },
          { alg: 'RS256', x5u: evil.url },
          { alg: 'RS256', jwk: jwkOf(attacker, undefined, 'RS256') },
          { alg: 'RS256', x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] },
        ];
        for (const header of headers) {
          const res = await api.get('/api').set('Authorization', `Bearer ${withHeader(header, claims(), key)}`).expect(401);
          assert.match(res.headers['www-authenticate'], /error="invalid_token"/);
        }
        assert.equal(evil.fetches, 0, 'the attacker URL was never fetched');
      } finally {
        await evil.close();
      }
    });

    it('iss, aud, leeway and required exp', async () => {
      const api = await withSecret({ iss: 'https://idp.example', aud: 'orders-api', leeway: 0 });
      const ok = claims({ iss: 'https://idp.example', aud: 'orders-api' });
      await api.get('/api').set('Authorization', `Bearer ${hs(ok)}`).expect(200);
      await api.get('/api').set('Authorization', `Bearer ${hs({ ...ok, iss: 'https://evil.example' })}`).expect(401);
      await api.get('/api').set('Authorization', `Bearer ${hs({ ...ok, aud: 'billing-api' })}`).expect(401);
      await api.get('/api').set('Authorization', `Bearer ${hs({ ...ok, exp: nowSec() })}`).expect(401);
      const { exp, ...noExp } = ok;
      void exp;
      await api.get('/api').set('Authorization', `Bearer ${hs(noExp)}`).expect(401);
    });
  });

  describe('external identity provider via a JWKS URL', () => {
    let idp;
    beforeEach(async () => { idp = await jwksServer(); });
    afterEach(() => idp.close());

    const es = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signer = (pair, kid, alg = 'ES256') => (c) => signJwt(c, buildSigningKey({ alg, pem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) }), { kid });

    it('kid selection, IdP claims on msg.auth, and key rotation picked up on an unknown kid', async () => {
      const k1 = es();
      const k2 = crypto.generateKeyPairSync('ed25519');
      idp.keys = [jwkOf(k1, 'k1', 'ES256')];
      const api = await loadSession(flow({
        keySource: 'jwks', jwksUrl: idp.url, algorithms: 'ES256, EdDSA', jwksCooldown: 0,
        iss: 'https://idp.example/realms/demo', aud: 'orders-api', rolesClaim: 'realm_access.roles',
      }));
      const base = { iss: 'https://idp.example/realms/demo', aud: 'orders-api', azp: 'mobile-app', scp: ['orders:read'], realm_access: { roles: ['buyer'] } };
      const res = await api.get('/api').set('Authorization', `Bearer ${signer(k1, 'k1')(claims(base))}`).expect(200);
      assert.deepEqual(
        [res.body.auth.subject, res.body.auth.scopes, res.body.auth.roles, res.body.auth.clientId],
        ['partner-1', ['orders:read'], ['buyer'], 'mobile-app'],
      );
      assert.equal(res.body.auth.claims.iss, 'https://idp.example/realms/demo');
      const before = idp.fetches;
      // The IdP rotates: k2 replaces k1.
      idp.keys = [jwkOf(k2, 'k2', 'EdDSA')];
      await api.get('/api').set('Authorization', `Bearer ${signer(k2, 'k2', 'EdDSA')(claims(base))}`).expect(200);
      assert.equal(idp.fetches, before + 1, 'one refetch for the unknown kid');
      // A new token under the retired key is refused.
      await api.get('/api').set('Authorization', `Bearer ${signer(k1, 'k1')(claims(base))}`).expect(401);
    });

    it('random kids cannot make us hammer the IdP (cooldown), and an IdP outage keeps the keys we have', async () => {
      const k1 = es();
      idp.keys = [jwkOf(k1, 'k1', 'ES256')];
      const api = await loadSession(flow({ keySource: 'jwks', jwksUrl: idp.url, algorithms: 'ES256', jwksCooldown: 60 }));
      await api.get('/api').set('Authorization', `Bearer ${signer(k1, 'k1')(claims())}`).expect(200);
      const before = idp.fetches;
      for (let i = 0; i < 20; i++) {
        await api.get('/api').set('Authorization', `Bearer ${signer(k1, `random-${i}`)(claims())}`).expect(401);
      }
      assert.ok(idp.fetches - before <= 1, `${idp.fetches - before} fetches for 20 unknown kids`);
      idp.down = true;
      await api.get('/api').set('Authorization', `Bearer ${signer(k1, 'k1')(claims())}`).expect(200);
    });

    it('an IdP that is down at deploy: requests fail closed with 503 AUTH_011 (the token is not blamed), then recover', async () => {
      idp.down = true;
      const k1 = es();
      const api = await loadSession(flow({ keySource: 'jwks', jwksUrl: idp.url, algorithms: 'ES256', jwksCooldown: 0 }));
      const res = await api.get('/api').set('Authorization', `Bearer ${signer(k1, 'k1')(claims())}`).expect(503);
      assert.strictEqual(res.body.error, 'AUTH_011');
      assert.ok(res.headers['retry-after']);
      idp.down = false;
      idp.keys = [jwkOf(k1, 'k1', 'ES256')];
      await api.get('/api').set('Authorization', `Bearer ${signer(k1, 'k1')(claims())}`).expect(200);
    });

    it('a JWKS URL over plain http to a non-loopback host is refused at deploy', async () => {
      const api = await loadSession(flow({ keySource: 'jwks', jwksUrl: 'http://idp.example/jwks' }));
      assert.equal((await api.get('/api').set('Authorization', `Bearer ${hs()}`).expect(503)).body.error, 'AUTH_011');
    });
  });
});
