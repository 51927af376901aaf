'use strict';
// "No secret anywhere" (issue 16): every node of the package, through its
// success and failure paths, with an authflow-audit node attached (in each
// of its formats) and a debug node on every output; collects every audit
// event, log line, node status, debug message and HTTP response (status
// line, headers, body) and asserts that none holds any secret the test
// used: passwords, API keys and tokens, access and refresh tokens, client
// secrets, signing and hashing secrets, HMAC secrets, TOTP seeds and codes.
const assert = require('assert/strict');
const crypto = require('crypto');
const { helper, load, start, stop, getRED } = require('../support/flow-harness');
const { fromNodeRed } = require('../support/node-red-version');
const { auditModule } = require('../support/audit-node');
const { assertAuditEvent } = require('../support/audit-schema');
const { hashPasswordScrypt, totp, base32Decode, ClientSecretHasher } = require('../../dist/lib/internal');

const debugNode = require(fromNodeRed('@node-red/nodes/core/common/21-debug.js'));
const { events: redEvents } = require(fromNodeRed('@node-red/util'));
const mod = (p) => require(`../../dist/nodes/${p}.js`);
const modules = () => [
  auditModule, debugNode, mod('rate-limit/authflow-rate-limit'), mod('hmac/authflow-hmac'), mod('scope/authflow-scope'),
  mod('oauth2/authflow-oauth2-server'), mod('oauth2/authflow-oauth2'), mod('keys/authflow-key-store'), mod('keys/authflow-keys'),
];

// --- every secret the test uses ---
const PW = { alice: 'Alice-pw-4471', carol: 'Carol-pw-9902', wrong: 'Wrong-pw-5513' };
const SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const ISSUER_SECRET = 'issuer-signing-secret-000000000000000001';
const PLAIN_TOKEN = 'plain-token-7f3d9a2b5c1e48';
const WRONG_TOKEN = 'wrong-token-1c2d3e4f5a6b';
const HMAC_SECRET = crypto.randomBytes(32).toString('hex');
const KEY_STORE_SECRET = 'key-store-hash-secret-00000000000000000001';
const OAUTH_SECRET_KEY = crypto.randomBytes(32).toString('base64url');
const clientSecret = new ClientSecretHasher(OAUTH_SECRET_KEY).generate('billing');
const WRONG_CLIENT_SECRET = 'wrong-client-secret-000000000001';

const placed = (n) => ({ x: 100, y: 100, z: 'f1', ...n });
const basicAuth = (u, p) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

/** An `http in` route → node → output 1 / output 2, each to a debug node (to the sidebar and the log) and the response. */
function route(id, method, url, node) {
  // Endpoints (login, oauth2, keys) answer with their own payload; a check's success is echoed as { ok, auth }
  // (not the request's own payload: for a GET that is its query, api_key and all).
  const endpoint = ['authflow-login', 'authflow-oauth2', 'authflow-keys'].includes(node.type);
  return [
    placed({ id: `${id}-in`, type: 'http in', url, method, wires: [[id]] }),
    placed({ id, ...node, respond: false, wires: [[`${id}-dbg1`, endpoint ? `${id}-out` : `${id}-ok`], [`${id}-dbg2`, `${id}-out`]] }),
    placed({ id: `${id}-ok`, type: 'function', func: 'msg.payload = { ok: true, auth: msg.auth }; return msg;', wires: [[`${id}-out`]] }),
    // What the nodes add for the flow: msg.auth on success, the refusal's payload on rejection. (Not the whole
    // msg: it carries the client's own request — its Authorization header, its login body — as it arrived.)
    placed({ id: `${id}-dbg1`, type: 'debug', active: true, complete: 'auth', console: 'true', tosidebar: true, wires: [] }),
    placed({ id: `${id}-dbg2`, type: 'debug', active: true, complete: 'payload', console: 'true', tosidebar: true, wires: [] }),
    placed({ id: `${id}-out`, type: 'http response', wires: [] }),
  ];
}

/** A route whose first node (basic/bearer) authenticates before `id`. */
function behind(id, method, url, first, node) {
  const nodes = route(id, method, url, node);
  nodes[0] = placed({ id: `${id}-in`, type: 'http in', url, method, wires: [[`${id}-first`]] });
  nodes.push(placed({ id: `${id}-first`, ...first, respond: true, wires: [[id], []] }));
  return nodes;
}

function flow(users) {
  const audits = ['event', 'ecs', 'ocsf'].map((format) => placed({ id: `audit-${format}`, type: 'authflow-audit', scope: 'all', format, wires: [[`audit-${format}-sink`, 'audit-dbg']] }));
  return [
    { id: 'f1', type: 'tab', label: 'no secret' },
    ...audits,
    ...['event', 'ecs', 'ocsf'].map((f) => placed({ id: `audit-${f}-sink`, type: 'helper' })),
    placed({ id: 'audit-dbg', type: 'debug', active: true, complete: 'payload', console: 'true', tosidebar: true, wires: [] }),
    { id: 'iss', type: 'authflow-issuer', iss: 'https://api.example.test', aud: 'demo-api', accessTtl: 600, refreshTtl: 3600 },
    { id: 'iss-es', type: 'authflow-issuer', iss: 'http://127.0.0.1', aud: 'https://api.example.com/orders', format: 'jwt', alg: 'ES256', accessTtl: 600 },
    { id: 'srv', type: 'authflow-oauth2-server', issuer: 'iss-es', clientsType: 'cred', clients: '', scopesSupported: 'orders:read orders:write' },
    { id: 'ks', type: 'authflow-key-store', prefix: 'kapi', defaultEnv: 'prod' },
    ...route('basic', 'get', '/basic', { type: 'authflow-basic', userSourceType: 'cred', lockout: true, maxRetries: 2, debugHeaders: true }),
    ...route('token', 'get', '/token', { type: 'authflow-token', tokensType: 'cred', allowQuery: true, debugHeaders: true }),
    ...route('ip', 'get', '/ip', { type: 'authflow-ip', allow: '10.0.0.0/8', allowType: 'str', deny: '', denyType: 'str', trustedProxies: '', debugHeaders: true }),
    ...route('login', 'post', '/login', { type: 'authflow-login', issuer: 'iss', operation: 'login', userSourceType: 'cred', totp: 'enrolled', maxRetries: 0, ipMaxRetries: 0, debugHeaders: true }),
    ...route('refresh', 'post', '/refresh', { type: 'authflow-login', issuer: 'iss', operation: 'refresh' }),
    ...route('logout', 'post', '/logout', { type: 'authflow-login', issuer: 'iss', operation: 'logout' }),
    ...route('bearer', 'get', '/bearer', { type: 'authflow-bearer', keySource: 'issuer', issuer: 'iss', debugHeaders: true }),
    ...route('hmac', 'post', '/hmac', { type: 'authflow-hmac', mode: 'request', secretsType: 'cred', debugHeaders: true }).map((n) => (n.id === 'hmac-in' ? { ...n, skipBodyParsing: true } : n)),
    ...route('rl', 'get', '/rl', { type: 'authflow-rate-limit', limits: [{ limit: 2, window: 1, unit: 'm' }] }),
    ...route('otoken', 'post', '/oauth/token', { type: 'authflow-oauth2', server: 'srv', operation: 'token' }),
    ...route('ointro', 'post', '/oauth/introspect', { type: 'authflow-oauth2', server: 'srv', operation: 'introspect' }),
    ...route('orevoke', 'post', '/oauth/revoke', { type: 'authflow-oauth2', server: 'srv', operation: 'revoke' }),
    ...behind('oscope', 'get', '/orders', { type: 'authflow-bearer', keySource: 'issuer', issuer: 'iss-es' }, { type: 'authflow-scope', scopes: 'orders:write', scopesType: 'str', debugHeaders: true }),
    ...behind('kcreate', 'post', '/keys', { type: 'authflow-basic', userSourceType: 'cred', lockout: false }, { type: 'authflow-keys', keyStore: 'ks', operation: 'create', scopePolicy: 'any' }),
    ...route('kuse', 'get', '/kuse', { type: 'authflow-token', keySource: 'keystore', keyStore: 'ks', header: 'X-API-Key', tokensType: 'cred', debugHeaders: true }),
  ];
}

describe('no secret anywhere: every node, success and failure, with audit nodes attached', function () {
  this.timeout(60000);
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  it('no password, key, token, client secret, signing secret, TOTP seed or code in events, logs, statuses, debug output or responses', async () => {
    const [alice, carol] = await Promise.all([hashPasswordScrypt(PW.alice, { ln: 10 }), hashPasswordScrypt(PW.carol, { ln: 10 })]);
    const users = JSON.stringify([
      { username: 'alice', password: alice, id: 'u-1', scopes: ['orders:read'] },
      { username: 'carol', password: carol, totpSecret: SEED },
    ]);
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privatePem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' });
    const credentials = {
      iss: { secret: ISSUER_SECRET },
      'iss-es': { privateKey: privatePem },
      srv: { secretKey: OAUTH_SECRET_KEY, clientList: JSON.stringify([{ client_id: 'billing', client_secrets: [clientSecret.hash], scope: 'orders:read' }]) },
      ks: { secret: KEY_STORE_SECRET },
      basic: { userList: users },
      'kcreate-first': { userList: users },
      token: { tokenList: PLAIN_TOKEN },
      login: { userList: users },
      hmac: { secretList: JSON.stringify([{ keyId: 'partner-a', secret: HMAC_SECRET }]) },
    };

    // What the runtime says: log lines (node.warn/error/log and the runtime's own), debug output, statuses.
    const seen = { logs: [], debug: [], statuses: [], events: [], responses: [] };
    const onComms = (ev) => seen.debug.push(ev);
    redEvents.on('comms', onComms);
    const api = await load(['authflow-basic', 'authflow-token', 'authflow-ip', 'authflow-login', 'authflow-bearer', 'authflow-issuer'], flow(users), credentials, modules());
    const RED = getRED();
    RED.nodes.eachNode((n) => {
      const node = RED.nodes.getNode(n.id);
      if (!node || typeof node.status !== 'function') return;
      const original = node.status.bind(node);
      node.status = (s) => {
        seen.statuses.push({ id: n.id, s });
        return original(s);
      };
    });
    for (const f of ['event', 'ecs', 'ocsf']) helper.getNode(`audit-${f}-sink`).on('input', (m) => seen.events.push({ format: f, payload: m.payload }));

    const secrets = new Set([PW.alice, PW.carol, PW.wrong, SEED, ISSUER_SECRET, PLAIN_TOKEN, WRONG_TOKEN, HMAC_SECRET, KEY_STORE_SECRET, OAUTH_SECRET_KEY, clientSecret.secret, WRONG_CLIENT_SECRET]);
    const keep = (res) => {
      seen.responses.push({ status: res.status, headers: res.headers, text: res.text });
      return res;
    };

    // basic: success, wrong password, lockout (2 failures → 429)
    keep(await api.get('/basic').set('Authorization', basicAuth('alice', PW.alice)).expect(200));
    keep(await api.get('/basic').set('Authorization', basicAuth('carol', PW.wrong)).expect(401));
    keep(await api.get('/basic').set('Authorization', basicAuth('carol', PW.wrong)).expect(401));
    keep(await api.get('/basic').set('Authorization', basicAuth('carol', PW.carol)).expect(429));
    // token: header, query (api_key=…), wrong
    keep(await api.get('/token').set('x-auth-token', PLAIN_TOKEN).expect(200));
    keep(await api.get(`/token?api_key=${PLAIN_TOKEN}`).expect(200));
    keep(await api.get('/token').set('x-auth-token', WRONG_TOKEN).expect(401));
    keep(await api.get(`/token?api_key=${WRONG_TOKEN}`).expect(401));
    // ip: refused
    keep(await api.get('/ip').expect(403));
    // login: password, wrong password, TOTP required / wrong / right; refresh; logout; bearer
    const ok = keep(await api.post('/login').send({ username: 'alice', password: PW.alice }).expect(200));
    const { access_token: access, refresh_token: refresh } = ok.body;
    secrets.add(access).add(refresh);
    keep(await api.post('/login').send({ username: 'alice', password: PW.wrong }).expect(401));
    keep(await api.post('/login').send({ username: 'carol', password: PW.carol }).expect(401));
    const stepNow = Math.floor(Date.now() / 1000);
    const code = totp(base32Decode(SEED), stepNow);
    const wrongCode = String((Number(code) + 1) % 1000000).padStart(6, '0');
    secrets.add(code);
    keep(await api.post('/login').send({ username: 'carol', password: PW.carol, mfa_code: wrongCode }).expect(401));
    const carolOk = keep(await api.post('/login').send({ username: 'carol', password: PW.carol, mfa_code: code }).expect(200));
    secrets.add(carolOk.body.access_token).add(carolOk.body.refresh_token);
    keep(await api.post('/login').send({ username: 'carol', password: PW.carol, mfa_code: code }).expect(401)); // replayed code
    keep(await api.get('/bearer').set('Authorization', `Bearer ${access}`).expect(200));
    const rotated = keep(await api.post('/refresh').send({ refresh_token: refresh }).expect(200));
    secrets.add(rotated.body.access_token).add(rotated.body.refresh_token);
    keep(await api.post('/refresh').send({ refresh_token: refresh }).expect(401)); // reuse of a rotated token
    keep(await api.post('/logout').send({ refresh_token: rotated.body.refresh_token }).expect(204));
    keep(await api.get('/bearer').set('Authorization', `Bearer ${access}x`).expect(401));
    keep(await api.get('/bearer').set('Authorization', `Bearer ${access.split('.').slice(0, 2).join('.')}.${ISSUER_SECRET}`).expect(401));
    // hmac (strict scheme): signed, tampered, replayed
    const body = '{"amount":10}';
    const n = crypto.randomBytes(16).toString('hex');
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = crypto.createHmac('sha256', HMAC_SECRET).update(['AUTHFLOW-HMAC-SHA256', 'POST', '/hmac', '', ts, n, sha(body)].join('\n')).digest('hex');
    secrets.add(signature);
    const signed = { 'X-Key-Id': 'partner-a', 'X-Timestamp': ts, 'X-Nonce': n, 'X-Signature': signature, 'Content-Type': 'application/json' };
    keep(await api.post('/hmac').set(signed).send(body).expect(200));
    keep(await api.post('/hmac').set(signed).send(body).expect(401)); // replay
    keep(await api.post('/hmac').set({ ...signed, 'X-Nonce': crypto.randomBytes(16).toString('hex') }).send('{"amount":99}').expect(401));
    // rate limit: pass, pass, 429
    keep(await api.get('/rl').set('x-auth-token', PLAIN_TOKEN).expect(200));
    keep(await api.get('/rl').expect(200));
    keep(await api.get('/rl').expect(429));
    // oauth2: client credentials (basic and post), wrong secret, introspect, scope refused, revoke
    const form = (o) => new URLSearchParams(o).toString();
    const tok = keep(await api.post('/oauth/token').set('Authorization', basicAuth('billing', clientSecret.secret)).type('form').send(form({ grant_type: 'client_credentials', scope: 'orders:read' })).expect(200));
    secrets.add(tok.body.access_token);
    keep(await api.post('/oauth/token').type('form').send(form({ grant_type: 'client_credentials', client_id: 'billing', client_secret: WRONG_CLIENT_SECRET })).expect(401));
    keep(await api.post('/oauth/introspect').set('Authorization', basicAuth('billing', clientSecret.secret)).type('form').send(form({ token: tok.body.access_token })).expect(200));
    keep(await api.get('/orders').set('Authorization', `Bearer ${tok.body.access_token}`).expect(403));
    keep(await api.post('/oauth/revoke').set('Authorization', basicAuth('billing', clientSecret.secret)).type('form').send(form({ token: tok.body.access_token })).expect(200));
    // API keys: create (the key is in that one response only), use, wrong key
    const created = keep(await api.post('/keys').set('Authorization', basicAuth('alice', PW.alice)).send({ name: 'ci' }).expect(201));
    const apiKey = created.body.key;
    assert.match(apiKey, /^kapi_prod_/);
    keep(await api.get('/kuse').set('X-API-Key', apiKey).expect(200));
    // A different last character (a fixed 'zz' left the key unchanged once in a few thousand runs, and it passed).
    keep(await api.get('/kuse').set('X-API-Key', apiKey.slice(0, -1) + (apiKey.endsWith('a') ? 'b' : 'a')).expect(401));

    await new Promise((r) => setTimeout(r, 300)); // audit msgs go out on a later tick; statuses too
    redEvents.off('comms', onComms);
    seen.logs = helper.log().args.map((a) => a[0]);

    // Where secrets legitimately appear: the one response that hands each out, and nowhere else.
    const handedOut = new Map([
      [access, ok], [refresh, ok], [carolOk.body.access_token, carolOk], [carolOk.body.refresh_token, carolOk],
      [rotated.body.access_token, rotated], [rotated.body.refresh_token, rotated], [tok.body.access_token, tok], [apiKey, created],
    ]);
    secrets.add(apiKey);

    // Coverage: every node kind decided, allowed and refused where it can, and every format got every event.
    const events = seen.events.filter((e) => e.format === 'event').map((e) => e.payload);
    for (const e of events) assertAuditEvent(e);
    const kinds = new Set(events.map((e) => `${e.nodeType}:${e.outcome}`));
    for (const k of ['authflow-basic:allow', 'authflow-basic:deny', 'authflow-token:allow', 'authflow-token:deny', 'authflow-ip:deny', 'authflow-login:allow',
      'authflow-login:deny', 'authflow-bearer:allow', 'authflow-bearer:deny', 'authflow-hmac:allow', 'authflow-hmac:deny', 'authflow-rate-limit:allow',
      'authflow-rate-limit:deny', 'authflow-oauth2:allow', 'authflow-oauth2:deny', 'authflow-scope:deny', 'authflow-keys:allow']) {
      assert.ok(kinds.has(k), `no ${k} event: ${[...kinds]}`);
    }
    const types = new Set(events.map((e) => e.event));
    for (const t of ['login.success', 'login.failure', 'mfa.failure', 'token.refreshed', 'logout', 'lockout', 'rate_limited', 'signature.replay', 'token.issued', 'token.revoked', 'access.denied', 'ip.denied', 'key.created']) {
      assert.ok(types.has(t), `no ${t} event: ${[...types]}`);
    }
    assert.equal(seen.events.filter((e) => e.format === 'ecs').length, events.length);
    assert.equal(seen.events.filter((e) => e.format === 'ocsf').length, events.length);
    assert.ok(seen.debug.some((d) => d.topic === 'debug'), 'debug nodes published');
    assert.ok(seen.statuses.length > 10);

    const places = {
      'audit events': JSON.stringify(seen.events),
      'log lines': JSON.stringify(seen.logs),
      'node statuses': JSON.stringify(seen.statuses),
      'debug output': JSON.stringify(seen.debug),
    };
    for (const [name, text] of Object.entries(places)) {
      for (const s of secrets) assert.ok(!text.includes(s) && !text.includes(encodeURIComponent(s)), `${name} hold a secret: ${s.slice(0, 8)}…`);
    }
    for (const res of seen.responses) {
      const text = JSON.stringify(res);
      for (const s of secrets) {
        if (handedOut.get(s) && handedOut.get(s).text === res.text) continue; // the response that issues it
        assert.ok(!text.includes(s), `a ${res.status} response holds a secret: ${s.slice(0, 8)}…`);
      }
    }
  });
});
