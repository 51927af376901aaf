'use strict';
// A REAL Node-RED process whose settings.js protects the whole instance with
// this package's middleware: httpNodeMiddleware (every `http in` route) and
// the function form of httpNodeAuth (everything under httpNodeRoot).
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const supertest = require('supertest');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { hashPasswordScrypt, buildSigningKey, signJwt } = require('../../dist/lib');

// Required the way a user's settings.js does, through the package installed in the userDir.
const PKG = '@authflow/node-red-api-auth/middleware';

/** Routes: each answers `{ route, auth: msg.req.auth }`, which is what a flow sees. */
function flows(routes) {
  const nodes = [{ id: 'tab', type: 'tab', label: 'middleware e2e' }, { id: 'out', type: 'http response', z: 'tab', wires: [] }];
  routes.forEach(([method, url], i) => {
    nodes.push(
      { id: `in${i}`, type: 'http in', z: 'tab', url, method, wires: [[`fn${i}`]] },
      { id: `fn${i}`, type: 'function', z: 'tab', func: `msg.payload = { route: ${JSON.stringify(method + ' ' + url)}, auth: msg.req.auth || null }; return msg;`, wires: [['out']] },
    );
  });
  return nodes;
}

/**
 * A real Node-RED on a free 127.0.0.1 port with extra settings.js text; the
 * shared starter bounds the wait and kills the process on a failed start.
 * stop() kills it (SIGTERM, then SIGKILL) and removes the userDir.
 */
async function startInstance({ settings, routes, env = {} }) {
  const port = await freePort();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-mw-e2e-'));
  const cleanup = () => fs.rmSync(userDir, { recursive: true, force: true });
  prepareUserDir(userDir, { port, flows: flows(routes), creds: {}, settings });
  let red;
  try {
    red = await startNodeRed(userDir, port, { env });
  } catch (err) {
    cleanup();
    throw err;
  }
  const killOnExit = () => red.child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    api: supertest(`http://127.0.0.1:${port}`),
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await red.stop();
      cleanup();
    },
  };
}

/** The refusal contract shared with the check nodes. */
function assertRefused(res, status, code) {
  assert.strictEqual(res.status, status, res.text);
  assert.deepStrictEqual(res.body, { error: code, message: res.body.message });
  assert.strictEqual(res.headers['cache-control'], 'no-store');
  assert.match(res.headers['content-type'], /^application\/json/);
}

describe('e2e: a real Node-RED protected by httpNodeMiddleware from settings.js', function () {
  this.timeout(60000);
  let red;
  let tmp;
  let usersFile;
  let auditFile;
  const basic = (u, p) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-mw-data-'));
    usersFile = path.join(tmp, 'users.txt');
    auditFile = path.join(tmp, 'audit.ndjson');
    fs.writeFileSync(usersFile, `alice:${await hashPasswordScrypt('wonderland', { ln: 12 })}\n`);
    // What a user writes in settings.js (the users file is re-read on every request).
    const settings = `
  httpNodeMiddleware: (() => {
    const fs = require('fs');
    const { createAuthMiddleware } = require(${JSON.stringify(PKG)});
    require('@authflow/node-red-api-auth').auditEvents.on('decision', (e) => fs.appendFileSync(${JSON.stringify(auditFile)}, JSON.stringify(e) + '\\n'));
    return createAuthMiddleware({
      name: 'instance',
      except: ['/webhooks/**', { path: '/health', methods: ['GET'] }],
      checks: [
        { type: 'ip', allow: ['127.0.0.1', '::1'] },
        { type: 'basic', realm: 'instance', users: () => fs.readFileSync(${JSON.stringify(usersFile)}, 'utf8') },
      ],
    });
  })(),`;
    red = await startInstance({ settings, routes: [['get', '/api'], ['post', '/webhooks/github'], ['get', '/health'], ['post', '/health']] });
  });

  after(async () => {
    if (red) await red.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a protected route without credentials: 401 AUTH_001 with the Basic challenge', async () => {
    const res = await red.api.get('/api');
    assertRefused(res, 401, 'AUTH_001');
    assert.strictEqual(res.headers['www-authenticate'], 'Basic realm="instance", charset="UTF-8"');
  });

  it('refuses a wrong password the same way', async () => {
    const res = await red.api.get('/api').set('Authorization', basic('alice', 'wrong'));
    assertRefused(res, 401, 'AUTH_001');
    assert.strictEqual(res.headers['www-authenticate'], 'Basic realm="instance", charset="UTF-8"');
  });

  it('accepts valid credentials; the flow reads the identity from msg.req.auth (no password)', async () => {
    const res = await red.api.get('/api').set('Authorization', basic('alice', 'wonderland')).expect(200);
    assert.deepStrictEqual(res.body, { route: 'get /api', auth: { method: 'basic', subject: 'alice', roles: [], scopes: [], ip: '127.0.0.1' } });
    assert.ok(!res.text.includes('wonderland'));
  });

  it('a public webhook under an exception path needs no credentials and carries no identity', async () => {
    const res = await red.api.post('/webhooks/github').send({ zen: 'hi' }).expect(200);
    assert.deepStrictEqual(res.body, { route: 'post /webhooks/github', auth: null });
  });

  it('a per-method exception: GET /health is public, POST /health is protected', async () => {
    await red.api.get('/health').expect(200);
    assertRefused(await red.api.post('/health').send({}), 401, 'AUTH_001');
    await red.api.post('/health').set('Authorization', basic('alice', 'wonderland')).send({}).expect(200);
  });

  it('malformed credentials: 401 AUTH_003', async () => {
    assertRefused(await red.api.get('/api').set('Authorization', 'Basic !!!'), 401, 'AUTH_003');
  });

  it('editing the users file applies on the next request, without a restart', async () => {
    const before = fs.readFileSync(usersFile, 'utf8');
    fs.writeFileSync(usersFile, `bob:${await hashPasswordScrypt('builder', { ln: 12 })}\n`);
    try {
      assertRefused(await red.api.get('/api').set('Authorization', basic('alice', 'wonderland')), 401, 'AUTH_001');
      const res = await red.api.get('/api').set('Authorization', basic('bob', 'builder')).expect(200);
      assert.strictEqual(res.body.auth.subject, 'bob');
    } finally {
      fs.writeFileSync(usersFile, before);
    }
  });

  it('httpNodeMiddleware runs on http in routes only: an unknown path is a plain 404', async () => {
    await red.api.get('/no-such-route').expect(404);
  });

  it('every decision reaches the audit stream of the instance, without secrets', async () => {
    const events = fs.readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(events.some((e) => e.outcome === 'allow' && e.subject === 'alice' && e.path === '/api' && e.node.type === 'authflow-middleware'));
    assert.ok(events.some((e) => e.outcome === 'deny' && e.code === 'AUTH_001' && e.method === 'basic'));
    const text = JSON.stringify(events);
    assert.ok(!text.includes('wonderland') && !text.includes('builder') && !text.includes('$scrypt$'));
  });
});

describe('e2e: a real Node-RED protected by the function form of httpNodeAuth (Bearer)', function () {
  this.timeout(60000);
  const SECRET = 'e2e-hs256-secret-that-is-at-least-32-bytes';
  const key = buildSigningKey({ alg: 'HS256', secret: SECRET });
  const now = () => Math.floor(Date.now() / 1000);
  const token = (claims = {}) => signJwt({ sub: 'svc-1', scope: 'orders:read', iat: now(), exp: now() + 300, ...claims }, key);
  let red;

  before(async () => {
    const settings = `
  httpNodeAuth: require(${JSON.stringify(PKG)}).bearerAuth({
    secret: () => process.env.AUTHFLOW_E2E_JWT_SECRET,
    leewaySec: 0,
    except: ['/public/**'],
  }),`;
    red = await startInstance({ settings, routes: [['get', '/api'], ['get', '/public/ping']], env: { AUTHFLOW_E2E_JWT_SECRET: SECRET } });
  });

  after(async () => {
    if (red) await red.stop();
  });

  it('no token: 401 with `WWW-Authenticate: Bearer realm="api"` and no error attribute (RFC 6750 §3.1)', async () => {
    const res = await red.api.get('/api');
    assertRefused(res, 401, 'AUTH_001');
    assert.strictEqual(res.headers['www-authenticate'], 'Bearer realm="api"');
  });

  it('a valid token passes; msg.req.auth has subject and scopes', async () => {
    const res = await red.api.get('/api').set('Authorization', 'Bearer ' + token()).expect(200);
    assert.strictEqual(res.body.auth.method, 'bearer');
    assert.strictEqual(res.body.auth.subject, 'svc-1');
    assert.deepStrictEqual(res.body.auth.scopes, ['orders:read']);
  });

  it('an expired token: 401 AUTH_002 with error="invalid_token"', async () => {
    const res = await red.api.get('/api').set('Authorization', 'Bearer ' + token({ exp: now() - 10 }));
    assertRefused(res, 401, 'AUTH_002');
    assert.strictEqual(res.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token", error_description="Token expired"');
  });

  it('a token in header and query: 400 AUTH_003 invalid_request', async () => {
    const res = await red.api.get('/api?access_token=' + token()).set('Authorization', 'Bearer ' + token());
    assertRefused(res, 400, 'AUTH_003');
    assert.match(res.headers['www-authenticate'], /^Bearer realm="api", error="invalid_request"/);
  });

  it('httpNodeAuth covers everything under httpNodeRoot: an unknown path is 401 without a token, 404 with one', async () => {
    assertRefused(await red.api.get('/no-such-route'), 401, 'AUTH_001');
    await red.api.get('/no-such-route').set('Authorization', 'Bearer ' + token()).expect(404);
  });

  it('the exception path is public', async () => {
    const res = await red.api.get('/public/ping').expect(200);
    assert.strictEqual(res.body.auth, null);
  });
});

describe('e2e: settings.js lists from an environment variable that is not set fail closed (issue 10 item 4)', function () {
  this.timeout(60000);
  let red;

  before(async () => {
    // What a user writes expecting the variable to be set; here it is not.
    const settings = `
  httpNodeMiddleware: require(${JSON.stringify(PKG)}).ipAllowlist({ allow: () => process.env.AUTHFLOW_E2E_UNSET_ALLOW }),`;
    red = await startInstance({ settings, routes: [['get', '/api']] });
  });

  after(async () => {
    if (red) await red.stop();
  });

  it('ipAllowlist({ allow: () => process.env.X }) with X unset: 503 AUTH_011 for everyone, never 200', async () => {
    const res = await red.api.get('/api');
    assertRefused(res, 503, 'AUTH_011');
    assert.ok(Number(res.headers['retry-after']) >= 1);
  });
});
