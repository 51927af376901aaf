'use strict';
// Every node, every credential source, set THROUGH ITS DIALOG in a real
// browser (chromium + playwright-core), deployed, and proven with real HTTP
// against one Node-RED process (4.1, or 5 with AUTHFLOW_NODE_RED=5):
//   basic / token / login: node credentials, flow, global, env, msg (typedInput)
//   ip: typed rules, flow, global, env, msg; typed mistakes get a red border
//   bearer: issuer, JWKS URL, public key, shared secret
//   issuer: HS256 secret, ES256 private key; store: context, Redis, PostgreSQL
// plus a flow saved with the old `users` name (migrated by the editor on load)
// and the "add user" row that hashes a password in the runtime.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const jwt = require('jsonwebtoken');
const Redis = require('ioredis');
const { Client } = require('pg');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { launchBrowser, editNode, pickTypedInputType, deploy: deployFlows, routeReady, ARTIFACTS } = require('../support/browser');
const { serviceMissing, REDIS_URL, probeRedis, IS_CI } = require('../support/services');
const { hashPasswordScrypt } = require('../../dist/lib/internal');

const PG_URL = process.env.AUTHFLOW_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const RUN = crypto.randomBytes(4).toString('hex');
const PASSWORD = 'correct horse 1';
const SOURCES = ['cred', 'flow', 'global', 'env', 'msg'];
const HS_SECRET = 'dialog-test-secret-0123456789abcdef-xyz';
const BEARER_SECRET = 'bearer-secret-0123456789abcdef-0123456789';

function request(port, method, urlPath, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers: { ...headers, ...(data ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode, headers: res.headers, text, body: json });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}
const basicAuth = (user, pw) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });

/**
 * The test flow: per route, http in → a function that puts the msg-source value on msg.src → the node under test →
 * (check nodes: a 200 echo) → http response. The flow/global values come from one function's On Start code.
 */
function buildFlow(values) {
  const nodes = [{ id: 'tab1', type: 'tab', label: 'dialogs' }];
  let y = 40;
  const route = (id, type, config, { method = 'get', endpoint = false } = {}) => {
    const yy = (y += 30);
    nodes.push(
      { id: `${id}-in`, type: 'http in', z: 'tab1', url: `/${id}`, method, x: 100, y: yy, wires: [[`${id}-prep`]] },
      { id: `${id}-prep`, type: 'function', z: 'tab1', func: `msg.src = ${JSON.stringify(values.msg[type] ?? null)};\nreturn msg;`, outputs: 1, x: 250, y: yy, wires: [[id]] },
      { id, type, z: 'tab1', name: id, x: 420, y: yy, wires: endpoint ? [[`${id}-out`], [`${id}-out`]] : [[`${id}-ok`], [`${id}-out`]], ...config },
      { id: `${id}-out`, type: 'http response', z: 'tab1', x: 760, y: yy, wires: [] },
    );
    if (!endpoint) nodes.push({ id: `${id}-ok`, type: 'function', z: 'tab1', func: 'msg.payload = { ok: true, auth: msg.auth };\nreturn msg;', outputs: 1, x: 600, y: yy, wires: [[`${id}-out`]] });
  };
  nodes.push({
    id: 'ctx', type: 'function', z: 'tab1', name: 'context values', x: 100, y: 20, wires: [[]], outputs: 1, func: 'return msg;',
    initialize: Object.entries(values.context).map(([k, v]) => `${k.startsWith('g') ? 'global' : 'flow'}.set(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n'),
  });
  for (const s of SOURCES) route(`basic-${s}`, 'authflow-basic', { lockout: false });
  for (const s of SOURCES) route(`token-${s}`, 'authflow-token', {});
  for (const s of SOURCES) route(`login-${s}`, 'authflow-login', { issuer: 'iss-hs', operation: 'login' }, { method: 'post', endpoint: true });
  route('login-es', 'authflow-login', { issuer: 'iss-es', operation: 'login' }, { method: 'post', endpoint: true });
  route('register-cred', 'authflow-login', { issuer: 'iss-hs', operation: 'register' }, { method: 'post', endpoint: true });
  for (const s of ['str', 'flow', 'global', 'env', 'msg']) route(`ip-${s}`, 'authflow-ip', {});
  for (const s of ['issuer', 'jwks', 'key', 'secret']) route(`bearer-${s}`, 'authflow-bearer', { issuer: 'iss-hs' });
  for (const s of ['ctx', 'redis', 'pg']) route(`lock-${s}`, 'authflow-basic', { store: `store-${s}`, maxRetries: 1, ipMaxRetries: 0 });
  // Saved before configVersion 1, with the property name the editor reserves.
  route('legacy', 'authflow-basic', { usersType: 'flow', users: 'fUsers', lockout: false });
  nodes.push(
    { id: 'iss-hs', type: 'authflow-issuer', name: 'hs issuer', iss: 'http://dialogs.test/hs' },
    { id: 'iss-es', type: 'authflow-issuer', name: 'es issuer', iss: 'http://dialogs.test/es' },
    ...['ctx', 'redis', 'pg'].map((s) => ({ id: `store-${s}`, type: 'authflow-store', name: `store ${s}`, backend: 'context' })),
  );
  return nodes;
}

describe('every node and credential source through its dialog (chromium + playwright-core, one Node-RED)', function () {
  this.timeout(180000);
  let red, browser, page, port, userDir, jwksServer, jwksPort, hash, users;
  const consoleLines = [];
  const es = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });

  before(async function () {
    try {
      browser = await launchBrowser();
    } catch (err) {
      serviceMissing(this, err.message);
    }
    hash = await hashPasswordScrypt(PASSWORD);
    users = `alice:${hash}`;
    const values = {
      msg: { 'authflow-basic': users, 'authflow-login': users, 'authflow-token': 'tok-msg', 'authflow-ip': '127.0.0.1' },
      context: { fUsers: users, gUsers: users, fTokens: 'tok-flow', gTokens: 'tok-global', fAllow: '127.0.0.1, ::1', gAllow: '127.0.0.1, ::1' },
    };
    // A JWKS endpoint of an "identity provider" for the bearer node's JWKS source.
    const jwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwksServer = http.createServer((req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise((r) => jwksServer.listen(0, '127.0.0.1', r));
    jwksPort = jwksServer.address().port;

    port = await freePort();
    userDir = prepareUserDir(fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-dialogs-')), {
      port, flows: buildFlow(values), creds: { 'lock-ctx': { userList: users }, 'lock-redis': { userList: users }, 'lock-pg': { userList: users } },
    });
    red = await startNodeRed(userDir, port, { env: { AF_USERS: users, AF_TOKENS: 'tok-env', AF_ALLOW: '127.0.0.1, ::1' } });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => consoleLines.push(m.text()));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.node('legacy'), null, { timeout: 60000 });
  });

  afterEach(async function () {
    if (this.currentTest.state === 'failed' && page) {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, `dialogs-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`) });
      console.log(red.log().split('\n').slice(-30).join('\n'));
    }
  });

  after(async () => {
    if (browser) await browser.close();
    if (red) await red.stop();
    if (jwksServer) jwksServer.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  /** The visible part of a typedInput (Node-RED hides the original input and puts this after it). */
  const typed = (field) => page.locator(`#node-input-${field} + .red-ui-typedInput-container`);

  /** Picks a type in a typedInput's menu, as a user does, and types the key. */
  async function typedInput(field, type, value) {
    const container = typed(field);
    await pickTypedInputType(page, container.locator('button.red-ui-typedInput-type-select'), type);
    if (value !== undefined) await container.locator('input.red-ui-typedInput-input').fill(value);
  }

  let logFrom;
  async function deploy() {
    if (logFrom === undefined) logFrom = red.log().length; // the issuers have no key before their dialogs
    await deployFlows(page);
    await routeReady(port, '/basic-cred');
  }

  it('the editor registers every schema property (none dropped as reserved) and migrates a flow saved with `users`', async () => {
    assert.deepEqual(consoleLines.filter((l) => /is internal and cannot be used/.test(l)), []);
    const dropped = await page.evaluate(() => Object.keys(AuthflowSchema.schemas).flatMap((t) =>
      Object.keys(AuthflowSchema.schemas[t].properties).filter((p) => !(p in RED.nodes.getType(t).defaults)).map((p) => `${t}.${p}`)));
    assert.deepEqual(dropped, []);
    const legacy = await page.evaluate(() => { const n = RED.nodes.node('legacy'); return { userSource: n.userSource, userSourceType: n.userSourceType, lockout: n.lockout, configVersion: n.configVersion }; });
    assert.deepEqual(legacy, { userSource: 'fUsers', userSourceType: 'flow', lockout: false, configVersion: 1 });
  });

  it('issuer: HS256 secret and ES256 private key through the config dialog', async () => {
    await editNode(page, 'iss-hs', async () => {
      await page.locator('#node-config-input-alg').selectOption('HS256');
      await page.locator('#node-config-input-secret').fill(HS_SECRET);
    });
    await editNode(page, 'iss-es', async () => {
      await page.locator('#node-config-input-alg').selectOption('ES256');
      await page.locator('#node-config-input-privateKey').fill(es.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    });
  });

  it('basic: node credentials (filled with the "add user" button), flow, global, env and msg', async () => {
    await editNode(page, 'basic-cred', async () => {
      await page.locator('#authflow-hash-username').fill('alice');
      await page.locator('#authflow-hash-password').fill(PASSWORD);
      const hashed = page.waitForResponse((r) => /authflow-api-auth\/hash-password$/.test(r.url()));
      await page.locator('#authflow-hash-add').click();
      assert.equal((await hashed).status(), 200);
      await page.waitForFunction(() => /^alice:\$scrypt\$/.test($('#node-input-userList').val()));
      assert.equal(await page.locator('#authflow-hash-password').inputValue(), '', 'the password field is cleared');
      assert.doesNotMatch(await page.locator('#node-input-userList').inputValue(), new RegExp(PASSWORD));
    });
    const keys = { flow: 'fUsers', global: 'gUsers', env: 'AF_USERS', msg: 'src' };
    for (const s of ['flow', 'global', 'env', 'msg']) await editNode(page, `basic-${s}`, () => typedInput('userSource', s, keys[s]));
    await deploy();
    for (const s of [...SOURCES, 'legacy']) {
      const url = s === 'legacy' ? '/legacy' : `/basic-${s}`;
      assert.equal((await request(port, 'GET', url, { headers: basicAuth('alice', PASSWORD) })).status, 200, `${url} right password`);
      assert.equal((await request(port, 'GET', url, { headers: basicAuth('alice', 'wrong') })).status, 401, `${url} wrong password`);
    }
    // The plain text never reached the flow or its credentials file.
    for (const f of fs.readdirSync(userDir).filter((n) => /^flows.*\.json$/.test(n))) assert.doesNotMatch(fs.readFileSync(path.join(userDir, f), 'utf8'), new RegExp(PASSWORD), f);
  });

  it('token: node credentials, flow, global, env and msg', async () => {
    await editNode(page, 'token-cred', () => page.locator('#node-input-tokenList').fill('tok-cred'));
    const keys = { flow: 'fTokens', global: 'gTokens', env: 'AF_TOKENS', msg: 'src' };
    for (const s of ['flow', 'global', 'env', 'msg']) await editNode(page, `token-${s}`, () => typedInput('tokens', s, keys[s]));
    await deploy();
    for (const s of SOURCES) {
      assert.equal((await request(port, 'GET', `/token-${s}`, { headers: { 'x-auth-token': `tok-${s}` } })).status, 200, s);
      assert.equal((await request(port, 'GET', `/token-${s}`, { headers: { 'x-auth-token': 'tok-other' } })).status, 401, s);
    }
  });

  it('login: node credentials, flow, global, env and msg; an ES256 issuer signs with the dialog\'s key', async () => {
    await editNode(page, 'login-cred', () => page.locator('#node-input-userList').fill(users));
    await editNode(page, 'login-es', () => page.locator('#node-input-userList').fill(users));
    const keys = { flow: 'fUsers', global: 'gUsers', env: 'AF_USERS', msg: 'src' };
    for (const s of ['flow', 'global', 'env', 'msg']) await editNode(page, `login-${s}`, () => typedInput('userSource', s, keys[s]));
    await deploy();
    for (const s of SOURCES) {
      const r = await request(port, 'POST', `/login-${s}`, { body: { username: 'alice', password: PASSWORD } });
      assert.equal(r.status, 200, `${s}: ${r.text}`);
      assert.equal(jwt.verify(r.body.access_token, HS_SECRET, { algorithms: ['HS256'] }).sub, 'alice', 'signed with the secret typed into the issuer dialog');
      assert.equal((await request(port, 'POST', `/login-${s}`, { body: { username: 'alice', password: 'wrong' } })).status, 401);
    }
    const r = await request(port, 'POST', '/login-es', { body: { username: 'alice', password: PASSWORD } });
    assert.equal(r.status, 200, r.text);
    assert.equal(jwt.verify(r.body.access_token, es.publicKey.export({ type: 'spki', format: 'pem' }), { algorithms: ['ES256'] }).sub, 'alice');
  });

  it('register: the user list typed into its dialog makes a list name taken (decoy tokens, no account)', async () => {
    await editNode(page, 'register-cred', () => page.locator('#node-input-userList').fill(users));
    await deploy();
    const r = await request(port, 'POST', '/register-cred', { body: { username: 'alice', password: 'attacker password 1' } });
    assert.equal(r.status, 201, r.text);
    assert.throws(() => jwt.verify(r.body.access_token, HS_SECRET, { algorithms: ['HS256'] }), /signature/, 'a decoy, not a token acting as alice');
    assert.equal((await request(port, 'POST', '/login-cred', { body: { username: 'alice', password: 'attacker password 1' } })).status, 401);
    const ok = await request(port, 'POST', '/register-cred', { body: { username: 'newcomer', password: 'newcomer password 1' } });
    assert.equal(jwt.verify(ok.body.access_token, HS_SECRET, { algorithms: ['HS256'] }).sub, 'newcomer');
  });

  it('ip: typed rules get a red border when invalid (10.0.0.0/33, 300.1.1.1); typed, flow, global, env and msg rules reach the runtime', async () => {
    await editNode(page, 'ip-str', async () => {
      const red = (field) => page.locator(`#node-input-${field}`).evaluate((el) => {
        const c = el.nextElementSibling;
        return el.classList.contains('input-error') || (!!c && c.classList.contains('red-ui-typedInput-container') && c.classList.contains('input-error'));
      });
      const type = async (field, text) => {
        const input = (await typed(field).count()) ? typed(field).locator('input.red-ui-typedInput-input') : page.locator(`#node-input-${field}`);
        await input.fill(text);
        await input.dispatchEvent('change');
      };
      await type('allow', '10.0.0.0/33');
      await type('trustedProxies', '300.1.1.1');
      assert.equal(await red('allow'), true, 'red border on 10.0.0.0/33');
      assert.equal(await red('trustedProxies'), true, 'red border on 300.1.1.1');
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'dialog-ip-invalid.png') });
      await type('allow', '');
      await type('trustedProxies', '10.0.0.0/8');
      await type('deny', '127.0.0.1, ::1');
      assert.equal(await red('allow'), false);
      assert.equal(await red('trustedProxies'), false);
      assert.equal(await red('deny'), false);
    });
    const keys = { flow: 'fAllow', global: 'gAllow', env: 'AF_ALLOW', msg: 'src' };
    for (const s of ['flow', 'global', 'env', 'msg']) await editNode(page, `ip-${s}`, () => typedInput('allow', s, keys[s]));
    await deploy();
    assert.equal((await request(port, 'GET', '/ip-str')).status, 403, 'the typed deny list holds 127.0.0.1');
    // A source the runtime could not read would be 503 AUTH_011; an allow list without 127.0.0.1 would be 403.
    for (const s of ['flow', 'global', 'env', 'msg']) assert.equal((await request(port, 'GET', `/ip-${s}`)).status, 200, s);
  });

  it('bearer: issuer, JWKS URL, public key and shared secret', async () => {
    await editNode(page, 'bearer-issuer', () => page.locator('#node-input-keySource').selectOption('issuer'));
    await editNode(page, 'bearer-jwks', async () => {
      await page.locator('#node-input-keySource').selectOption('jwks');
      await page.locator('#node-input-jwksUrl').fill(`http://127.0.0.1:${jwksPort}/jwks`);
      await page.locator('#node-input-allowHttp').check();
    });
    await editNode(page, 'bearer-key', async () => {
      await page.locator('#node-input-keySource').selectOption('key');
      await page.locator('#node-input-alg').selectOption('ES256');
      await page.locator('#node-input-algorithms').fill('ES256');
      await page.locator('#node-input-publicKey').fill(es.publicKey.export({ type: 'spki', format: 'pem' }));
    });
    await editNode(page, 'bearer-secret', async () => {
      await page.locator('#node-input-keySource').selectOption('secret');
      await page.locator('#node-input-alg').selectOption('HS256');
      await page.locator('#node-input-secret').fill(BEARER_SECRET);
    });
    await deploy();
    const login = await request(port, 'POST', '/login-cred', { body: { username: 'alice', password: PASSWORD } });
    const tokens = {
      issuer: login.body.access_token,
      jwks: jwt.sign({ sub: 'alice' }, rsa.privateKey, { algorithm: 'RS256', keyid: 'k1', expiresIn: 300 }),
      key: jwt.sign({ sub: 'alice' }, es.privateKey, { algorithm: 'ES256', expiresIn: 300 }),
      secret: jwt.sign({ sub: 'alice' }, BEARER_SECRET, { algorithm: 'HS256', expiresIn: 300 }),
    };
    const forged = jwt.sign({ sub: 'alice' }, 'another-secret-0123456789abcdef-0123456789', { algorithm: 'HS256', expiresIn: 300 });
    for (const [s, token] of Object.entries(tokens)) {
      const r = await request(port, 'GET', `/bearer-${s}`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(r.status, 200, `${s}: ${r.text}`);
      assert.equal(r.body.auth.subject, 'alice');
      assert.equal((await request(port, 'GET', `/bearer-${s}`, { headers: { Authorization: `Bearer ${forged}` } })).status, 401, s);
    }
  });

  it('store: context, Redis and PostgreSQL backends through the config dialog hold the lockout counters', async function () {
    let redisOk = true;
    let pgOk = true;
    await probeRedis().catch(() => (redisOk = false));
    const pg = new Client({ connectionString: PG_URL });
    await pg.connect().catch(() => (pgOk = false));
    if ((!redisOk || !pgOk) && IS_CI) throw new Error('Redis and PostgreSQL are required under CI=true');
    const prefix = `af-dlg-${RUN}:`;
    const table = `af_dlg_${RUN}`;
    try {
      await editNode(page, 'store-ctx', async () => {
        await page.locator('#node-config-input-backend').selectOption('context');
        await page.locator('#node-config-input-keyPrefix').fill(`dlg_${RUN}_`);
      });
      if (redisOk) {
        await editNode(page, 'store-redis', async () => {
          await page.locator('#node-config-input-backend').selectOption('redis');
          await page.locator('#node-config-input-redisUrl').fill(REDIS_URL);
          await page.locator('#node-config-input-keyPrefix').fill(prefix);
        });
      }
      if (pgOk) {
        await editNode(page, 'store-pg', async () => {
          await page.locator('#node-config-input-backend').selectOption('postgres');
          await page.locator('#node-config-input-pgConnectionString').fill(PG_URL);
          await page.locator('#node-config-input-pgTable').fill(table);
        });
      }
      await deploy();
      for (const s of ['ctx', ...(redisOk ? ['redis'] : []), ...(pgOk ? ['pg'] : [])]) {
        assert.equal((await request(port, 'GET', `/lock-${s}`, { headers: basicAuth('alice', 'wrong') })).status, 401, s);
        const locked = await request(port, 'GET', `/lock-${s}`, { headers: basicAuth('alice', PASSWORD) });
        assert.equal(locked.status, 429, `${s}: locked after maxRetries 1 (${locked.text})`);
      }
      if (redisOk) {
        const redis = new Redis(REDIS_URL);
        try {
          assert.ok((await redis.keys(`${prefix}*`)).length > 0, 'the counters are in Redis under the dialog\'s prefix');
          const keys = await redis.keys(`${prefix}*`);
          if (keys.length) await redis.del(...keys);
        } finally {
          redis.disconnect();
        }
      }
      if (pgOk) {
        const rows = await pg.query(`SELECT count(*)::int AS n FROM ${table}`);
        assert.ok(rows.rows[0].n > 0, 'the counters are in the dialog\'s PostgreSQL table');
      }
      if (!redisOk || !pgOk) console.log(`      note: ${!redisOk ? 'Redis' : ''} ${!pgOk ? 'PostgreSQL' : ''} not reachable; those backends skipped`);
    } finally {
      if (pgOk) {
        await pg.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
        await pg.end();
      }
    }
  });

  it('deploys left no node error and no reserved-property warning', () => {
    assert.doesNotMatch(red.log().slice(logFrom), /\[error\]/);
    assert.deepEqual(consoleLines.filter((l) => /is internal and cannot be used/.test(l)), []);
  });
});
