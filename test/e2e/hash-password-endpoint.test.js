'use strict';
// The admin endpoint behind the dialogs' "add user" row, in a real Node-RED
// with adminAuth: only a user who may write flows gets a hash; the hash
// verifies; bad input is 400; the password appears in no log line.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const bcrypt = require('bcryptjs');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { verifyPassword } = require('../../dist/lib/internal');

const PASSWORD = 'plain text never stored 7';

function post(port, urlPath, { headers = {}, body, type = 'application/json' } = {}) {
  return new Promise((resolve, reject) => {
    const data = typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: urlPath, headers: { 'Content-Type': type, ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode, headers: res.headers, body: json, text });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

describe('hash-password admin endpoint (real Node-RED with adminAuth)', function () {
  this.timeout(60000);
  let red, port, userDir;
  const tokens = {};

  before(async () => {
    port = await freePort();
    const adminHash = bcrypt.hashSync('admin-pw', 8);
    userDir = prepareUserDir(fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-hashpw-')), {
      port, flows: [{ id: 'tab1', type: 'tab', label: 'empty' }], creds: {},
      settings: `adminAuth: { type: 'credentials', users: [
        { username: 'admin', password: ${JSON.stringify(adminHash)}, permissions: '*' },
        { username: 'viewer', password: ${JSON.stringify(adminHash)}, permissions: 'read' },
      ], default: { permissions: 'read' } },`, // anonymous visitors may read (and the test harness sees /settings)
    });
    red = await startNodeRed(userDir, port);
    for (const user of ['admin', 'viewer']) {
      const r = await post(port, '/auth/token', { body: { client_id: 'node-red-admin', grant_type: 'password', scope: user === 'admin' ? '*' : 'read', username: user, password: 'admin-pw' } });
      assert.equal(r.status, 200, `${user}: ${r.text}\n${red.log()}`);
      tokens[user] = r.body.access_token;
    }
  });

  after(async () => {
    if (red) await red.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  const hashFor = (user, body, type) => post(port, '/authflow-api-auth/hash-password', { headers: user ? { Authorization: `Bearer ${tokens[user]}` } : {}, body, type });

  it('without a login, with a bad token, or as a read-only user: 401 (Node-RED\'s answer when flows.write is missing)', async () => {
    const anonymous = (await hashFor(undefined, { password: PASSWORD })).status;
    const badToken = (await post(port, '/authflow-api-auth/hash-password', { headers: { Authorization: 'Bearer nope' }, body: { password: PASSWORD } })).status;
    const viewer = (await hashFor('viewer', { password: PASSWORD })).status;
    assert.deepEqual({ anonymous, badToken, viewer }, { anonymous: 401, badToken: 401, viewer: 401 });
    // The viewer's token itself is good: it reads the flows.
    const flows = await new Promise((resolve) => http.get({ host: '127.0.0.1', port, path: '/flows', headers: { Authorization: `Bearer ${tokens.viewer}` } }, (res) => { res.resume(); resolve(res.statusCode); }));
    assert.equal(flows, 200);
  });

  it('an editor gets only an scrypt hash of the password, never cached', async () => {
    const r = await hashFor('admin', { password: PASSWORD });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body), ['hash']);
    assert.match(r.body.hash, /^\$scrypt\$ln=\d+,r=\d+,p=\d+\$/);
    assert.equal(await verifyPassword(PASSWORD, r.body.hash), true);
    assert.equal(await verifyPassword(`${PASSWORD}x`, r.body.hash), false);
    assert.equal(r.headers['cache-control'], 'no-store');
    const again = await hashFor('admin', { password: PASSWORD });
    assert.notEqual(again.body.hash, r.body.hash, 'a fresh salt each time');
  });

  it('bad input is 400 AUTH_003: no password, empty, not a string, over 1024 bytes, not JSON', async () => {
    for (const [body, type] of [[{}], [{ password: '' }], [{ password: 42 }], [{ password: 'é'.repeat(513) }], ['password=x', 'application/x-www-form-urlencoded'], ['{"password":"x"}', 'text/plain']]) {
      const r = await hashFor('admin', body, type);
      assert.equal(r.status, 400, `${JSON.stringify(body)} ${type || ''}`);
      assert.equal(r.body.error, 'AUTH_003');
    }
    assert.equal((await hashFor('admin', { password: 'a'.repeat(1024) })).status, 200, '1024 bytes is accepted');
  });

  it('the password appears in no log line', () => {
    assert.doesNotMatch(red.log(), new RegExp(PASSWORD));
  });
});
