'use strict';
// Security review: a hostile body must get a clear 4xx from authflow-hmac,
// never 503 "could not check" plus an "unexpected error" in the log.
const assert = require('assert');
const crypto = require('crypto');
const { helper, load, start, stop } = require('../support/flow-harness');

const hmacNode = require('../../dist/nodes/hmac/authflow-hmac.js');
const API_KEY = 'kapi_prod_7f3d9a2b5c1e4890abcdef1234567890';
const SECRET = crypto.randomBytes(32).toString('hex');

function route(config) {
  return [
    { id: 'f1', type: 'tab', label: 'hmac' },
    // Body parsed by http in (the default): the Kindly scheme re-serialises the parsed value.
    { id: 'in', type: 'http in', z: 'f1', url: '/signed', method: 'post', wires: [['check']] },
    { id: 'check', type: 'authflow-hmac', z: 'f1', wires: [['out'], ['out']], ...config },
    { id: 'out', type: 'http response', z: 'f1', wires: [] },
  ];
}

describe('authflow-hmac: hostile bodies (security review)', function () {
  this.timeout(30000);
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  it('a deeply nested JSON body parsed by http in → 400 AUTH_003, not 503 AUTH_011', async () => {
    const keys = JSON.stringify([{ apiKey: API_KEY, secret: SECRET, id: 'k' }]);
    const api = await load([], route({ mode: 'request', scheme: 'kindly', secretsType: 'cred', secretList: keys, respond: true }), { check: { secretList: keys } }, [hmacNode]);
    const depth = 20000;
    const body = '['.repeat(depth) + ']'.repeat(depth);
    const res = await api.post('/signed')
      .set('Content-Type', 'application/json')
      .set('X-API-Key', API_KEY)
      .set('X-Timestamp', String(Math.floor(Date.now() / 1000)))
      .set('X-Nonce', crypto.randomBytes(16).toString('hex'))
      .set('X-Signature', '0'.repeat(64))
      .send(body);
    assert.deepStrictEqual([res.status, res.body.error], [400, 'AUTH_003'], JSON.stringify(res.body));
  });
});
