'use strict';
/**
 * examples/12 OAuth2 client credentials.json in a real Node-RED process: the
 * partner's curl lines of its comment, as HTTP requests (the example's URLs
 * name port 1880; the process runs on a free port, which only the metadata's
 * URLs would show).
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const supertest = require('supertest');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { startNodeRed, freePort } = require('../support/node-red-process');

const FILE = path.join(__dirname, '../../examples/12 OAuth2 client credentials.json');

describe('example "12 OAuth2 client credentials" in a real Node-RED', function () {
  this.timeout(90000);
  let red, userDir, api;

  before(async () => {
    const flows = [];
    const creds = {};
    for (const { credentials, ...node } of JSON.parse(fs.readFileSync(FILE, 'utf8'))) {
      if (credentials) creds[node.id] = credentials;
      flows.push(node);
    }
    const port = await freePort();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-oauth2-example-'));
    prepareUserDir(userDir, { port, flows, creds });
    red = await startNodeRed(userDir, port);
    api = supertest(`http://127.0.0.1:${port}`);
  });
  after(async () => {
    if (red) await red.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('metadata, token (Basic and post), partner API, errors, introspection, revocation, JWKS — as in the comment', async () => {
    assert.doesNotMatch(red.log(), /\[error\]/, red.log());
    const md = await api.get('/.well-known/oauth-authorization-server/demo/oauth');
    assert.equal(md.status, 200);
    assert.equal(md.body.token_endpoint, 'http://127.0.0.1:1880/demo/oauth/token');
    const basic = (id, secret) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
    const tok = await api.post('/demo/oauth/token').type('form').set('Authorization', basic('partner-acme', 'afcs_demo-acme-secret-CHANGE-ME')).send({ grant_type: 'client_credentials', scope: 'orders:read' });
    assert.equal(tok.status, 200, tok.text);
    const TOKEN = tok.body.access_token;
    const orders = await api.get('/demo/partner/orders').set('Authorization', `Bearer ${TOKEN}`);
    assert.equal(orders.status, 200, orders.text);
    assert.equal(orders.body.client, 'partner-acme');
    const post = await api.post('/demo/oauth/token').type('form').send({ grant_type: 'client_credentials', client_id: 'partner-acme', client_secret: 'afcs_demo-acme-secret-CHANGE-ME', scope: 'orders:write' });
    assert.equal(post.body.scope, 'orders:write');
    const writeOnly = await api.get('/demo/partner/orders').set('Authorization', `Bearer ${post.body.access_token}`);
    assert.equal(writeOnly.status, 403);
    assert.equal((await api.post('/demo/oauth/token').type('form').set('Authorization', basic('partner-acme', 'wrong')).send({ grant_type: 'client_credentials' })).body.error, 'invalid_client');
    assert.equal((await api.post('/demo/oauth/token').type('form').set('Authorization', basic('partner-acme', 'afcs_demo-acme-secret-CHANGE-ME')).send({ grant_type: 'client_credentials', scope: 'admin' })).body.error, 'invalid_scope');
    // partner-viewer's secret holds ":" "%" "+": form-urlencoded first (RFC 6749 §2.3.1), as the comment says.
    const viewer = await api.post('/demo/oauth/token').type('form').set('Authorization', basic('partner-viewer', encodeURIComponent('afcs_demo-viewer-secret:with%odd+chars'))).send({ grant_type: 'client_credentials' });
    assert.equal(viewer.status, 200, viewer.text);
    const intro = await api.post('/demo/oauth/introspect').type('form').set('Authorization', basic('resource-server', 'afcs_demo-rs-secret')).send({ token: TOKEN });
    assert.equal(intro.body.active, true);
    assert.equal(intro.body.client_id, 'partner-acme');
    assert.equal((await api.post('/demo/oauth/revoke').type('form').set('Authorization', basic('partner-acme', 'afcs_demo-acme-secret-CHANGE-ME')).send({ token: TOKEN })).status, 200);
    assert.equal((await api.get('/demo/partner/orders').set('Authorization', `Bearer ${TOKEN}`)).status, 401);
    const jwks = await api.get('/demo/oauth/jwks');
    assert.equal(jwks.body.keys.length, 2, 'active + next (rotating keys)');
  });
});
