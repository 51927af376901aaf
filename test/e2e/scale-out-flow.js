'use strict';
// The flow both scale-out instances run: one authflow-store on Redis, one
// authflow-issuer using it, and the session endpoints (login, refresh,
// logout, enrol) plus a bearer-protected route — the same flows.json and
// flows_cred.json on every instance, as behind a load balancer.

/** `http in` → node → (output 1 → next or response, output 2 → response). */
function route(id, url, method, node, next) {
  const out = `${id}-out`;
  return [
    { id: `${id}-in`, type: 'http in', z: 'tab', url, method, x: 100, y: 100, wires: [[id]] },
    { id, z: 'tab', x: 300, y: 100, ...node, wires: [[next || out], [out]] },
    { id: out, type: 'http response', z: 'tab', x: 500, y: 100, wires: [] },
  ];
}

/**
 * flows.json nodes and their credentials (flows_cred.json, unencrypted).
 * `users` is the login node's user list (JSON text, password hashes only).
 */
function scaleOutFlow({ redisUrl, keyPrefix, secret, users, lockout }) {
  const login = (id, operation, extra = {}) => ({ type: 'authflow-login', issuer: 'iss', operation, ...extra });
  const flows = [
    { id: 'tab', type: 'tab', label: 'scale-out' },
    { id: 'store', type: 'authflow-store', name: 'shared redis', backend: 'redis', keyPrefix, timeout: 2000 },
    { id: 'iss', type: 'authflow-issuer', name: 'issuer', iss: 'https://api.example.test', aud: 'demo-api', accessTtl: 600, refreshTtl: 3600, store: 'store' },
    ...route('login', '/login', 'post', login('login', 'login', { usersType: 'cred', totp: 'enrolled', ...lockout })),
    ...route('refresh', '/refresh', 'post', login('refresh', 'refresh')),
    ...route('logout', '/logout', 'post', login('logout', 'logout')),
    ...route('api', '/api', 'get', { type: 'authflow-bearer', keySource: 'issuer', issuer: 'iss' }, 'api-ok'),
    { id: 'api-ok', type: 'function', z: 'tab', x: 400, y: 200, func: 'msg.payload = { ok: true, auth: msg.auth }; return msg;', wires: [['api-out']] },
    // Enrolment sits behind a bearer node: only an authenticated user enrols.
    { id: 'enrol-in', type: 'http in', z: 'tab', url: '/totp', method: 'post', x: 100, y: 300, wires: [['enrol-bearer']] },
    { id: 'enrol-bearer', type: 'authflow-bearer', z: 'tab', keySource: 'issuer', issuer: 'iss', x: 300, y: 300, wires: [['enrol'], ['enrol-out']] },
    { id: 'enrol', type: 'authflow-login', z: 'tab', issuer: 'iss', operation: 'enrol', totpLabel: 'Scale-out', x: 500, y: 300, wires: [['enrol-out'], ['enrol-out']] },
    { id: 'enrol-out', type: 'http response', z: 'tab', x: 700, y: 300, wires: [] },
  ];
  const creds = {
    store: { redisUrl },
    iss: { secret },
    login: { userList: users },
  };
  return { flows, creds };
}

module.exports = { scaleOutFlow };
