'use strict';
// The Network International API security document, end to end: a REAL
// Node-RED process runs examples/16 behind a TLS-terminating proxy (https on
// a self-signed certificate the client verifies: one-way TLS), with the
// example comment's trusted-proxy setting in settings.js. The document's
// OAuth flow in order, with the comment's curl commands: the client gets an
// access token with scopes from the gateway, sends it as
// `Authorization: Bearer …`, each request is verified, and a client that
// renews before expiry keeps access while the old token runs out.
const assert = require('node:assert/strict');
const { loadExamples, startExample, run, parseCurl: parse, commentBlocks } = require('../support/doc-example');
const { startTlsProxy } = require('../support/tls-proxy');

const LIFETIME = 3; // seconds: the example's 300 shortened so expiry happens within the test
const LEEWAY = 5; // the example's bearer clock leeway

describe('document: Network International API security (real Node-RED behind a TLS proxy, curl)', function () {
  this.timeout(60000);
  let node, proxy, base, ca, blocks;
  const { flows, creds } = loadExamples('16 Network International OAuth 2.0');
  // The comment's commands against the proxy, the client verifying its certificate.
  const shell = (script) => run('bash', ['-c', script.replaceAll('http://127.0.0.1:1880', base).replaceAll('curl ', `curl --cacert '${ca}' `)]);
  const curl = (cmd) => shell(cmd.replace(/^curl /, 'curl -s -i ')).then(parse);
  const token = async (scope) => {
    const res = await curl(blocks[0] + (scope ? ` -d 'scope=${scope}'` : ''));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res;
  };
  const orders = (accessToken, method = 'GET') =>
    curl(`curl -X ${method} 'http://127.0.0.1:1880/ni/api/orders' -H 'Authorization: Bearer ${accessToken}'${method === 'POST' ? ` -H 'Content-Type: application/json' -d '{"amount":10}'` : ''}`);

  before(async () => {
    const server = creds['af-ex-ni-server'];
    const clients = JSON.parse(server.clientList);
    clients[0].access_token_lifetime = LIFETIME;
    creds['af-ex-ni-server'] = { ...server, clientList: JSON.stringify(clients) };
    // The comment's trusted-proxy setting: believe X-Forwarded-* from the proxy on this machine only.
    node = await startExample({ flows, creds, dirPrefix: 'authflow-doc-ni', settings: "httpServerOptions: { 'trust proxy': 'loopback' }," });
    // One-way TLS in front: only the server shows a certificate, and the client verifies it (curl --cacert).
    proxy = await startTlsProxy(node.userDir, node.port);
    ({ url: base, ca } = proxy);
    blocks = commentBlocks(flows);
  });

  after(async () => {
    await proxy?.close();
    await node?.stop();
  });

  it('over TLS only with a certificate the client verifies (one-way TLS)', async () => {
    // Without the CA the client refuses the server: curl exit 60 (certificate verification).
    await assert.rejects(run('curl', ['-s', '-o', '/dev/null', `${base}/ni/api/orders`]), (err) => err.code === 60);
  });

  it('the client gets an access token with scopes from the gateway (client credentials, HTTP Basic)', async () => {
    const res = await token();
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.expires_in, LIFETIME);
    assert.equal(res.body.scope, 'orders:read');
    assert.equal(res.body.refresh_token, undefined); // RFC 6749 §4.4.3
    assert.equal(res.headers['cache-control'], 'no-store');
    const claims = JSON.parse(Buffer.from(res.body.access_token.split('.')[1], 'base64url'));
    assert.deepEqual([claims.iss, claims.sub, claims.client_id], ['https://api.example.com', 'ni-merchant-app', 'ni-merchant-app']);

    const wide = await token('orders:read orders:write');
    assert.equal(wide.body.scope, 'orders:read orders:write');
    const refused = await curl(blocks[0] + " -d 'scope=admin'");
    assert.deepEqual([refused.status, refused.body.error], [400, 'invalid_scope']);
    const wrong = await curl(blocks[0].replace(/:afcs_[^']+'/, ":afcs_wrong'"));
    assert.deepEqual([wrong.status, wrong.body.error], [401, 'invalid_client']);
  });

  it('the token goes in the standard authorization header of each request, and each request is verified (the comment\'s script)', async () => {
    const out = await shell(blocks[1].replaceAll('curl -i ', 'curl -s -i ').replace(/\n(curl -s -i [^\n]*)\n/, '\n$1\necho; echo ----\n'));
    const [read, write] = out.split('\n----\n').map(parse);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.deepEqual([read.body.client, read.body.scopes], ['ni-merchant-app', ['orders:read']]);
    // The trusted proxy's X-Forwarded-Proto reaches the flow: the request came in over https.
    assert.equal(read.body.protocol, 'https');
    // Scopes grant only the resources they name (RFC 6750 §3.1).
    assert.equal(write.status, 403);
    assert.equal(write.body.error, 'AUTH_008');
    assert.match(write.headers['www-authenticate'], /error="insufficient_scope".*scope="orders:write"/);
    assert.equal((await orders((await token('orders:write')).body.access_token, 'POST')).status, 200);

    const none = await curl("curl 'http://127.0.0.1:1880/ni/api/orders'");
    assert.deepEqual([none.status, none.headers['www-authenticate']], [401, 'Bearer realm="ni"']);
    const tampered = await orders((await token()).body.access_token.slice(0, -3) + 'AAA');
    assert.equal(tampered.status, 401);
    assert.match(tampered.headers['www-authenticate'], /error="invalid_token"/);
  });

  it('a client that renews before expiry keeps access; the token it no longer renews runs out (401 AUTH_002)', async () => {
    const first = (await token()).body;
    const started = Date.now();
    let current = first;
    let issuedAt = started;
    const statuses = [];
    // Call every 400 ms for longer than lifetime + leeway, renewing at 80 % of expires_in.
    while (Date.now() - started < (LIFETIME + LEEWAY + 1.5) * 1000) {
      if (Date.now() - issuedAt > current.expires_in * 800) {
        current = (await token()).body;
        issuedAt = Date.now();
      }
      statuses.push((await orders(current.access_token)).status);
      await new Promise((r) => setTimeout(r, 400));
    }
    assert.ok(statuses.length > 10 && statuses.every((s) => s === 200), statuses.join(' '));
    assert.notEqual(current.access_token, first.access_token);
    const expired = await orders(first.access_token);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error, 'AUTH_002');
    assert.match(expired.headers['www-authenticate'], /error="invalid_token"/);
  });
});
