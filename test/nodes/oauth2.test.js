'use strict';
/**
 * authflow-oauth2 over real HTTP, driven by independent clients: openid-client 6
 * (discovery of our RFC 8414 metadata, the client-credentials grant, RFC 7662
 * introspection, RFC 7009 revocation, client_secret_basic/post and
 * private_key_jwt) and jose (tokens verified against our published JWKS);
 * then by hand for what a well-behaved client never sends: RFC 6749 App. B
 * encodings, duplicate parameters, every §5.2 error, wrong methods and types.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { start, stop, helper } = require('../support/flow-harness');
const { auditEvents } = require('../../dist/lib/internal');
const { loadOAuthFlow, listen, freePort, client, basic, AUD } = require('./oauth2-harness');

const FORM = 'application/x-www-form-urlencoded';
const NO_STORE = (res) => {
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers.pragma, 'no-cache');
};

const jwtKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwtJwk = { ...jwtKey.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };

const ACME = client('acme', { client_name: 'ACME', scope: 'orders:read orders:write', default_scope: 'orders:read' });
const ODD = client('odd:id x', { scope: 'orders:read' }, 'p:a%s+s &wörd x=1');
const JWTC = { record: { client_id: 'jwt-client', scope: 'orders:read', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwtJwk] } } };
const OFF = client('off', { enabled: false, scope: 'orders:read' });
const NOGRANT = client('no-grant', { scope: 'orders:read', grant_types: [] });
const RS = client('resource-server', { introspection: 'any' });
const BILLING = client('billing', { scope: 'orders:read', resources: ['https://api.example.com/billing'] });
const soon = new Date(Date.now() + 3 * 86_400_000).toISOString();
const ROT = (() => {
  const old = client('rotating', {});
  const fresh = client('rotating', {});
  return {
    record: { client_id: 'rotating', scope: 'orders:read', client_secrets: [{ hash: old.record.client_secrets[0], expires_at: '2020-01-01T00:00:00Z' }, { hash: fresh.record.client_secrets[0], expires_at: soon }] },
    old: old.secret, fresh: fresh.secret,
  };
})();
const PLUS = client('plus', { scope: 'orders:read' }, 'a+b');
const CLIENTS = [ACME, ODD, JWTC, OFF, NOGRANT, RS, BILLING, ROT, PLUS].map((c) => c.record);

describe('authflow-oauth2 over real HTTP', function () {
  this.timeout(30000);
  let port; let iss; let request; let server; let oidc; let jose;
  const errorsLogged = [];

  before(async () => {
    oidc = await import('openid-client');
    jose = await import('jose');
    await start();
    port = await freePort();
    ({ request, iss } = await loadOAuthFlow({ port, clients: CLIENTS }));
    // Everything the endpoint nodes log at error level, from the first request on.
    for (const id of ['token', 'revoke', 'introspect', 'metadata', 'jwks']) {
      const node = helper.getNode(id);
      const error = node.error.bind(node);
      node.error = (text, msg) => {
        errorsLogged.push(`${id}: ${text instanceof Error ? text.stack : String(text)}`);
        error(text, msg);
      };
    }
    server = await listen(port);
  });
  after(async () => {
    await server?.close();
    await stop();
  });

  const token = (body, headers = {}) => {
    let r = request.post('/oauth/token').type('form');
    for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
    return r.send(body);
  };
  const tokenFor = async (c, scope) => {
    const res = await token({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }, { Authorization: basic(c.record.client_id, c.secret) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.access_token;
  };

  describe('with openid-client (discovery of our metadata)', () => {
    const discover = (id, auth) => oidc.discovery(new URL(iss), id, undefined, auth, { execute: [oidc.allowInsecureRequests], algorithm: 'oauth2' });

    it('client_secret_basic: the client-credentials grant, then the partner API through bearer → scope', async () => {
      const config = await discover('acme', oidc.ClientSecretBasic(ACME.secret));
      const tokens = await oidc.clientCredentialsGrant(config, { scope: 'orders:read' });
      assert.equal(tokens.token_type, 'bearer');
      assert.equal(tokens.scope, 'orders:read');
      assert.ok(tokens.expires_in > 590 && tokens.expires_in <= 600);
      assert.equal(tokens.refresh_token, undefined);
      const api = await request.get('/api/orders').set('Authorization', `Bearer ${tokens.access_token}`);
      assert.equal(api.status, 200, JSON.stringify(api.body));
      assert.deepEqual(
        { method: api.body.auth.method, subject: api.body.auth.subject, clientId: api.body.auth.clientId, scopes: api.body.auth.scopes },
        { method: 'bearer', subject: 'acme', clientId: 'acme', scopes: ['orders:read'] },
      );
    });

    it('client_secret_post, introspection and revocation', async () => {
      const config = await discover('acme', oidc.ClientSecretPost(ACME.secret));
      const { access_token: at } = await oidc.clientCredentialsGrant(config);
      const info = await oidc.tokenIntrospection(config, at);
      assert.equal(info.active, true);
      assert.equal(info.client_id, 'acme');
      assert.equal(info.sub, 'acme');
      assert.equal(info.iss, iss);
      assert.equal(info.scope, 'orders:read'); // the client's default_scope
      assert.equal(info.token_type, 'Bearer');
      for (const k of ['aud', 'exp', 'iat', 'nbf', 'jti']) assert.ok(info[k] !== undefined, k);
      await oidc.tokenRevocation(config, at);
      assert.deepEqual(await oidc.tokenIntrospection(config, at), { active: false });
      const api = await request.get('/api/orders').set('Authorization', `Bearer ${at}`);
      assert.equal(api.status, 401);
    });

    it('private_key_jwt (RFC 7523): signed assertion with aud = issuer; a replayed assertion is refused', async () => {
      const key = await crypto.webcrypto.subtle.importKey('pkcs8', jwtKey.privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
      const config = await discover('jwt-client', oidc.PrivateKeyJwt({ key, kid: 'k1' }));
      const tokens = await oidc.clientCredentialsGrant(config, { scope: 'orders:read' });
      const api = await request.get('/api/orders').set('Authorization', `Bearer ${tokens.access_token}`);
      assert.equal(api.status, 200);
      // The same assertion twice: jti is single use.
      const assertion = await new jose.SignJWT({ jti: crypto.randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('jwt-client').setSubject('jwt-client').setAudience(`${iss}/oauth/token`).setIssuedAt().setExpirationTime('60s').sign(jwtKey.privateKey);
      const body = { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion };
      assert.equal((await token(body)).status, 200, 'aud = token endpoint URL is accepted too');
      const replay = await token(body);
      assert.equal(replay.status, 401);
      assert.equal(replay.body.error, 'invalid_client');
      // A long-lived assertion is refused (RFC 7523 §3 item 4: we keep them short).
      const long = await new jose.SignJWT({ jti: crypto.randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('jwt-client').setSubject('jwt-client').setAudience(iss).setExpirationTime('1h').sign(jwtKey.privateKey);
      assert.equal((await token({ ...body, client_assertion: long })).body.error, 'invalid_client');
      // A secret for a private_key_jwt-only client is refused.
      assert.equal((await token({ grant_type: 'client_credentials', client_id: 'jwt-client', client_secret: 'x' })).status, 401);
    });

    it('tokens verify with jose against the published JWKS (RFC 9068 claims, typ at+jwt)', async () => {
      const at = await tokenFor(ACME, 'orders:read orders:write');
      const JWKS = jose.createRemoteJWKSet(new URL(`${iss}/oauth/jwks`));
      const { payload, protectedHeader } = await jose.jwtVerify(at, JWKS, { issuer: iss, audience: AUD[0], typ: 'at+jwt' });
      assert.equal(protectedHeader.typ, 'at+jwt');
      assert.equal(payload.sub, 'acme');
      assert.equal(payload.client_id, 'acme');
      assert.equal(payload.scope, 'orders:read orders:write');
      for (const k of ['iat', 'exp', 'jti']) assert.ok(payload[k] !== undefined, k);
      const jwks = await request.get('/oauth/jwks');
      assert.equal(jwks.status, 200);
      for (const k of jwks.body.keys) {
        assert.equal(k.d, undefined, 'never a private member');
        assert.equal(k.use, 'sig');
        assert.equal(k.alg, 'ES256');
      }
    });
  });

  describe('the metadata document (RFC 8414) is generated from the configuration', () => {
    it('names the endpoints, grant, auth methods and scopes', async () => {
      const res = await request.get('/.well-known/oauth-authorization-server');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        issuer: iss,
        token_endpoint: `${iss}/oauth/token`,
        grant_types_supported: ['client_credentials'],
        response_types_supported: [],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
        jwks_uri: `${iss}/oauth/jwks`,
        scopes_supported: ['orders:read', 'orders:write'],
        revocation_endpoint: `${iss}/oauth/revoke`,
        revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
        revocation_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
        introspection_endpoint: `${iss}/oauth/introspect`,
        introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
        introspection_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
      });
    });
  });

  describe('client_secret_basic encoding (RFC 6749 §2.3.1, App. B)', () => {
    it('an id with ":" and a space, a secret with ":", "%", "+", "an id and a secret with ":", "%", "+", "&", "=", space and non-ASCII work", "=", space and non-ASCII work when form-urlencoded', async () => {
      const res = await token({ grant_type: 'client_credentials' }, { Authorization: basic('odd:id x', 'p:a%s+s &wörd x=1') });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });

    it('"+" is a space: a secret with a space sent as "+" works; the same sent raw as "%20" works too', async () => {
      const raw = (id, secret) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
      const viaPercent = raw('odd%3Aid+x', 'p%3Aa%25s%2Bs%20%26w%C3%B6rd%20x%3D1');
      assert.equal((await token({ grant_type: 'client_credentials' }, { Authorization: viaPercent })).status, 200);
    });

    it('a secret sent without the encoding is not the same secret (401), a badly encoded one is invalid_request (400)', async () => {
      const raw = (id, secret) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
      // "+" decodes to a space, so an unencoded "a+b" secret is another secret ("a b"): invalid_client.
      assert.equal((await token({ grant_type: 'client_credentials' }, { Authorization: raw('plus', 'a+b') })).status, 401);
      assert.equal((await token({ grant_type: 'client_credentials' }, { Authorization: basic('plus', 'a+b') })).status, 200);
      const bad = await token({ grant_type: 'client_credentials' }, { Authorization: raw('acme', '%zz') });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error, 'invalid_request');
      const badUtf8 = await token({ grant_type: 'client_credentials' }, { Authorization: raw('acme', '%C3%28') });
      assert.equal(badUtf8.body.error, 'invalid_request');
      const notBase64 = await token({ grant_type: 'client_credentials' }, { Authorization: 'Basic !!!' });
      assert.equal(notBase64.status, 400);
      assert.equal(notBase64.body.error, 'invalid_request');
      const unencodedColon = await token({ grant_type: 'client_credentials' }, { Authorization: raw('odd:id x', 'p:a%s+s &wörd x=1') });
      assert.equal(unencodedColon.status, 400, 'the raw "%s" is not a valid escape');
    });
  });

  describe('RFC 6749 §5.2 errors', () => {
    const expectError = (res, status, error) => {
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.error, error);
      assert.equal(typeof res.body.error_description, 'string');
      assert.match(res.body.error_description, /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/, '§5.2 error_description charset');
      NO_STORE(res);
    };
    const auth = { Authorization: basic('acme', ACME.secret) };

    it('invalid_request: no grant_type, a parameter twice, a qs object, credentials in the URL', async () => {
      expectError(await token({}, auth), 400, 'invalid_request');
      expectError(await token('grant_type=client_credentials&grant_type=client_credentials', auth), 400, 'invalid_request');
      expectError(await token('grant_type=client_credentials&scope=orders:read&scope=orders:write', auth), 400, 'invalid_request');
      expectError(await token('grant_type=client_credentials&scope[a]=orders:read', auth), 400, 'invalid_request');
      const inUrl = await request.post(`/oauth/token?client_secret=${ACME.secret}`).type('form').set(auth).send({ grant_type: 'client_credentials' });
      expectError(inUrl, 400, 'invalid_request');
      assert.ok(!JSON.stringify(inUrl.body).includes(ACME.secret));
    });

    it('resource may be repeated (RFC 8707 §2): both audiences in the token', async () => {
      const res = await token(`grant_type=client_credentials&resource=${encodeURIComponent(AUD[0])}&resource=${encodeURIComponent(AUD[1])}`, auth);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const claims = JSON.parse(Buffer.from(res.body.access_token.split('.')[1], 'base64url'));
      assert.deepEqual(claims.aud, AUD);
    });

    it('only POST (405 with Allow), only form parameters (JSON is 400)', async () => {
      const get = await request.get('/oauth/token');
      expectError(get, 405, 'invalid_request');
      assert.equal(get.headers.allow, 'POST');
      const json = await request.post('/oauth/token').set(auth).send({ grant_type: 'client_credentials' });
      expectError(json, 400, 'invalid_request');
    });

    it('two client authentication methods at once: 400 invalid_request', async () => {
      expectError(await token({ grant_type: 'client_credentials', client_id: 'acme', client_secret: ACME.secret }, auth), 400, 'invalid_request');
    });

    it('invalid_client: 401 with WWW-Authenticate Basic; unknown client, wrong secret, disabled client, expired secret answer alike', async () => {
      const answers = [];
      for (const [id, secret] of [['acme', 'wrong'], ['nobody', 'x'], ['off', OFF.secret], ['rotating', ROT.old]]) {
        const res = await token({ grant_type: 'client_credentials' }, { Authorization: basic(id, secret) });
        expectError(res, 401, 'invalid_client');
        assert.equal(res.headers['www-authenticate'], 'Basic realm="oauth", charset="UTF-8"');
        answers.push(res.body);
        const post = await token({ grant_type: 'client_credentials', client_id: id, client_secret: secret });
        expectError(post, 401, 'invalid_client');
        assert.match(post.headers['www-authenticate'], /^Basic /, 'every 401 carries a challenge (RFC 9110 §15.5.2)');
        assert.ok(!JSON.stringify(post.body).includes(secret) || secret === 'x');
      }
      assert.equal(new Set(answers.map((a) => JSON.stringify(a))).size, 1, 'one answer for all four');
      expectError(await token({ grant_type: 'client_credentials', client_id: 'acme' }), 401, 'invalid_client');
    });

    it('unsupported_grant_type, unauthorized_client, invalid_scope (naming the refused scope), invalid_target', async () => {
      expectError(await token({ grant_type: 'password', username: 'a', password: 'b' }, auth), 400, 'unsupported_grant_type');
      expectError(await token({ grant_type: 'refresh_token', refresh_token: 'x' }, auth), 400, 'unsupported_grant_type');
      expectError(await token({ grant_type: 'client_credentials' }, { Authorization: basic('no-grant', NOGRANT.secret) }), 400, 'unauthorized_client');
      const scope = await token({ grant_type: 'client_credentials', scope: 'orders:read admin:all' }, auth);
      expectError(scope, 400, 'invalid_scope');
      assert.match(scope.body.error_description, /admin:all/);
      assert.doesNotMatch(scope.body.error_description, /orders:read/);
      expectError(await token({ grant_type: 'client_credentials', resource: 'https://evil.example/' }, auth), 400, 'invalid_target');
      expectError(await token({ grant_type: 'client_credentials', resource: 'not a uri' }, auth), 400, 'invalid_target');
      expectError(await token({ grant_type: 'client_credentials', resource: `${AUD[0]}#frag` }, auth), 400, 'invalid_target');
      // invalid_grant needs a grant the client sends (a code, a refresh token): client credentials has none.
    });
  });

  describe('scopes, audiences, secrets', () => {
    it('no scope asked → the default_scope; a client restricted to one resource gets it as aud', async () => {
      const at = await tokenFor(ACME);
      assert.equal(JSON.parse(Buffer.from(at.split('.')[1], 'base64url')).scope, 'orders:read');
      const b = await tokenFor(BILLING);
      assert.equal(JSON.parse(Buffer.from(b.split('.')[1], 'base64url')).aud, 'https://api.example.com/billing');
      const refused = await token({ grant_type: 'client_credentials', resource: AUD[0] }, { Authorization: basic('billing', BILLING.secret) });
      assert.equal(refused.body.error, 'invalid_target');
    });

    it('bearer → scope: 403 AUTH_008 with the RFC 6750 §3.1 challenge when the token lacks the scope; 401 without a token', async () => {
      const at = await tokenFor(ACME, 'orders:write');
      const res = await request.get('/api/orders').set('Authorization', `Bearer ${at}`);
      assert.equal(res.status, 403);
      assert.equal(res.body.error, 'AUTH_008');
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="api", error="insufficient_scope", error_description="Insufficient scope", scope="orders:read"');
      assert.equal((await request.get('/api/orders')).status, 401);
    });

    it('rotation with grace: the expired secret is refused, the live one works and its coming expiry is an audit event', async () => {
      const events = [];
      const listen = (e) => events.push(e);
      auditEvents.on('decision', listen);
      try {
        const res = await token({ grant_type: 'client_credentials' }, { Authorization: basic('rotating', ROT.fresh) });
        assert.equal(res.status, 200);
      } finally {
        auditEvents.off('decision', listen);
      }
      const notice = events.find((e) => /expires/.test(e.reason));
      assert.ok(notice, JSON.stringify(events));
      assert.equal(notice.subject, 'rotating');
      assert.ok(!JSON.stringify(events).includes(ROT.fresh), 'no secret in audit events');
      assert.ok(events.every((e) => !JSON.stringify(e).includes('access_token')));
    });
  });

  describe('logs', () => {
    it('nothing at error level for answers (this suite\'s every request so far), and never a secret or a token in the log', async () => {
      const at = await tokenFor(ACME);
      await token({ grant_type: 'client_credentials' }, { Authorization: basic('acme', 'wrong-secret-value') });
      await request.post('/oauth/introspect').type('form').set('Authorization', basic('acme', ACME.secret)).send({ token: at });
      assert.deepEqual(errorsLogged, [], 'answers, refusals included, are no unexpected errors');
      const text = [...errorsLogged, ...helper.log().args.map((a) => JSON.stringify(a[0]))].join('\n');
      for (const secret of [ACME.secret, 'wrong-secret-value', at]) assert.ok(!text.includes(secret));
    });
  });

  describe('revocation (RFC 7009) and introspection (RFC 7662)', () => {
    const auth = { Authorization: basic('acme', ACME.secret) };
    const post = (path, body, headers = auth) => request.post(path).type('form').set(headers).send(body);

    it('revoke: 200 for unknown, invalid and already revoked tokens; client authentication is required', async () => {
      for (const t of ['nonsense', 'a.b.c', crypto.randomBytes(32).toString('base64url')]) {
        const res = await post('/oauth/revoke', { token: t });
        assert.equal(res.status, 200);
        NO_STORE(res);
      }
      const at = await tokenFor(ACME);
      assert.equal((await post('/oauth/revoke', { token: at })).status, 200);
      assert.equal((await post('/oauth/revoke', { token: at })).status, 200);
      assert.equal((await post('/oauth/revoke', { token: at }, {})).status, 401);
      // RFC 7009 §2.2.1: a hint we do not know is unsupported_token_type; known hints are fine.
      const odd = await post('/oauth/revoke', { token: at, token_type_hint: 'id_token' });
      assert.equal(odd.status, 400);
      assert.equal(odd.body.error, 'unsupported_token_type');
      assert.equal((await post('/oauth/revoke', { token: at, token_type_hint: 'refresh_token' })).status, 200);
      assert.equal((await post('/oauth/revoke', {})).body.error, 'invalid_request');
    });

    it("a client cannot revoke another client's token", async () => {
      const at = await tokenFor(ACME);
      await post('/oauth/revoke', { token: at }, { Authorization: basic('billing', BILLING.secret) });
      assert.equal((await request.get('/api/orders').set('Authorization', `Bearer ${at}`)).status, 200);
    });

    it('introspect: exactly {"active": false} for garbage, never a 5xx; own tokens only unless the client may see any', async () => {
      const garbage = ['', 'x', 'a.b.c', '....', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'é'.repeat(5000), crypto.randomBytes(32).toString('base64url'), '%00'];
      for (const t of garbage) {
        const res = await post('/oauth/introspect', { token: t });
        if (t === '') {
          assert.equal(res.body.error, 'invalid_request');
          continue;
        }
        assert.equal(res.status, 200, t.slice(0, 20));
        assert.deepEqual(res.body, { active: false });
        NO_STORE(res);
      }
      const at = await tokenFor(ACME);
      assert.deepEqual((await post('/oauth/introspect', { token: at }, { Authorization: basic('billing', BILLING.secret) })).body, { active: false });
      const seen = await post('/oauth/introspect', { token: at }, { Authorization: basic('resource-server', RS.secret) });
      assert.equal(seen.body.active, true);
      assert.equal(seen.body.client_id, 'acme');
      assert.equal((await post('/oauth/introspect', { token: at }, { Authorization: basic('acme', 'wrong') })).status, 401);
    });
  });
});
