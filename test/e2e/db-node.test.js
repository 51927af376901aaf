'use strict';
const { serviceMissing } = require('../support/services');
/**
 * Credentials from a database node — the Kitewheel "graph" approach, with a
 * real node from the Node-RED ecosystem (node-red-node-mysql) against the
 * MariaDB server on 127.0.0.1:3306 (database `test`, root, no password):
 *
 *   http in → function (SHA-256 of the presented key as the parameter of a
 *   prepared query in msg.topic/msg.payload) → mysql → change (payload →
 *   tokenRows) → authflow-token (tokensType msg) → http response
 *
 * The same shape as examples/08. Each request reads the row again, so a
 * removed or expired row is refused on the next request. The test creates
 * and drops its own table. When MariaDB is unreachable the suite is skipped
 * with a note, except under CI=true where that is a failure.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const supertest = require('supertest');
const mysql = require('mysql2/promise');

const { helper, start, stop } = require('../support/flow-harness');
const { fromNodeRed } = require('../support/node-red-version');
const httpIn = require(fromNodeRed('@node-red/nodes/core/network/21-httpin.js'));
const functionNode = require(fromNodeRed('@node-red/nodes/core/function/10-function.js'));
const changeNode = require(fromNodeRed('@node-red/nodes/core/function/15-change.js'));
const tokenNode = require('../../dist/nodes/token/authflow-token.js');
const basicNode = require('../../dist/nodes/basic/authflow-basic.js');
const { hashPasswordScrypt } = require('../../dist/lib/passwords');
const mysqlNode = require('node-red-node-mysql/68-mysql.js');

const DB = { host: process.env.AUTHFLOW_TEST_MYSQL_HOST || '127.0.0.1', port: Number(process.env.AUTHFLOW_TEST_MYSQL_PORT || 3306), user: 'root', password: '', database: 'test' };
const RUN = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
const TABLE = `authflow_tokens_${RUN}`;
const USERS = `authflow_users_${RUN}`;
const sha = (s) => crypto.createHash('sha256').update(s).digest('hex');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The mysql node is not one of the harness's types: load it beside ours, capturing RED from http in. */
let RED;
async function loadWithMysql(flow, credentials) {
  const capture = (red) => { RED = red; return httpIn(red); };
  await helper.load([capture, functionNode, changeNode, tokenNode, basicNode, mysqlNode], flow, credentials);
  return supertest(RED.httpNode);
}

// The presented key never enters the SQL text: only its SHA-256, as a bound parameter.
const HASH_FUNCTION = `
const key = msg.req.headers['x-auth-token'];
if (typeof key !== 'string' || key.trim() === '') {
  msg.tokenRows = [];
  return [null, msg];
}
msg.topic = 'SELECT id, subject, scopes, token_hash, expires_at FROM ${TABLE} WHERE token_hash = ?';
msg.payload = [crypto.createHash('sha256').update(key.trim()).digest('hex')];
return [msg, null];`;

// The user name is not secret: it is the bound parameter; the password is checked by authflow-basic against the row's hash.
const USER_FUNCTION = `
const m = /^ *basic +([A-Za-z0-9+/]+=*) *$/i.exec(msg.req.headers.authorization || '');
const decoded = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
const colon = decoded.indexOf(':');
if (colon <= 0) {
  msg.users = [];
  return [null, msg];
}
msg.topic = 'SELECT username, password_hash, roles FROM ${USERS} WHERE username = ?';
msg.payload = [decoded.slice(0, colon).normalize('NFC')];
return [msg, null];`;

function dbFlow() {
  return [
    { id: 'f1', type: 'tab', label: 'db node' },
    { id: 'db', type: 'MySQLdatabase', name: 'test db', host: DB.host, port: String(DB.port), db: DB.database, tz: '', charset: 'UTF8' },
    { id: 'in', type: 'http in', z: 'f1', url: '/orders', method: 'get', wires: [['hash']] },
    { id: 'hash', type: 'function', z: 'f1', func: HASH_FUNCTION, outputs: 2, libs: [{ var: 'crypto', module: 'crypto' }], wires: [['query'], ['check']] },
    { id: 'query', type: 'mysql', z: 'f1', mydb: 'db', wires: [['rows']] },
    { id: 'rows', type: 'change', z: 'f1', rules: [{ t: 'move', p: 'payload', pt: 'msg', to: 'tokenRows', tot: 'msg' }], wires: [['check']] },
    { id: 'check', type: 'authflow-token', z: 'f1', tokensType: 'msg', tokens: 'tokenRows', wires: [['ok'], ['out']] },
    { id: 'ok', type: 'function', z: 'f1', func: 'msg.payload = { ok: true, auth: msg.auth }; return msg;', wires: [['out']] },
    { id: 'out', type: 'http response', z: 'f1', wires: [] },
    { id: 'uin', type: 'http in', z: 'f1', url: '/profile', method: 'get', wires: [['user']] },
    { id: 'user', type: 'function', z: 'f1', func: USER_FUNCTION, outputs: 2, wires: [['uquery'], ['basic']] },
    { id: 'uquery', type: 'mysql', z: 'f1', mydb: 'db', wires: [['urows']] },
    { id: 'urows', type: 'change', z: 'f1', rules: [{ t: 'move', p: 'payload', pt: 'msg', to: 'users', tot: 'msg' }], wires: [['basic']] },
    { id: 'basic', type: 'authflow-basic', z: 'f1', realm: 'api', usersType: 'msg', users: 'users', wires: [['ok'], ['out']] },
    // The database cannot answer: fail closed with the store-unavailable contract, never let through.
    { id: 'dberr', type: 'catch', z: 'f1', scope: ['query', 'uquery'], uncaught: false, wires: [['unavailable']] },
    {
      id: 'unavailable', type: 'change', z: 'f1', wires: [['out']], rules: [
        { t: 'set', p: 'statusCode', pt: 'msg', to: '503', tot: 'num' },
        { t: 'set', p: 'headers', pt: 'msg', to: '{"Cache-Control":"no-store"}', tot: 'json' },
        { t: 'set', p: 'payload', pt: 'msg', to: '{"error":"AUTH_011","message":"Credential store unavailable"}', tot: 'json' },
      ],
    },
  ];
}

describe('credentials from a database node (node-red-node-mysql + MariaDB) over real HTTP', function () {
  this.timeout(30000);
  let admin;
  let api;

  before(async function () {
    try {
      admin = await mysql.createConnection({ ...DB, connectTimeout: 2000, timezone: 'local' });
    } catch (err) {
      serviceMissing(this, `MariaDB at ${DB.host}:${DB.port} not reachable (${err.code || err.message})`);
    }
    await admin.query(`CREATE TABLE ${TABLE} (
      id VARCHAR(64) PRIMARY KEY,
      subject VARCHAR(255) NOT NULL,
      scopes VARCHAR(1024) NOT NULL DEFAULT '',
      token_hash CHAR(64) NOT NULL UNIQUE,
      expires_at DATETIME(3) NULL)`);
    const hour = 3600_000;
    await admin.query(`INSERT INTO ${TABLE} (id, subject, scopes, token_hash, expires_at) VALUES (?,?,?,?,?), (?,?,?,?,?), (?,?,?,?,?)`, [
      'k-live', 'partner-a', 'orders:read orders:write', sha('kapi_live_4f1c9e0b7a2d'), new Date(Date.now() + hour),
      'k-expired', 'partner-b', 'orders:read', sha('kapi_old_88e0d1c2b3a4'), new Date(Date.now() - hour),
      'k-forever', 'partner-c', '', sha('kapi_forever_0a9b8c7d'), null,
    ]);
    await admin.query(`CREATE TABLE ${USERS} (username VARCHAR(255) PRIMARY KEY, password_hash VARCHAR(255) NOT NULL, roles VARCHAR(255) NOT NULL DEFAULT '')`);
    await admin.query(`INSERT INTO ${USERS} VALUES (?, ?, ?)`, ['alice', await hashPasswordScrypt('alice-db-password', { ln: 14 }), 'admin ops']);
    await start();
    api = await loadWithMysql(dbFlow(), { db: { user: DB.user, password: DB.password } });
    // The mysql node connects in the background; requests before that fail closed (503), tested below.
    for (let i = 0; i < 50 && !helper.getNode('db').connected; i++) await sleep(100);
    assert.ok(helper.getNode('db').connected, 'mysql node did not connect within 5 s');
  });

  after(async function () {
    if (!admin) return;
    await helper.unload();
    await stop();
    await admin.query(`DROP TABLE IF EXISTS ${TABLE}, ${USERS}`);
    await admin.end();
  });

  it('a valid key → 200 with msg.auth taken from the row (subject, id, scopes, expiry), no secret', async function () {
    const res = await api.get('/orders').set('x-auth-token', 'kapi_live_4f1c9e0b7a2d').expect(200);
    const { auth } = res.body;
    assert.equal(auth.method, 'token');
    assert.equal(auth.subject, 'partner-a');
    assert.equal(auth.keyId, 'k-live');
    assert.deepEqual(auth.scopes, ['orders:read', 'orders:write']);
    assert.ok(auth.expiresAt > Date.now(), 'expiresAt comes from the row');
    assert.ok(!JSON.stringify(res.body).includes('kapi_live'));
    assert.equal((await api.get('/orders').set('x-auth-token', 'kapi_forever_0a9b8c7d').expect(200)).body.auth.subject, 'partner-c');
  });

  it('an expired row → 401 AUTH_004', async function () {
    const res = await api.get('/orders').set('x-auth-token', 'kapi_old_88e0d1c2b3a4').expect(401);
    assert.equal(res.body.error, 'AUTH_004');
  });

  it('an unknown key (no rows) → 401 AUTH_004; no key → 401 AUTH_001', async function () {
    assert.equal((await api.get('/orders').set('x-auth-token', 'kapi_nobody_123456').expect(401)).body.error, 'AUTH_004');
    assert.equal((await api.get('/orders').expect(401)).body.error, 'AUTH_001');
  });

  it('an expiry moved into the past in the table is refused on the next request', async function () {
    await api.get('/orders').set('x-auth-token', 'kapi_forever_0a9b8c7d').expect(200);
    await admin.query(`UPDATE ${TABLE} SET expires_at = ? WHERE id = 'k-forever'`, [new Date(Date.now() - 1000)]);
    assert.equal((await api.get('/orders').set('x-auth-token', 'kapi_forever_0a9b8c7d').expect(401)).body.error, 'AUTH_004');
  });

  it('a removed row is refused on the very next request (no redeploy, no cache)', async function () {
    await api.get('/orders').set('x-auth-token', 'kapi_live_4f1c9e0b7a2d').expect(200);
    await admin.query(`DELETE FROM ${TABLE} WHERE id = 'k-live'`);
    assert.equal((await api.get('/orders').set('x-auth-token', 'kapi_live_4f1c9e0b7a2d').expect(401)).body.error, 'AUTH_004');
  });

  it('the database cannot answer (table gone) → 503 AUTH_011, never let through', async function () {
    await admin.query(`RENAME TABLE ${TABLE} TO ${TABLE}_away`);
    try {
      const res = await api.get('/orders').set('x-auth-token', 'kapi_forever_0a9b8c7d').expect(503);
      assert.deepEqual(res.body, { error: 'AUTH_011', message: 'Credential store unavailable' });
    } finally {
      await admin.query(`RENAME TABLE ${TABLE}_away TO ${TABLE}`);
    }
  });

  it('basic auth against a user row: right password → 200 with roles from the row; wrong → 401; row removed → 401', async function () {
    const res = await api.get('/profile').auth('alice', 'alice-db-password').expect(200);
    assert.deepEqual({ method: res.body.auth.method, subject: res.body.auth.subject, roles: res.body.auth.roles }, { method: 'basic', subject: 'alice', roles: ['admin', 'ops'] });
    assert.equal((await api.get('/profile').auth('alice', 'wrong').expect(401)).body.error, 'AUTH_001');
    assert.equal((await api.get('/profile').auth('mallory', 'x').expect(401)).body.error, 'AUTH_001');
    assert.equal((await api.get('/profile').expect(401)).body.error, 'AUTH_001');
    await admin.query(`DELETE FROM ${USERS} WHERE username = 'alice'`);
    assert.equal((await api.get('/profile').auth('alice', 'alice-db-password').expect(401)).body.error, 'AUTH_001');
  });
});
