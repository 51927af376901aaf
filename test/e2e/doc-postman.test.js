'use strict';
// The Postman article's API-to-API methods, run the way a Postman user runs
// them: the repo's collection (postman/authflow.postman_collection.json, v2.1,
// Postman's own auth helpers — API Key, Basic, Bearer, OAuth 2.0 client
// credentials — and a TOTP pre-request script) under newman, against a REAL
// Node-RED running the examples it names, over HTTPS (a TLS-terminating proxy
// whose certificate newman verifies). Every assertion is in the collection;
// this test fails when any of them does, or when a request is not made.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const newman = require('newman');
const { root } = require('../../scripts/node-red-instance');
const { loadExamples, startExample } = require('../support/doc-example');
const { startTlsProxy } = require('../support/tls-proxy');

const COLLECTION = path.join(root, 'postman', 'authflow.postman_collection.json');
const EXAMPLES = ['01 Basic auth', '04 IP allowlist then auth token', '05 Login, bearer, refresh, logout', '06 TOTP enrolment and login', '16 Network International OAuth 2.0'];

function runCollection(options) {
  return new Promise((resolve, reject) => newman.run(options, (err, summary) => (err ? reject(err) : resolve(summary))));
}

describe('document: Postman API-to-API authentication (newman runs the repo\'s collection against the examples)', function () {
  this.timeout(60000);
  let node, proxy;

  before(async () => {
    const { flows, creds } = loadExamples(...EXAMPLES);
    node = await startExample({ flows, creds, dirPrefix: 'authflow-doc-postman', settings: "httpServerOptions: { 'trust proxy': 'loopback' }," });
    proxy = await startTlsProxy(node.userDir, node.port);
  });

  after(async () => {
    await proxy?.close();
    await node?.stop();
  });

  it('the collection is Postman v2.1 and uses Postman\'s own auth helpers for each method of the article', () => {
    const collection = JSON.parse(fs.readFileSync(COLLECTION, 'utf8'));
    assert.equal(collection.info.schema, 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json');
    const helpers = new Set();
    const walk = (item) => {
      if (item.auth) helpers.add(item.auth.type);
      if (item.request?.auth) helpers.add(item.request.auth.type);
      (item.item || []).forEach(walk);
    };
    walk(collection);
    for (const type of ['apikey', 'basic', 'bearer', 'oauth2']) assert.ok(helpers.has(type), `no ${type} auth helper`);
    const oauth2 = Object.fromEntries(collection.item.find((f) => f.auth?.type === 'oauth2').auth.oauth2.map((p) => [p.key, p.value]));
    assert.equal(oauth2.grant_type, 'client_credentials');
  });

  it('every request and test of the collection passes under newman, over HTTPS', async () => {
    const summary = await runCollection({
      collection: COLLECTION,
      environment: { values: [{ key: 'baseUrl', value: proxy.url, type: 'string', enabled: true }] },
      sslExtraCaCerts: proxy.ca, // the proxy's certificate is verified, not ignored
      reporters: [],
      timeoutRequest: 10000,
    });
    const { stats, failures, executions } = summary.run;
    const failed = failures.map((f) => `${f.source?.name}: ${f.error.test || ''} ${f.error.message}`);
    assert.deepEqual(failed, []);
    assert.equal(stats.requests.total, 13);
    assert.equal(stats.requests.failed, 0);
    assert.ok(stats.assertions.total >= 25, `only ${stats.assertions.total} assertions ran`);
    assert.ok(executions.every((e) => e.request.url.protocol === 'https'), 'a request went out without TLS');
  });
});
