'use strict';
// The Khumbu API authentication document, end to end: a REAL Node-RED process
// runs examples/17 and the document's elements are performed in its order
// with the example comment's curl commands: a partner key issued at
// onboarding and sent as `x-api-key: {API_KEY}`; OAuth 2.0 client
// credentials giving a short-lived JWT with roles, permissions and expiry;
// key rotation; activity monitoring.
const assert = require('node:assert/strict');
const { loadExamples, startExample, bash, parseCurl: parse, commentBlocks } = require('../support/doc-example');


describe('document: Khumbu API authentication (real Node-RED, curl)', function () {
  this.timeout(60000);
  let node, base;
  const { flows, creds } = loadExamples('17 Khumbu partner API');
  const [onboard, useKey, oauth, rotation, activity] = commentBlocks(flows);
  const lines = (block) => block.split('\n');
  // One command of the comment, placeholders filled, host swapped, with -i so the status is seen.
  const run = (cmd, vars = {}) => {
    let script = cmd.replaceAll('http://127.0.0.1:1880', base).replace(/^curl -s /, 'curl -s -i ').replace(/^curl -i /, 'curl -s -i ');
    for (const [k, v] of Object.entries(vars)) script = script.replaceAll(`{${k}}`, v);
    return bash(script).then(parse).then((r) => (process.env.DEBUG_DOC && console.log(r.status, script.slice(0, 120)), r));
  };
  const key = {};

  before(async () => {
    node = await startExample({ flows, creds, dirPrefix: 'authflow-doc-khumbu' });
    ({ base } = node);
  });

  after(async () => {
    if (process.env.DEBUG_DOC) console.log(node?.red.log());
    await node?.stop();
  });

  it('1. API key: the operator issues the partner a key at onboarding (shown once); the partner sends it as x-api-key', async () => {
    const created = await run(onboard);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.key, /^khumbu_prod_/);
    assert.equal(created.headers['cache-control'], 'no-store');
    Object.assign(key, { id: created.body.id, value: created.body.key });
    const listedOnce = await run(`curl -s '${base}/khumbu/admin/partners/acme-logistics/keys/${key.id}' -X DELETE -u operator:wrong`);
    assert.equal(listedOnce.status, 401); // the admin API needs the operator

    const ok = await run(useKey, { API_KEY: key.value });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual([ok.body.partner, ok.body.key_name, ok.body.method, ok.body.permissions], ['acme-logistics', 'ACME Logistics production', 'api_key', ['shipments:read']]);
    const wrong = await run(useKey, { API_KEY: `${key.value.slice(0, -4)}0000` });
    assert.deepEqual([wrong.status, wrong.body.error], [401, 'AUTH_004']);
    const none = await run(`curl -i '${base}/khumbu/api/shipments'`);
    assert.equal(none.status, 401);
  });

  it('2-3. OAuth 2.0 client credentials: a short-lived signed JWT with roles, permissions and expiry, accepted by the API', async () => {
    const [getToken, call] = lines(oauth);
    const token = await run(getToken);
    assert.equal(token.status, 200, JSON.stringify(token.body));
    assert.equal(token.body.expires_in, 600);
    const [header, claims] = token.body.access_token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url')));
    assert.equal(header.alg, 'HS256');
    assert.deepEqual([claims.client_id, claims.partner_roles, claims.scope, claims.exp - claims.iat], ['acme-logistics', ['partner'], 'shipments:read', 600]);
    const ok = await run(call, { ACCESS_TOKEN: token.body.access_token });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual([ok.body.partner, ok.body.method, ok.body.roles, ok.body.permissions], ['acme-logistics', 'bearer', ['partner'], ['shipments:read']]);
    const forged = await run(call, { ACCESS_TOKEN: token.body.access_token.slice(0, -4) + 'AAAA' });
    assert.equal(forged.status, 401);
    const badSecret = await run(getToken.replace(/:afcs_[^']+'/, ":afcs_nope'"));
    assert.deepEqual([badSecret.status, badSecret.body.error], [401, 'invalid_client']);
  });

  it('rotation: a new key at once, the old one during the grace period (with its sunset), then revoked', async () => {
    const [rotate, revoke] = lines(rotation);
    const rotated = await run(rotate, { KEY_ID: key.id });
    assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
    assert.equal(rotated.body.previous.id, key.id);
    assert.ok(Date.parse(rotated.body.previous.expires_at) - Date.now() > 23 * 3600 * 1000);
    const old = await run(useKey, { API_KEY: key.value });
    assert.equal(old.status, 200);
    assert.ok(old.headers['x-api-key-sunset'], 'the old key is told when it stops working');
    assert.equal((await run(useKey, { API_KEY: rotated.body.key })).status, 200);
    assert.equal((await run(revoke, { KEY_ID: key.id })).status, 200);
    assert.deepEqual([(await run(useKey, { API_KEY: key.value })).body.error], ['AUTH_004']);
    Object.assign(key, { value: rotated.body.key });
  });

  it('activity monitoring: the operator sees each partner\'s allowed and refused calls', async () => {
    const seen = await run(activity);
    assert.equal(seen.status, 200, JSON.stringify(seen.body));
    // Keys and OAuth clients of the partner count under its name; refusals of unknown or revoked keys under 'anonymous'.
    const partner = seen.body['acme-logistics'];
    assert.ok(partner && partner.allow >= 5, JSON.stringify(seen.body));
    assert.ok(seen.body.anonymous.deny >= 3, JSON.stringify(seen.body));
    assert.match(seen.body.anonymous.lastReason, /^AUTH_004 /);
    assert.ok(seen.body.operator.allow >= 3, 'the operator\'s own calls are monitored too');
    // No secret reaches the activity data.
    assert.doesNotMatch(JSON.stringify(seen.body), /khumbu_prod_|afcs_|eyJ/);
  });
});
