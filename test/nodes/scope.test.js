'use strict';
/**
 * authflow-scope through real HTTP behind real check nodes (token, basic):
 * all/any of scopes and roles, typed in or read per request from msg and
 * flow context; no msg.auth → 401 with a Bearer challenge; insufficient →
 * 403 AUTH_008 with the RFC 6750 §3.1 insufficient_scope challenge; a list
 * that is missing fails closed (503 AUTH_011).
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { load, start, stop, helper } = require('../support/flow-harness');
const { auditEvents } = require('../../dist/lib/internal');
const { configProblems, loadConfig } = require('../../dist/nodes/shared/schema');
const { schema } = require('../../dist/nodes/scope/authflow-scope.schema');

const scopeModule = () => require('../../dist/nodes/scope/authflow-scope.js');
const placed = (n) => ({ x: 100, y: 100, z: 'f1', ...n });
const sha = (t) => 'sha256:' + crypto.createHash('sha256').update(t).digest('hex');

const TOKENS = [
  { tokenHash: sha('reader'), subject: 'reader', scopes: ['orders:read'] },
  { tokenHash: sha('writer'), subject: 'writer', scopes: ['orders:read', 'orders:write'] },
  { tokenHash: sha('billing'), subject: 'billing', scopes: ['billing:read'] },
];

/** GET <url> → token check → scope (config) → echo; refusals of both to the response. */
function route(id, url, scope, { before = 'token' } = {}) {
  const first = before === 'token' ? `${id}-tok` : `${id}-set`;
  const nodes = [
    placed({ id: `${id}-in`, type: 'http in', url, method: 'get', wires: [[first]] }),
    placed({ id, type: 'authflow-scope', wires: [[`${id}-ok`], [`${id}-out`]], ...scope }),
    placed({ id: `${id}-ok`, type: 'function', func: 'msg.payload = { ok: true, auth: msg.auth }; return msg;', wires: [[`${id}-out`]] }),
    placed({ id: `${id}-out`, type: 'http response', wires: [] }),
  ];
  if (before === 'token') nodes.push(placed({ id: first, type: 'authflow-token', header: 'x-auth-token', tokensType: 'cred', tokens: '', wires: [[`${id}-req`], [`${id}-out`]] }));
  else nodes.push(placed({ id: first, type: 'function', func: before, wires: [[`${id}-req`]] }));
  // Where a msg-sourced list comes from: a header, as a DB lookup would put it on the msg.
  nodes.push(placed({ id: `${id}-req`, type: 'function', func: 'msg.need = msg.req.headers["x-need"]; return msg;', wires: [[id]] }));
  return { nodes, creds: before === 'token' ? { [first]: { tokenList: JSON.stringify(TOKENS) } } : {} };
}

describe('authflow-scope over real HTTP', function () {
  this.timeout(20000);
  let request;

  before(async () => {
    await start();
    const routes = [
      route('all', '/all', { scopes: 'orders:read orders:write', scopesType: 'str', scopeMatch: 'all' }),
      route('any', '/any', { scopes: 'orders:write, billing:read', scopesType: 'str', scopeMatch: 'any' }),
      route('msg', '/msg', { scopes: 'need', scopesType: 'msg' }),
      route('flow', '/flow', { scopes: 'requiredScopes', scopesType: 'flow' }),
      route('roles', '/roles', { roles: 'admin ops', rolesType: 'str', roleMatch: 'any' }, { before: 'msg.auth = { method: "basic", subject: "a", scopes: [], roles: (msg.req.headers["x-roles"] || "").split(",") }; return msg;' }),
      route('none', '/none', { scopes: 'orders:read', scopesType: 'str' }, { before: 'delete msg.auth; return msg;' }),
      route('respond', '/respond', { scopes: 'orders:write', scopesType: 'str', respond: true }),
      // Nothing required: would pass every authenticated caller, so it is a config error (fail closed).
      route('empty', '/empty', { scopes: ' , ', scopesType: 'str', roles: '', rolesType: 'str' }),
    ];
    const flow = [{ id: 'f1', type: 'tab', label: 'scope' }, ...routes.flatMap((r) => r.nodes)];
    request = await load(['authflow-token'], flow, Object.assign({}, ...routes.map((r) => r.creds)), [scopeModule()]);
  });
  after(stop);

  const get = (url, token, headers = {}) => request.get(url).set({ 'x-auth-token': token, ...headers });

  it('allowed: the audit event names the scope node\'s decision (method scope, reason authorized)', async () => {
    const events = [];
    const on = (e) => events.push(e);
    auditEvents.on('decision', on);
    try {
      assert.equal((await get('/all', 'writer')).status, 200);
    } finally {
      auditEvents.off('decision', on);
    }
    const tok = events.find((e) => e.node.id === 'all-tok');
    const scope = events.find((e) => e.node.id === 'all');
    assert.deepEqual([tok.outcome, tok.method, tok.reason], ['allow', 'token', 'authenticated'], 'authentication nodes unchanged');
    assert.deepEqual([scope.outcome, scope.method, scope.reason, scope.subject], ['allow', 'scope', 'authorized', 'writer']);
  });

  it('no scopes and no roles typed in: refused at deploy (schema), node red, every request 503 AUTH_011', async () => {
    const problems = configProblems(schema, loadConfig(schema, { scopes: '', scopesType: 'str', roles: '', rolesType: 'str' }));
    assert.equal(problems.length, 1, problems.join('; '));
    assert.match(problems[0], /scopes and\/or roles/);
    assert.deepEqual(configProblems(schema, loadConfig(schema, { scopes: '', roles: 'admin' })), []);
    assert.deepEqual(configProblems(schema, loadConfig(schema, { scopes: 'key', scopesType: 'msg' })), []);
    const errors = helper.log().args.filter((a) => a[0].level === 20 && a[0].id === 'empty');
    assert.ok(errors.some((a) => /configuration error.*scopes and\/or roles/.test(a[0].msg)), JSON.stringify(errors));
    const res = await get('/empty', 'writer');
    assert.equal(res.status, 503);
    assert.equal(res.body.error, 'AUTH_011');
  });

  it('a live list whose value is empty ("" or []) fails closed like a missing one: 503 AUTH_011', async () => {
    const node = helper.getNode('flow');
    for (const empty of ['', [], ' , ']) {
      node.context().flow.set('requiredScopes', empty);
      const res = await get('/flow', 'writer');
      assert.equal(res.status, 503, JSON.stringify(empty));
      assert.equal(res.body.error, 'AUTH_011');
    }
    node.context().flow.set('requiredScopes', undefined);
  });

  it('all of: passes with every scope, 403 AUTH_008 with the insufficient_scope challenge naming the required scopes', async () => {
    const ok = await get('/all', 'writer');
    assert.equal(ok.status, 200);
    assert.equal(ok.body.auth.subject, 'writer');
    assert.equal(ok.body.auth.method, 'token', 'msg.auth of the check before is kept');
    const no = await get('/all', 'reader');
    assert.equal(no.status, 403);
    assert.deepEqual(no.body, { error: 'AUTH_008', message: 'Insufficient scope' });
    assert.equal(no.headers['www-authenticate'], 'Bearer realm="api", error="insufficient_scope", error_description="Insufficient scope", scope="orders:read orders:write"');
  });

  it('any of: one scope of the list is enough', async () => {
    assert.equal((await get('/any', 'billing')).status, 200);
    assert.equal((await get('/any', 'writer')).status, 200);
    assert.equal((await get('/any', 'reader')).status, 403);
  });

  it('from a msg property, read per request (string or list); missing → 503 AUTH_011', async () => {
    assert.equal((await get('/msg', 'reader', { 'x-need': 'orders:read' })).status, 200);
    assert.equal((await get('/msg', 'reader', { 'x-need': 'orders:write' })).status, 403);
    const missing = await get('/msg', 'reader');
    assert.equal(missing.status, 503);
    assert.equal(missing.body.error, 'AUTH_011');
  });

  it('from flow context: a change applies on the next request, no redeploy', async () => {
    const node = helper.getNode('flow');
    assert.equal((await get('/flow', 'reader')).status, 503, 'not set yet: fail closed');
    node.context().flow.set('requiredScopes', ['orders:write']);
    assert.equal((await get('/flow', 'reader')).status, 403);
    node.context().flow.set('requiredScopes', 'orders:read');
    assert.equal((await get('/flow', 'reader')).status, 200);
  });

  it('roles: any of; none of them → 403 AUTH_008 (no scope attribute)', async () => {
    assert.equal((await request.get('/roles').set('x-roles', 'ops')).status, 200);
    const no = await request.get('/roles').set('x-roles', 'user');
    assert.equal(no.status, 403);
    assert.equal(no.body.error, 'AUTH_008');
    assert.doesNotMatch(no.headers['www-authenticate'] || '', /scope=/);
  });

  it('no msg.auth (no check node before it) → 401 AUTH_001 with a Bearer challenge', async () => {
    const res = await request.get('/none');
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'AUTH_001');
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="api"');
  });

  it('respond automatically: the node answers the 403 itself', async () => {
    const res = await get('/respond', 'reader');
    assert.equal(res.status, 403);
    assert.equal(res.headers['cache-control'], 'no-store');
  });
});
