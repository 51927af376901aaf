'use strict';
// The Xponent/Kitewheel Graph API authentication document, end to end: a REAL
// Node-RED process runs examples/15 Kitewheel graph API.json and the
// document's requests are made in its order with curl (bash), verbatim where
// the document gives them, the host aside:
//   Basic `Test` / `Pass1234!` (VGVzdDpQYXNzMTIzNCE=) against users in flow
//   context, changed without a redeploy; a login whose token is valid 24 h,
//   sent in a header or in the body; `x-auth-token: abc123` against the
//   application parameters and a MariaDB table with expiry times
//   (node-red-node-mysql); the IP allowlist alone and in front of the others.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const mysql = require('mysql2/promise');
const { root } = require('../../scripts/node-red-instance');
const { loadExamples, startExample, bash, parseCurl: parse, commentBlocks } = require('../support/doc-example');
const { serviceMissing } = require('../support/services');

const DB = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' };
const RUN = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
const sha = (s) => crypto.createHash('sha256').update(s).digest('hex');

// The document's cURL request, character for character.
const DOC_CURL = `curl --location --request POST 'https://api-us.kitewheel.com/api/v1/listener/kitewheel_endpoint' \\
--header 'x-auth-token: abc123' \\
--header 'Content-Type: application/json' \\
--data-raw '{"message":"hi"}'`;

describe('document: Xponent/Kitewheel Graph API authentication (real Node-RED, curl)', function () {
  this.timeout(60000);
  let node, base, db, blocks;
  const { flows, creds } = loadExamples('15 Kitewheel graph API');
  // curl -i with the example's host replaced by the instance's.
  const curl = (cmd) => bash(cmd.replaceAll('http://127.0.0.1:1880', base).replace(/^curl /, 'curl -s -i ')).then(parse);
  const inject = (id) => bash(`curl -s -o /dev/null -w '%{http_code}' -X POST ${base}/inject/${id}`);
  const rev = () => bash(`curl -s -H 'Node-RED-API-Version: v2' ${base}/flows`).then((t) => JSON.parse(t).rev);

  before(async function () {
    try {
      db = await mysql.createConnection(DB);
    } catch (err) {
      return serviceMissing(this, `MariaDB at ${DB.host}:${DB.port} not reachable (${err.message})`);
    }
    // The example's table; this run's rows only (removed after), never the table.
    await db.query(`CREATE TABLE IF NOT EXISTS kitewheel_tokens (id VARCHAR(64) PRIMARY KEY, subject VARCHAR(255) NOT NULL,
      scopes VARCHAR(1024) NOT NULL DEFAULT '', token_hash CHAR(64) NOT NULL UNIQUE, expires_at DATETIME(3) NULL)`);
    await db.query('INSERT INTO kitewheel_tokens VALUES (?, ?, ?, ?, NOW() + INTERVAL 30 DAY), (?, ?, ?, ?, NOW() - INTERVAL 1 MINUTE)', [
      `${RUN}-live`, 'partner-db', 'graph:call', sha(`db-live-${RUN}`),
      `${RUN}-old`, 'partner-old', 'graph:call', sha(`db-old-${RUN}`),
    ]);
    node = await startExample({
      flows, creds, dirPrefix: 'authflow-doc-kw',
      // The database node from the Node-RED palette, installed beside this package.
      prepare: (userDir) => fs.symlinkSync(path.join(root, 'node_modules', 'node-red-node-mysql'), path.join(userDir, 'node_modules', 'node-red-node-mysql'), 'dir'),
    });
    ({ base } = node);
    await new Promise((r) => setTimeout(r, 500)); // the inject writes the application parameters 0.1 s after start
    blocks = commentBlocks(flows);
  });

  after(async () => {
    await node?.stop();
    if (db) {
      await db.query('DELETE FROM kitewheel_tokens WHERE id LIKE ?', [`${RUN}-%`]);
      await db.end();
    }
  });

  it('the comment carries the document\'s cURL request as written, apart from the host', () => {
    assert.ok(blocks.includes(DOC_CURL.replace('https://api-us.kitewheel.com', 'http://127.0.0.1:1880')), blocks.join('\n---\n'));
  });

  it('Basic: Authorization: Basic VGVzdDpQYXNzMTIzNCE= (Test:Pass1234!) against the users in application parameters', async () => {
    assert.equal(Buffer.from('Test:Pass1234!').toString('base64'), 'VGVzdDpQYXNzMTIzNCE=');
    const ok = await curl(blocks[0]);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual([ok.body.caller, ok.body.method, ok.body.received], ['Test', 'basic', { message: 'hi' }]);
    const wrong = await curl(blocks[0].replace('VGVzdDpQYXNzMTIzNCE=', Buffer.from('Test:Pass1234?').toString('base64')));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'AUTH_001');
    assert.match(wrong.headers['www-authenticate'], /^Basic realm="graph"/);
  });

  it('login returns a token valid 24 hours, accepted in the headers or the body of later requests', async () => {
    const login = await curl(blocks[1]);
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.equal(login.body.expires_in, 86400);
    const claims = JSON.parse(Buffer.from(login.body.access_token.split('.')[1], 'base64url'));
    assert.equal(claims.exp - claims.iat, 24 * 3600);
    assert.equal(claims.sub, 'Test');

    // The comment's script: log in, then the token in the header and in the body.
    const out = await bash(blocks[2].replaceAll('http://127.0.0.1:1880', base).replaceAll('curl -i ', 'curl -s -i ').replace(/\n(curl -s -i .*)\n/, '\n$1\necho; echo ----\n'));
    const [header, body] = out.split('\n----\n').map(parse);
    assert.equal(header.status, 200, JSON.stringify(header.body));
    assert.deepEqual([header.body.caller, header.body.method, header.body.received], ['Test', 'bearer', { message: 'hi' }]);
    assert.equal(body.status, 200, JSON.stringify(body.body));
    // The token is taken out of the body before the flow goes on.
    assert.deepEqual([body.body.caller, body.body.received], ['Test', { message: 'hi' }]);

    const token = login.body.access_token;
    const both = await curl(`curl -X POST '${base}/api/v1/listener/kitewheel_oauth' -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' --data-raw '{"access_token":"${token}"}'`);
    assert.deepEqual([both.status, both.body.error], [400, 'AUTH_003']); // RFC 6750 §2: one method only
    const none = await curl(`curl -X POST '${base}/api/v1/listener/kitewheel_oauth' -H 'Content-Type: application/json' --data-raw '{"message":"hi"}'`);
    assert.deepEqual([none.status, none.headers['www-authenticate']], [401, 'Bearer realm="graph"']);
    // One signature character changed in the middle (the last ones may only hold padding bits, or already be the new ones).
    const at = token.lastIndexOf('.') + 10;
    const tampered = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    const forged = await curl(`curl -X POST '${base}/api/v1/listener/kitewheel_oauth' -H 'Content-Type: application/json' --data-raw '{"access_token":"${tampered}"}'`);
    assert.equal(forged.status, 401);
  });

  it('x-auth-token: the document\'s cURL (abc123 from application parameters), then tokens from the table with expiry times', async () => {
    const doc = await curl(blocks[3]);
    assert.equal(doc.status, 200, JSON.stringify(doc.body));
    assert.deepEqual([doc.body.caller, doc.body.method, doc.body.received], ['journey-hub', 'token', { message: 'hi' }]);

    const withToken = (t) => curl(blocks[3].replace('abc123', t));
    const live = await withToken(`db-live-${RUN}`);
    assert.equal(live.status, 200, JSON.stringify(live.body));
    assert.equal(live.body.caller, 'partner-db');
    const expired = await withToken(`db-old-${RUN}`);
    // An expired key answers as an unknown one (the token node does not tell which keys existed).
    assert.deepEqual([expired.status, expired.body.error], [401, 'AUTH_004']);
    const unknown = await withToken(`nope-${RUN}`);
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error, 'AUTH_004');
    // A row removed (or past its expiry) is refused on the next request: no cache, no redeploy.
    await db.query('DELETE FROM kitewheel_tokens WHERE id = ?', [`${RUN}-live`]);
    assert.equal((await withToken(`db-live-${RUN}`)).status, 401);
    const missing = await curl(blocks[3].replace(/--header 'x-auth-token: abc123' \\\n/, ''));
    assert.deepEqual([missing.status, missing.body.error], [401, 'AUTH_001']);
  });

  it('IP allowlist alone', async () => {
    const ok = await curl(blocks[5]);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.ip, '127.0.0.1');
  });

  it('application parameters change without a redeploy: users, then the allowlist in front of every method', async () => {
    const before = await rev();
    assert.equal(await inject('af-ex-kw-rotate'), '200');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await curl(blocks[0])).status, 401); // Test is gone
    const partner = await curl(blocks[0].replace('VGVzdDpQYXNzMTIzNCE=', Buffer.from('Partner:Partner5678!').toString('base64')));
    assert.deepEqual([partner.status, partner.body.caller], [200, 'Partner']);
    assert.equal((await curl(blocks[1])).status, 401); // and cannot log in

    assert.equal(await inject('af-ex-kw-lock'), '200');
    await new Promise((r) => setTimeout(r, 200));
    // "any calls, even with proper authentication credentials, that are not from the right IP address will be rejected"
    for (const [block, creds] of [[blocks[0], Buffer.from('Partner:Partner5678!').toString('base64')], [blocks[3]], [blocks[5]]]) {
      const res = await curl(creds ? block.replace('VGVzdDpQYXNzMTIzNCE=', creds) : block);
      assert.deepEqual([res.status, res.body.error], [403, 'AUTH_005'], block);
    }
    assert.equal(await rev(), before, 'the flows were not redeployed');
  });
});
