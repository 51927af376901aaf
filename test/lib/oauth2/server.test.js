'use strict';
/**
 * OAuthServer without Node-RED: opaque tokens through the same bearer check
 * as JWTs, store outages answered 503 temporarily_unavailable (AUTH_011),
 * garbage never a 5xx (property-based), unknown client and wrong secret doing
 * the same work, and the configuration refusing what RFC 8414 forbids.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fc = require('fast-check');
const {
  OAuthServer, ClientSecretHasher, ClientAuthenticator, ClientDirectory, MemoryStore, createSessionTokens,
  BearerAuthenticator, StoreUnavailableError, MalformedCredentialsError, InvalidCredentialsError,
} = require('../../../dist/lib/internal');

const KEY = crypto.randomBytes(32).toString('base64url');
const hasher = new ClientSecretHasher(KEY);
const ISS = 'https://auth.example.com';
const AUD = 'https://api.example.com';
const acme = hasher.generate('acme');
const CLIENTS = [{ client_id: 'acme', client_secrets: [acme.hash], scope: 'read write' }];

function serverOn(store, format = 'opaque') {
  const tokens = createSessionTokens({ store, format, issuer: ISS, audience: AUD, secret: 'x'.repeat(32), accessTtlSec: 300 });
  return { tokens, server: new OAuthServer({ tokens, clientSecretKey: KEY, tokenEndpoint: `${ISS}/oauth/token`, revocationEndpoint: `${ISS}/oauth/revoke` }) };
}

const basic = (id, secret) => 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
const req = (body, { method = 'POST', auth = basic('acme', acme.secret), type = 'application/x-www-form-urlencoded', query = '' } = {}) => ({
  method, query, body, rawHeaders: [...(auth ? ['Authorization', auth] : []), ...(type ? ['Content-Type', type] : [])],
});

describe('OAuthServer (lib)', () => {
  it('opaque tokens: issued, accepted by the bearer check of the same issuer, revoked at once', async () => {
    const { tokens, server } = serverOn(new MemoryStore());
    const res = await server.handle('token', req('grant_type=client_credentials&scope=read'), () => CLIENTS);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const at = res.body.access_token;
    assert.match(at, /^[A-Za-z0-9_-]{43}$/, 'opaque: 256 random bits');
    const bearer = new BearerAuthenticator({ source: tokens.ownTokens });
    const info = await bearer.authenticate({ authorization: [`Bearer ${at}`] });
    assert.deepEqual({ subject: info.subject, clientId: info.clientId, scopes: info.scopes }, { subject: 'acme', clientId: 'acme', scopes: ['read'] });
    assert.equal((await server.handle('revoke', req(`token=${at}`), () => CLIENTS)).status, 200);
    await assert.rejects(bearer.authenticate({ authorization: [`Bearer ${at}`] }), (e) => e.code === 'AUTH_001');
  });

  it('introspection of a login session token of the same issuer (by a client allowed to see any): username, no client_id', async () => {
    const { tokens, server } = serverOn(new MemoryStore(), 'jwt');
    const rs = hasher.generate('rs');
    const clients = [...CLIENTS, { client_id: 'rs', client_secrets: [rs.hash], introspection: 'any' }];
    const user = await tokens.issuer.issue({ subject: 'alice', roles: [], scopes: ['read'] }, 'sid-1');
    const res = await server.handle('introspect', req(`token=${user.token}`, { auth: basic('rs', rs.secret) }), () => clients);
    assert.equal(res.body.active, true);
    assert.equal(res.body.username, 'alice');
    assert.equal(res.body.client_id, undefined);
    assert.deepEqual((await server.handle('introspect', req(`token=${user.token}`), () => CLIENTS)).body, { active: false }, 'acme sees only its own tokens');
  });

  it('private_key_jwt with a jwks_uri (fetched, cached) and with a PEM public key; an unreachable JWKS is 503, not invalid_client', async () => {
    const jose = await import('jose');
    const http = require('node:http');
    const { server } = serverOn(new MemoryStore(), 'jwt');
    const ed = crypto.generateKeyPairSync('ed25519');
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    let up = true;
    const idp = http.createServer((q, r) => (up ? r.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...ed.publicKey.export({ format: 'jwk' }), kid: 'svc-1', alg: 'EdDSA', use: 'sig' }] })) : r.writeHead(503).end()));
    await new Promise((r) => idp.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${idp.address().port}/jwks`;
      const clients = [
        { client_id: 'svc', jwks_uri: url, scope: 'read' },
        { client_id: 'pem', public_key: rsa.publicKey.export({ type: 'spki', format: 'pem' }), scope: 'read' },
        { client_id: 'svc-down', jwks_uri: url.replace('/jwks', '/down'), scope: 'read' },
      ];
      const assertion = (id, key, alg, kid) => new jose.SignJWT({ jti: crypto.randomUUID() }).setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
        .setIssuer(id).setSubject(id).setAudience(ISS).setIssuedAt().setExpirationTime('60s').sign(key);
      const tokenWith = async (a) => server.handle('token', req(`grant_type=client_credentials&client_assertion_type=${encodeURIComponent('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')}&client_assertion=${a}`, { auth: null }), () => clients);
      assert.equal((await tokenWith(await assertion('svc', ed.privateKey, 'EdDSA', 'svc-1'))).status, 200);
      assert.equal((await tokenWith(await assertion('pem', rsa.privateKey, 'PS256'))).status, 200);
      assert.equal((await tokenWith(await assertion('pem', ed.privateKey, 'EdDSA'))).body.error, 'invalid_client', 'not its key');
      up = false;
      const down = await tokenWith(await assertion('svc-down', ed.privateKey, 'EdDSA', 'svc-1'));
      assert.equal(down.status, 503);
      assert.equal(down.body.code, 'AUTH_011');
    } finally {
      idp.close();
    }
  });

  it('a store that cannot answer: 503 temporarily_unavailable with AUTH_011 and Retry-After, never a token', async () => {
    const down = () => Promise.reject(new StoreUnavailableError('redis down'));
    const store = { get: down, set: down, setIfAbsent: down, delete: down, increment: down, compareAndSet: down, close: async () => {} };
    const { server } = serverOn(store);
    const res = await server.handle('token', req('grant_type=client_credentials'), () => CLIENTS);
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { error: 'temporarily_unavailable', error_description: 'Credential store unavailable', code: 'AUTH_011' });
    assert.equal(res.headers['Retry-After'], '5');
    assert.equal(res.unexpected, undefined, 'an outage is not a bug');
  });

  it('an AuthError that is not AUTH_011 is answered in RFC 6749 §5.2 terms (400 invalid_request, 401 invalid_client), not 503', async () => {
    const { server } = serverOn(new MemoryStore());
    const thrower = (e) => () => { throw e; };
    const bad = await server.handle('token', req('grant_type=client_credentials'), thrower(new MalformedCredentialsError('bad list entry', { status: 400 })));
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { error: 'invalid_request', error_description: 'Malformed credentials', code: 'AUTH_003' });
    assert.equal(bad.headers['Cache-Control'], 'no-store');
    assert.equal(bad.unexpected, undefined, 'a client mistake is not logged as a bug');
    const who = await server.handle('introspect', req('token=x'), thrower(new InvalidCredentialsError('unknown')));
    assert.equal(who.status, 401);
    assert.deepEqual(who.body, { error: 'invalid_client', error_description: 'Client authentication failed', code: 'AUTH_001' });
    assert.match(who.headers['WWW-Authenticate'], /^Basic realm="oauth"/);
    assert.equal(who.unexpected, undefined);
    // Only AUTH_011 and errors that are not AuthErrors are "could not check".
    const bug = await server.handle('token', req('grant_type=client_credentials'), thrower(new TypeError('oops')));
    assert.equal(bug.status, 503);
    assert.equal(bug.body.code, 'AUTH_011');
    assert.ok(bug.unexpected instanceof TypeError);
  });

  it('never a 5xx for garbage, on any endpoint (property)', async () => {
    const { server } = serverOn(new MemoryStore(), 'jwt');
    const anyBody = fc.oneof(fc.string(), fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.array(fc.string()), fc.object())), fc.constant(undefined));
    const anyHeaders = fc.array(fc.tuple(fc.constantFrom('Authorization', 'Content-Type', 'X'), fc.string()), { maxLength: 4 });
    await fc.assert(fc.asyncProperty(fc.constantFrom('token', 'revoke', 'introspect'), fc.constantFrom('POST', 'GET', 'PUT'), anyBody, anyHeaders, fc.string(), async (op, method, body, headers, query) => {
      const res = await server.handle(op, { method, body, query, rawHeaders: headers.flat() }, () => CLIENTS);
      return res.status < 500 && res.unexpected === undefined;
    }), { numRuns: 300 });
    // Well-formed requests with garbage tokens: introspection says exactly {active: false}.
    await fc.assert(fc.asyncProperty(fc.string({ minLength: 1 }), async (token) => {
      const res = await server.handle('introspect', req({ token }), () => CLIENTS);
      return res.status === 200 && JSON.stringify(res.body) === '{"active":false}';
    }), { numRuns: 200 });
  });

  it('unknown client and wrong secret do the same work: one MAC, the same answer', async () => {
    let macs = 0;
    const counting = Object.create(hasher, { mac: { value: (id, s) => { macs++; return hasher.mac(id, s); } } });
    const auth = new ClientAuthenticator({ hasher: counting, methods: ['client_secret_basic'], realm: 'oauth' });
    const dir = new ClientDirectory(CLIENTS);
    const params = { one: new Map(), resources: [] };
    const answers = [];
    for (const [id, secret] of [['acme', 'wrong'], ['nobody', 'wrong']]) {
      macs = 0;
      await assert.rejects(auth.authenticate(['Authorization', basic(id, secret)], params, dir), (e) => (answers.push([e.error, e.message, e.status]), true));
      assert.equal(macs, 1, id);
    }
    assert.deepEqual(answers[0], answers[1]);
  });

  it('configuration: an issuer without iss, a short key, a non-URL endpoint are refused at deploy', () => {
    const store = new MemoryStore();
    const noIss = createSessionTokens({ store, format: 'jwt', secret: 'x'.repeat(32) });
    assert.throws(() => new OAuthServer({ tokens: noIss, clientSecretKey: KEY, tokenEndpoint: `${ISS}/t` }), /needs an iss/);
    const { tokens } = serverOn(store);
    assert.throws(() => new OAuthServer({ tokens, clientSecretKey: 'short', tokenEndpoint: `${ISS}/t` }), /at least 32 bytes/);
    assert.throws(() => new OAuthServer({ tokens, clientSecretKey: KEY, tokenEndpoint: '/oauth/token' }), /absolute URL/);
  });
});
