'use strict';
/**
 * Sessions survive a restart: a real Node-RED process whose default context
 * store is localfilesystem keeps issued refresh tokens, their rotation state
 * and revocations across a stop and a start (SIGTERM flushes the store, as
 * when an operator restarts Node-RED).
 *
 * The session nodes are loaded from dist/ through settings.nodesDir, so the
 * test does not depend on the package's node list.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const supertest = require('supertest');
const { prepareUserDir, root } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../support/node-red-process');
const { hashPasswordScrypt } = require('../../dist/lib');

function flows() {
  const z = 'restart-tab';
  const node = (id, type, extra, wires) => ({ id, type, z, x: 100, y: 100, wires, ...extra });
  const route = (id, url, type, extra) => [
    node(`${id}-in`, 'http in', { url, method: url === '/api' ? 'get' : 'post' }, [[id]]),
    node(id, type, extra, [[`${id}-out`], [`${id}-out`]]),
    node(`${id}-out`, 'http response', {}, []),
  ];
  return [
    { id: z, type: 'tab', label: 'restart' },
    { id: 'iss', type: 'authflow-issuer', name: 'restart issuer', iss: 'https://restart.test', accessTtl: 600, refreshTtl: 3600 },
    ...route('login', '/login', 'authflow-login', { issuer: 'iss', operation: 'login', usersType: 'cred', totp: 'off' }),
    ...route('refresh', '/refresh', 'authflow-login', { issuer: 'iss', operation: 'refresh' }),
    ...route('logout', '/logout', 'authflow-login', { issuer: 'iss', operation: 'logout' }),
    ...route('api', '/api', 'authflow-bearer', { keySource: 'issuer', issuer: 'iss' }),
  ];
}

describe('session state across a Node-RED restart (localfilesystem context)', function () {
  this.timeout(120000);
  let userDir;
  let port;
  let red;

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-restart-'));
    port = await freePort();
    const hash = await hashPasswordScrypt('alice-pw', { ln: 10 });
    const nodesDir = [path.join(root, 'dist/nodes/login'), path.join(root, 'dist/nodes/bearer')];
    prepareUserDir(userDir, {
      port,
      link: false,
      flows: flows(),
      creds: { iss: { secret: 'restart-test-secret-at-least-32-bytes' }, login: { userList: `alice:${hash}` } },
      // Later keys win in an object literal: the default context store persists to userDir/context.
      settings: `nodesDir: ${JSON.stringify(nodesDir)},\n  contextStorage: { default: { module: 'localfilesystem' } },`,
    });
  });

  afterEach(async () => {
    if (red) await red.stop();
    red = undefined;
  });

  after(() => {
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('refresh tokens, rotation state and revocations are still in force after a restart', async () => {
    red = await startNodeRed(userDir, port);
    let api = supertest(`http://127.0.0.1:${port}`);
    const login = () => api.post('/login').send({ username: 'alice', password: 'alice-pw' }).expect(200).then((r) => r.body);
    const kept = await login();
    const rotated = (await api.post('/refresh').send({ refresh_token: kept.refresh_token }).expect(200)).body;
    const ended = await login();
    await api.post('/logout').set('Authorization', `Bearer ${ended.access_token}`).send({ refresh_token: ended.refresh_token }).expect(204);
    await api.get('/api').set('Authorization', `Bearer ${ended.access_token}`).expect(401);
    await red.stop();
    red = undefined;
    assert.ok(fs.existsSync(path.join(userDir, 'context', 'global', 'global.json')), 'the context was written to disk');
    assert.ok(!fs.readFileSync(path.join(userDir, 'context', 'global', 'global.json'), 'utf8').includes(rotated.refresh_token), 'refresh tokens are stored by digest only');

    red = await startNodeRed(userDir, port);
    api = supertest(`http://127.0.0.1:${port}`);
    // The live session continues: its access token verifies, its refresh token rotates.
    await api.get('/api').set('Authorization', `Bearer ${rotated.access_token}`).expect(200);
    const next = (await api.post('/refresh').send({ refresh_token: rotated.refresh_token }).expect(200)).body;
    // The logged-out session stays logged out.
    const revoked = await api.get('/api').set('Authorization', `Bearer ${ended.access_token}`).expect(401);
    assert.match(revoked.headers['www-authenticate'], /error="invalid_token"/);
    await api.post('/refresh').send({ refresh_token: ended.refresh_token }).expect(401);
    // The token rotated before the restart is still known as spent: reusing it revokes the family.
    await api.post('/refresh').send({ refresh_token: kept.refresh_token }).expect(401);
    await api.post('/refresh').send({ refresh_token: next.refresh_token }).expect(401);
    await api.get('/api').set('Authorization', `Bearer ${next.access_token}`).expect(401);
  });
});
