'use strict';
/**
 * authflow-oauth2-server keeps only a successful build: a failed one (here a
 * client-secret key that is missing at deploy and arrives later) fails every
 * endpoint closed with 503 AUTH_011, and is tried again after a short backoff
 * (5 s) instead of until the next deploy.
 */
const assert = require('node:assert/strict');
const { start, stop, helper } = require('../support/flow-harness');
const { loadOAuthFlow, freePort, client, basic, SECRET_KEY } = require('./oauth2-harness');

const ACME = client('acme', { scope: 'orders:read' });
const FORM = 'application/x-www-form-urlencoded';

describe('authflow-oauth2-server: a failed build is retried', function () {
  this.timeout(30000);
  let request;
  before(async () => {
    await start();
    ({ request } = await loadOAuthFlow({ port: await freePort(), clients: [ACME.record], serverCreds: { secretKey: '' } }));
  });
  after(stop);

  const token = () => request.post('/oauth/token').set('Authorization', basic('acme', ACME.secret)).type(FORM).send('grant_type=client_credentials');

  it('503 AUTH_011 while the build fails, a token once it builds after the backoff', async () => {
    const first = await token();
    assert.equal(first.status, 503);
    assert.equal(first.body.code, 'AUTH_011');
    assert.equal(first.body.error, 'temporarily_unavailable');
    helper.getNode('srv').credentials.secretKey = SECRET_KEY; // the cause goes away
    assert.equal((await token()).status, 503, 'within the backoff the failure is answered from memory');
    await new Promise((r) => setTimeout(r, 5100));
    const later = await token();
    assert.equal(later.status, 200, JSON.stringify(later.body));
    assert.ok(later.body.access_token);
  });
});
