'use strict';
// authflow-audit in a real Node-RED over real HTTP: one msg per decision,
// built from the allow-list and valid against lib/audit/event.schema.json;
// scope (all / this flow / selected nodes) and outcome filters; ECS and
// OCSF output; the correlation id shared by every check of one request.
const assert = require('assert/strict');
const { helper, load, start, stop } = require('../support/flow-harness');
const { assertAuditEvent } = require('../support/audit-schema');

const { auditModule: auditNode } = require('../support/audit-node');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Two routes on two tabs: /a (ip → token) on f1, /b (token) on f2. */
function flow(audit, extra = []) {
  return [
    { id: 'f1', type: 'tab', label: 'one' },
    { id: 'f2', type: 'tab', label: 'two' },
    { id: 'inA', type: 'http in', z: 'f1', url: '/a', method: 'get', wires: [['ipA']] },
    { id: 'ipA', type: 'authflow-ip', z: 'f1', allow: '127.0.0.1 ::1 ::ffff:127.0.0.1', allowType: 'str', deny: '', denyType: 'str', trustedProxies: '', respond: true, wires: [['tokA'], []] },
    { id: 'tokA', type: 'authflow-token', z: 'f1', name: 'token A', tokensType: 'cred', respond: true, wires: [['okA'], []] },
    { id: 'okA', type: 'http response', z: 'f1', statusCode: '200', wires: [] },
    { id: 'inB', type: 'http in', z: 'f2', url: '/b', method: 'get', wires: [['tokB']] },
    { id: 'tokB', type: 'authflow-token', z: 'f2', tokensType: 'cred', respond: true, wires: [['okB'], []] },
    { id: 'okB', type: 'http response', z: 'f2', statusCode: '200', wires: [] },
    { id: 'audit', type: 'authflow-audit', z: audit.z || 'f1', wires: [['sink']], ...audit },
    { id: 'sink', type: 'helper', z: audit.z || 'f1' },
    ...extra,
  ];
}
const creds = { tokA: { tokenList: 'secret-token-a' }, tokB: { tokenList: 'secret-token-b' } };

async function loadWith(audit, extra) {
  const api = await load(['authflow-ip', 'authflow-token'], flow(audit, extra), creds, [auditNode]);
  const msgs = [];
  helper.getNode('sink').on('input', (m) => msgs.push(m));
  return { api, msgs };
}

/** Waits until `n` msgs arrived (the audit node sends on a later tick). */
async function settled(msgs, n) {
  for (let i = 0; i < 100 && msgs.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 30)); // and nothing more comes
  return msgs;
}

describe('authflow-audit node', function () {
  before(start);
  after(stop);
  afterEach(() => helper.unload());

  it('sends one msg per decision, from the allow-list only, valid against the JSON Schema', async () => {
    const { api, msgs } = await loadWith({ scope: 'all' });
    await api.get('/a?api_key=secret-token-a&x=1').set('x-auth-token', 'secret-token-a').set('X-Request-Id', 'req-42').set('Cookie', 'sid=cookie-secret').expect(200);
    await api.get('/b').set('x-auth-token', 'wrong-token-xyz').expect(401);
    await settled(msgs, 3);
    assert.equal(msgs.length, 3);
    for (const m of msgs) {
      assertAuditEvent(m.payload);
      assert.equal(m.topic, m.payload.event);
    }
    const [ip, tokA, tokB] = msgs.map((m) => m.payload);
    assert.deepEqual(
      [ip.event, ip.outcome, ip.method, ip.nodeId, ip.nodeType, ip.flowId, ip.httpMethod, ip.path, ip.requestId],
      ['auth.success', 'allow', 'ip', 'ipA', 'authflow-ip', 'f1', 'GET', '/a', 'req-42'],
    );
    assert.deepEqual(
      [tokA.event, tokA.method, tokA.nodeName, tokA.path, tokA.requestId, tokA.keyId.length],
      ['auth.success', 'token', 'token A', '/a', 'req-42', 12],
    );
    assert.match(tokA.clientIp, /127\.0\.0\.1|::1/);
    assert.deepEqual(
      [tokB.event, tokB.outcome, tokB.code, tokB.status, tokB.nodeId, tokB.flowId],
      ['auth.failure', 'deny', 'AUTH_004', 401, 'tokB', 'f2'],
    );
    assert.match(tokB.requestId, UUID, 'no X-Request-Id: a generated one');
    assert.ok(tokB.reason.length > 0 && typeof tokB.instanceId === 'string');
    const all = JSON.stringify(msgs);
    for (const secret of ['secret-token-a', 'wrong-token-xyz', 'cookie-secret', 'api_key', 'x=1']) assert.ok(!all.includes(secret), secret);
  });

  it('a request id that is not a plain token (or is sent twice) is replaced by a generated one', async () => {
    const { api, msgs } = await loadWith({ scope: 'all' });
    await api.get('/b').set('x-auth-token', 'secret-token-b').set('X-Request-Id', 'a b"<script>').expect(200);
    await api.get('/b').set('x-auth-token', 'secret-token-b').set('X-Request-Id', 'x'.repeat(129)).expect(200);
    await settled(msgs, 2);
    for (const m of msgs) assert.match(m.payload.requestId, UUID);
    assert.notEqual(msgs[0].payload.requestId, msgs[1].payload.requestId);
  });

  it('scope "tab" reports only the decisions of its own flow', async () => {
    const { api, msgs } = await loadWith({ scope: 'tab', z: 'f2' });
    await api.get('/a').set('x-auth-token', 'secret-token-a').expect(200);
    await api.get('/b').set('x-auth-token', 'secret-token-b').expect(200);
    await settled(msgs, 1);
    assert.deepEqual(msgs.map((m) => m.payload.nodeId), ['tokB']);
  });

  it('scope "selected" reports only the ticked nodes; outcomes "deny" only refusals', async () => {
    const { api, msgs } = await loadWith({ scope: 'selected', sources: 'tokA,tokB', outcomes: 'deny' });
    await api.get('/a').set('x-auth-token', 'secret-token-a').expect(200); // ipA + tokA allow: none reported
    await api.get('/a').set('x-auth-token', 'nope-nope').expect(401); // ipA allow (not selected), tokA deny
    await api.get('/b').set('x-auth-token', 'nope-nope').expect(401); // tokB deny
    await settled(msgs, 2);
    assert.deepEqual(msgs.map((m) => [m.payload.nodeId, m.payload.outcome]), [['tokA', 'deny'], ['tokB', 'deny']]);
  });

  it('scope "selected" without nodes is a configuration error (node error, no events)', async () => {
    const { api, msgs } = await loadWith({ scope: 'selected', sources: '' });
    await api.get('/b').set('x-auth-token', 'secret-token-b').expect(200);
    await settled(msgs, 0);
    assert.equal(msgs.length, 0);
  });

  it('format "ecs" and "ocsf" send the mapped documents', async () => {
    const { api, msgs } = await loadWith({ scope: 'all', format: 'ecs' }, [
      { id: 'audit2', type: 'authflow-audit', z: 'f1', scope: 'all', format: 'ocsf', wires: [['sink2']] },
      { id: 'sink2', type: 'helper', z: 'f1' },
    ]);
    const ocsf = [];
    helper.getNode('sink2').on('input', (m) => ocsf.push(m));
    await api.get('/b').set('x-auth-token', 'nope-nope').set('X-Request-Id', 'r-1').expect(401);
    await settled(msgs, 1);
    await settled(ocsf, 1);
    const ecs = msgs[0].payload;
    assert.deepEqual(ecs.event.category, ['authentication']);
    assert.equal(ecs.event.outcome, 'failure');
    assert.equal(ecs.event.code, 'AUTH_004');
    assert.equal(ecs.http.request.method, 'GET');
    assert.equal(ecs.http.request.id, 'r-1');
    assert.equal(ecs.url.path, '/b');
    const o = ocsf[0].payload;
    assert.deepEqual([o.class_uid, o.category_uid, o.activity_id, o.type_uid, o.status_id, o.status_code], [3002, 3, 1, 300201, 2, 'AUTH_004']);
    assert.equal(o.http_request.url.path, '/b');
    assert.equal(o.metadata.correlation_uid, 'r-1');
  });
});
