'use strict';
// lib/audit: the allow-listed event, its event types, the ECS and OCSF
// mappings (field by field), the correlation id.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { toAuditEvent, eventTypeOf, toEcs, toOcsf, requestIdOf, AUDIT_EVENT_TYPES, instanceId } = require('../../../dist/lib/internal');
const { assertAuditEvent, auditEventSchema } = require('../../support/audit-schema');

const base = {
  time: '2025-01-02T03:04:05.678Z', outcome: 'deny', method: 'basic', code: 'AUTH_001', status: 401,
  reason: 'wrong password', subject: 'alice', ip: '203.0.113.5', httpMethod: 'post', path: '/orders/7?api_key=k&x=1',
  node: { id: 'n1', type: 'authflow-basic', name: 'users', z: 'tab1' }, requestId: 'req-1', clientId: 'c1', keyId: 'k1',
};

describe('lib/audit: the audit event', () => {
  it('copies exactly the allow-listed fields, normalised, and matches the JSON Schema', () => {
    const e = toAuditEvent(base);
    assertAuditEvent(e);
    assert.deepEqual(e, {
      schemaVersion: 1, time: '2025-01-02T03:04:05.678Z', event: 'auth.failure', outcome: 'deny', code: 'AUTH_001', status: 401,
      reason: 'wrong password', method: 'basic', subject: 'alice', clientId: 'c1', keyId: 'k1', clientIp: '203.0.113.5',
      httpMethod: 'POST', path: '/orders/7', nodeId: 'n1', nodeType: 'authflow-basic', nodeName: 'users', flowId: 'tab1',
      instanceId: instanceId(), requestId: 'req-1',
    });
  });

  it('never copies anything else an emitter put on the decision (headers, body, token, claims)', () => {
    const e = toAuditEvent({
      ...base, headers: { authorization: 'Basic c2VjcmV0' }, payload: { password: 'pw-123' }, token: 'eyJ.secret', claims: { x: 1 },
      node: { ...base.node, credentials: { tokenList: 'cred-secret' } }, subject: { toString: () => 'obj-secret' },
    });
    assertAuditEvent(e);
    const text = JSON.stringify(e);
    for (const s of ['c2VjcmV0', 'pw-123', 'eyJ.secret', 'cred-secret', 'obj-secret', 'claims']) assert.ok(!text.includes(s), s);
    assert.equal(e.subject, undefined, 'a subject that is not a string is left out');
  });

  it('strips control characters (log injection), caps lengths, drops invalid codes, statuses, methods and times', () => {
    const e = toAuditEvent({
      ...base, reason: 'bad\r\nFAKE LOG LINE\u001b[31m' + 'x'.repeat(1000), subject: 'a\nb', code: 'AUTH_1; DROP', status: 99,
      httpMethod: 'GET / HTTP/1.1', time: 'yesterday', path: '/p\r\nq#frag',
    });
    assertAuditEvent(e);
    assert.ok(!/[\r\n\u001b]/.test(JSON.stringify(Object.values(e))));
    assert.ok(e.reason.length <= 300);
    assert.equal(e.subject, 'a b');
    assert.equal(e.code, undefined);
    assert.equal(e.status, undefined);
    assert.equal(e.httpMethod, undefined);
    assert.equal(e.path, '/p  q');
    assert.ok(Math.abs(Date.parse(e.time) - Date.now()) < 5000, 'an unreadable time becomes now');
  });

  it('the schema lists exactly the event types the code knows, and requires what toAuditEvent always sets', () => {
    assert.deepEqual(auditEventSchema.properties.event.enum, [...AUDIT_EVENT_TYPES]);
    const minimal = toAuditEvent({ time: base.time, outcome: 'allow', method: 'ip', reason: 'authenticated' });
    assertAuditEvent(minimal);
    assert.deepEqual(Object.keys(minimal).sort(), [...auditEventSchema.required].sort());
    assert.equal(auditEventSchema.additionalProperties, false);
    // The file shipped in the package is the one the tests read.
    assert.ok(require('../../../package.json').files.includes('lib/audit/event.schema.json'));
    assert.ok(fs.existsSync(path.join(__dirname, '../../../lib/audit/event.schema.json')));
  });

  describe('event types', () => {
    const t = (d) => eventTypeOf({ time: base.time, reason: '', ...d });
    it('by code, whatever the method', () => {
      assert.equal(t({ outcome: 'deny', method: 'basic', code: 'AUTH_007' }), 'lockout');
      assert.equal(t({ outcome: 'deny', method: 'rate-limit', code: 'AUTH_009' }), 'rate_limited');
      assert.equal(t({ outcome: 'deny', method: 'ip', code: 'AUTH_005' }), 'ip.denied');
      assert.equal(t({ outcome: 'deny', method: 'scope', code: 'AUTH_008' }), 'access.denied');
      assert.equal(t({ outcome: 'deny', method: 'login', code: 'AUTH_006' }), 'mfa.failure');
      assert.equal(t({ outcome: 'deny', method: 'hmac', code: 'AUTH_010', reason: 'nonce already used with key k1 (replay)' }), 'signature.replay');
      assert.equal(t({ outcome: 'deny', method: 'hmac', code: 'AUTH_010', reason: 'signature mismatch' }), 'signature.invalid');
      assert.equal(t({ outcome: 'deny', method: 'basic', code: 'AUTH_011', reason: 'store timeout' }), 'store.outage');
      assert.equal(t({ outcome: 'deny', method: 'basic', code: 'AUTH_011', reason: 'could not check: node configuration invalid' }), 'config.error');
      assert.equal(t({ outcome: 'deny', method: 'basic', code: 'AUTH_011', reason: 'could not check: internal TypeError' }), 'internal.error');
    });
    it('login and oauth2 operations, API key grace, and the emitter\'s own type', () => {
      assert.equal(t({ outcome: 'allow', method: 'login', reason: 'login' }), 'login.success');
      assert.equal(t({ outcome: 'deny', method: 'login', code: 'AUTH_001' }), 'login.failure');
      assert.equal(t({ outcome: 'allow', method: 'login', reason: 'refresh' }), 'token.refreshed');
      assert.equal(t({ outcome: 'allow', method: 'login', reason: 'logout (2 revoked)' }), 'logout');
      assert.equal(t({ outcome: 'allow', method: 'login', reason: 'TOTP enrolment started' }), 'mfa.enrolment');
      assert.equal(t({ outcome: 'allow', method: 'oauth2', reason: 'token issued to billing (client_secret_basic)' }), 'token.issued');
      assert.equal(t({ outcome: 'allow', method: 'oauth2', reason: 'billing: token 9f revoked' }), 'token.revoked');
      assert.equal(t({ outcome: 'allow', method: 'oauth2', reason: 'billing introspected a token: active' }), 'token.introspected');
      assert.equal(t({ outcome: 'allow', method: 'oauth2', reason: 'client secret expires 2030-01-01T00:00:00.000Z' }), 'client.secret_expiring');
      assert.equal(t({ outcome: 'deny', method: 'oauth2', code: 'AUTH_001' }), 'token.failure');
      assert.equal(t({ outcome: 'allow', method: 'api_key', reason: 'rotated API key used during its grace period (works until x)' }), 'key.used_in_grace');
      assert.equal(t({ outcome: 'allow', method: 'api_key', reason: 'API key 6f1c created' }), 'key.created');
      assert.equal(t({ outcome: 'allow', method: 'api_key', reason: 'API key 6f1c revoked' }), 'key.revoked');
      assert.equal(t({ outcome: 'allow', method: 'api_key', reason: 'API key 6f1c rotated to 7a2d' }), 'key.rotated');
      assert.equal(t({ outcome: 'allow', method: 'api_key', reason: 'API keys listed (2)' }), 'auth.success');
      assert.equal(t({ outcome: 'allow', method: 'keys', event: 'key.created' }), 'key.created');
      assert.equal(t({ outcome: 'allow', method: 'token', event: 'made.up' }), 'auth.success', 'an unknown type is not passed on');
    });
  });

  describe('Elastic ECS mapping, field by field', () => {
    it('a refused request', () => {
      const doc = toEcs(toAuditEvent(base));
      assert.deepEqual(doc, {
        '@timestamp': '2025-01-02T03:04:05.678Z',
        ecs: { version: '8.11.0' },
        message: 'auth.failure basic AUTH_001 alice 203.0.113.5: wrong password',
        event: {
          kind: 'event', category: ['authentication'], type: ['info'], action: 'auth.failure', outcome: 'failure',
          code: 'AUTH_001', reason: 'wrong password', module: 'authflow', dataset: 'authflow.audit',
        },
        service: { node: { name: instanceId() } },
        authflow: { method: 'basic', key_id: 'k1', client_id: 'c1', node: { id: 'n1', type: 'authflow-basic', name: 'users' }, flow: { id: 'tab1' } },
        user: { name: 'alice' },
        source: { ip: '203.0.113.5' },
        url: { path: '/orders/7' },
        http: { request: { method: 'POST', id: 'req-1' }, response: { status_code: 401 } },
      });
    });
    it('logins start, logouts end; success outcome; an address that is not an IP is not put in source.ip (an ECS ip field)', () => {
      const login = toEcs(toAuditEvent({ time: base.time, outcome: 'allow', method: 'login', reason: 'login', subject: 'bob', ip: 'unknown' }));
      assert.deepEqual([login.event.type, login.event.outcome, login.event.action, login.source], [['start'], 'success', 'login.success', undefined]);
      const logout = toEcs(toAuditEvent({ time: base.time, outcome: 'allow', method: 'login', reason: 'logout (1 revoked)' }));
      assert.deepEqual(logout.event.type, ['end']);
      assert.equal(logout.user, undefined);
    });
  });

  describe('OCSF Authentication (3002) mapping, field by field', () => {
    it('a refused request', () => {
      const ev = toOcsf(toAuditEvent(base));
      assert.deepEqual(ev, {
        class_uid: 3002, class_name: 'Authentication', category_uid: 3, category_name: 'Identity & Access Management',
        activity_id: 1, activity_name: 'Logon', type_uid: 300201, type_name: 'Authentication: Logon',
        time: Date.parse(base.time), severity_id: 2, severity: 'Low', status_id: 2, status: 'Failure', status_code: 'AUTH_001',
        status_detail: 'wrong password', message: 'auth.failure basic AUTH_001 alice 203.0.113.5: wrong password',
        auth_protocol_id: 99, auth_protocol: 'basic', user: { name: 'alice', uid: 'alice' },
        metadata: { version: '1.3.0', product: { name: '@authflow/node-red-api-auth', vendor_name: 'authflow' }, log_name: 'authflow-audit', correlation_uid: 'req-1' },
        unmapped: { event: 'auth.failure', method: 'basic', instance_id: instanceId(), http_status: 401, key_id: 'k1', client_id: 'c1', node_id: 'n1', node_type: 'authflow-basic', node_name: 'users', flow_id: 'tab1' },
        src_endpoint: { ip: '203.0.113.5' },
        http_request: { http_method: 'POST', url: { path: '/orders/7' }, uid: 'req-1' },
      });
    });
    it('activities, statuses and severities by event type', () => {
      const o = (d) => toOcsf(toAuditEvent({ time: base.time, reason: '', ...d }));
      const tokenIssued = o({ outcome: 'allow', method: 'oauth2', reason: 'token issued to c' });
      assert.deepEqual([tokenIssued.activity_id, tokenIssued.type_uid, tokenIssued.status_id, tokenIssued.severity_id, tokenIssued.auth_protocol_id], [3, 300203, 1, 1, 6]);
      const refreshed = o({ outcome: 'allow', method: 'login', reason: 'refresh' });
      assert.deepEqual([refreshed.activity_id, refreshed.activity_name], [5, 'Service Ticket Renew']);
      const logout = o({ outcome: 'allow', method: 'login', reason: 'logout (1 revoked)' });
      assert.deepEqual([logout.activity_id, logout.type_uid, logout.user], [2, 300202, { type_id: 0, type: 'Unknown' }]);
      assert.deepEqual([o({ outcome: 'deny', method: 'basic', code: 'AUTH_007' }).severity_id, o({ outcome: 'deny', method: 'basic', code: 'AUTH_011', reason: 'down' }).severity_id], [3, 4]);
      const other = o({ outcome: 'deny', method: 'rate-limit', code: 'AUTH_009' });
      assert.deepEqual([other.activity_id, other.type_uid], [99, 300299]);
    });
  });

  describe('request correlation id', () => {
    it('the valid X-Request-Id, the same for every call with the same request object', () => {
      const req = { rawHeaders: ['Host', 'x', 'X-Request-ID', 'abc-123:4/5+6=7'] };
      assert.equal(requestIdOf(req), 'abc-123:4/5+6=7');
      assert.equal(requestIdOf(req), 'abc-123:4/5+6=7');
    });
    it('generated (once per request) for a missing, invalid, oversized or repeated header', () => {
      for (const raw of [[], ['X-Request-Id', 'a b'], ['X-Request-Id', 'x\r\ny'], ['X-Request-Id', 'x'.repeat(129)], ['X-Request-Id', ''], ['x-request-id', 'a', 'X-Request-Id', 'b']]) {
        const req = { rawHeaders: raw };
        const id = requestIdOf(req);
        assert.match(id, /^[0-9a-f-]{36}$/, JSON.stringify(raw));
        assert.equal(requestIdOf(req), id);
      }
      assert.notEqual(requestIdOf({ rawHeaders: [] }), requestIdOf({ rawHeaders: [] }));
      assert.equal(requestIdOf(undefined), undefined);
    });
  });
});
