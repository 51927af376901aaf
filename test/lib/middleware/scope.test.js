'use strict';
/**
 * requireScope() / { type: 'scope' } for settings.js over real HTTP: the
 * authorization of lib/authz (as the authflow-scope node) on the req.auth an
 * earlier check of ours set. No req.auth → 401; not enough → 403 AUTH_008
 * with the insufficient_scope challenge (RFC 6750 §3.1); a req.auth set by
 * anything else is never believed.
 */
const assert = require('node:assert/strict');
const http = require('node:http');
const express = require('express');
const supertest = require('supertest');
const { createAuthMiddleware, bearerAuth, apiToken, requireScope, chain } = require('../../../dist/lib/middleware');
const { buildSigningKey, signJwt, auditEvents } = require('../../../dist/lib/internal');

const SECRET = 'a-very-long-hs256-secret-of-at-least-32-bytes!';
const hs = buildSigningKey({ alg: 'HS256', secret: SECRET });
const now = () => Math.floor(Date.now() / 1000);
const token = (claims) => 'Bearer ' + signJwt({ sub: 'alice', iat: now(), exp: now() + 300, ...claims }, hs);
const quiet = { onWarning: () => {} };
const INSUFFICIENT = (scope) => `Bearer realm="api", error="insufficient_scope", error_description="Insufficient scope", scope="${scope}"`;

/** A plain Node server: the middleware, then a handler that echoes req.auth and counts next(). */
function serve(mw) {
  const state = { next: 0 };
  const server = http.createServer((req, res) => mw(req, res, (err) => {
    state.next++;
    res.statusCode = err === undefined ? 200 : 500;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ auth: req.auth ?? null }));
  }));
  return { state, api: supertest(server) };
}

function assertRefused(res, state, status, code) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, code);
  assert.deepEqual(Object.keys(res.body).sort(), ['error', 'message']);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(state.next, 0, 'next() must not be called after a refusal');
}

describe('middleware requireScope()', function () {
  this.timeout(20000);

  it('Express route: bearerAuth → requireScope over real HTTP; the handler runs only with every scope', async () => {
    const app = express();
    let handled = 0;
    app.get('/orders', bearerAuth({ secret: SECRET, ...quiet }), requireScope({ scopes: ['orders:write', 'orders:read'], ...quiet }), (req, res) => {
      handled++;
      res.json({ subject: req.auth.subject, scopes: req.auth.scopes, method: req.auth.method });
    });
    const api = supertest(app);

    const ok = await api.get('/orders').set('Authorization', token({ scope: 'orders:read orders:write' })).expect(200);
    assert.deepEqual(ok.body, { subject: 'alice', scopes: ['orders:read', 'orders:write'], method: 'bearer' });

    const short = await api.get('/orders').set('Authorization', token({ scope: 'orders:read' }));
    assert.equal(short.status, 403);
    assert.equal(short.body.error, 'AUTH_008');
    assert.equal(short.headers['www-authenticate'], INSUFFICIENT('orders:write orders:read'));
    assert.equal(short.headers['cache-control'], 'no-store');

    // No token: the bearer check answers first (401, bare challenge); requireScope never runs.
    const none = await api.get('/orders');
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="api"');
    assert.equal(handled, 1);
  });

  it('no earlier check of ours → 401 AUTH_001 with a Bearer challenge; a req.auth set by someone else is not believed', async () => {
    const { api, state } = serve(requireScope({ scopes: 'admin', ...quiet }));
    const res = await api.get('/x');
    assertRefused(res, state, 401, 'AUTH_001');
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="api"');

    // Another middleware (or a client-influenced property) putting scopes on req.auth grants nothing.
    const forged = chain([(req, _res, next) => { req.auth = { method: 'bearer', subject: 'mallory', scopes: ['admin'] }; next(); }, requireScope({ scopes: 'admin', ...quiet })]);
    const f = serve(forged);
    assertRefused(await f.api.get('/x'), f.state, 401, 'AUTH_001');
  });

  it('scopeMatch any; roles all/any; a roles refusal is 403 AUTH_008 without the scope attribute', async () => {
    const any = serve(chain([bearerAuth({ secret: SECRET, ...quiet }), requireScope({ scopes: 'a b', scopeMatch: 'any', ...quiet })]));
    await any.api.get('/x').set('Authorization', token({ scope: 'b' })).expect(200);
    const none = await any.api.get('/x').set('Authorization', token({ scope: 'c' }));
    assert.equal(none.status, 403);
    assert.equal(none.headers['www-authenticate'], INSUFFICIENT('a b'));

    const roles = serve(createAuthMiddleware({ checks: [{ type: 'bearer', secret: SECRET }, { type: 'scope', roles: ['ops', 'admin'] }], ...quiet }));
    await roles.api.get('/x').set('Authorization', token({ roles: ['admin', 'ops'] })).expect(200);
    const one = await roles.api.get('/x').set('Authorization', token({ roles: ['ops'] }));
    assert.deepEqual([one.status, one.body.error, roles.state.next], [403, 'AUTH_008', 1]);
    assert.equal(one.headers['www-authenticate'], 'Bearer realm="api"');

    const either = serve(createAuthMiddleware({ checks: [{ type: 'bearer', secret: SECRET }, { type: 'scope', roles: 'ops, admin', roleMatch: 'any', scopes: 'read' }], ...quiet }));
    await either.api.get('/x').set('Authorization', token({ roles: ['ops'], scope: 'read' })).expect(200);
    assert.equal((await either.api.get('/x').set('Authorization', token({ roles: ['ops'] }))).status, 403, 'scopes and roles are both required');
  });

  it('after an API key (apiToken): the key\'s scopes decide; the refusal is audited with method scope', async () => {
    const mw = createAuthMiddleware({ checks: [
      { type: 'token', tokens: [{ token: 'k-read', subject: 'svc', scopes: ['read'] }, { token: 'k-write', subject: 'svc', scopes: ['read', 'write'] }] },
      { type: 'scope', scopes: 'write' },
    ], ...quiet });
    const { api } = serve(mw);
    const events = [];
    const on = (e) => events.push(e);
    auditEvents.on('decision', on);
    try {
      const ok = await api.get('/x').set('x-auth-token', 'k-write').expect(200);
      assert.equal(ok.body.auth.subject, 'svc');
      assert.equal((await api.get('/x').set('x-auth-token', 'k-read')).status, 403);
    } finally {
      auditEvents.off('decision', on);
    }
    const deny = events.find((e) => e.outcome === 'deny');
    assert.deepEqual([deny.method, deny.code, deny.status, deny.subject], ['scope', 'AUTH_008', 403, undefined]);
    assert.ok(!JSON.stringify(events).includes('k-read'), 'the key never appears in an audit event');
  });

  it('scopes from a function: read per request; undefined (an unset env var) fails closed with 503 AUTH_011', async () => {
    let required;
    const { api, state } = serve(chain([apiToken({ tokens: [{ token: 'k', scopes: ['a'] }], ...quiet }), requireScope({ scopes: () => required, ...quiet })]));
    const missing = await api.get('/x').set('x-auth-token', 'k');
    assertRefused(missing, state, 503, 'AUTH_011');
    required = 'a';
    await api.get('/x').set('x-auth-token', 'k').expect(200);
    required = ['b'];
    assert.equal((await api.get('/x').set('x-auth-token', 'k')).status, 403);
    required = 'bad"scope';
    assert.equal((await api.get('/x').set('x-auth-token', 'k')).status, 503, 'a bad value is a server-side problem, never a pass');
  });

  it('a function whose value is empty ("" or [] or " , ") fails closed like a missing one: 503 AUTH_011, never a pass', async () => {
    let required;
    const { api, state } = serve(chain([apiToken({ tokens: [{ token: 'k', scopes: ['a'] }], ...quiet }), requireScope({ scopes: () => required, ...quiet })]));
    for (const empty of ['', [], ' , ']) {
      required = empty;
      assertRefused(await api.get('/x').set('x-auth-token', 'k'), state, 503, 'AUTH_011');
    }
    let roles;
    const both = serve(chain([apiToken({ tokens: [{ token: 'k', scopes: ['a'] }], ...quiet }), requireScope({ scopes: 'a', roles: () => roles, ...quiet })]));
    roles = [];
    assertRefused(await both.api.get('/x').set('x-auth-token', 'k'), both.state, 503, 'AUTH_011');
  });

  it('refuses bad options at startup', () => {
    assert.throws(() => requireScope({}), /scope: give "scopes" and\/or "roles"/);
    // An empty requirement would pass every authenticated caller (fail open).
    for (const opts of [{ scopes: '' }, { scopes: [] }, { roles: ' , ' }, { scopes: [], roles: '' }]) {
      assert.throws(() => requireScope(opts), /scope: .*scopes and\/or roles/, JSON.stringify(opts));
    }
    assert.throws(() => requireScope({ scope: 'a' }), /unknown option "scope"/);
    assert.throws(() => requireScope({ scopes: 'ok "bad' }), /scope tokens \(RFC 6749/);
    assert.throws(() => requireScope({ roles: 'a', roleMatch: 'some' }), /"all" or "any"/);
    assert.throws(() => createAuthMiddleware({ checks: [{ type: 'scope', scopes: 'a', realm: 'a"b' }] }), /scope: /);
  });
});
