'use strict';
// An OAuth 2.0 authorization server flow (authflow-issuer + authflow-oauth2-server
// + one authflow-oauth2 node per endpoint) with a partner API behind
// `bearer → scope`, served by a real HTTP server on RED.httpNode, so that
// independent clients (openid-client, jose) can discover and call it.
const crypto = require('node:crypto');
const http = require('node:http');
const { freePort } = require('../support/node-red-process');
const { load, getRED } = require('../support/flow-harness');
const { ClientSecretHasher } = require('../../dist/lib/internal');

const oauthModules = () => [
  require('../../dist/nodes/oauth2/authflow-oauth2-server.js'),
  require('../../dist/nodes/oauth2/authflow-oauth2.js'),
  require('../../dist/nodes/scope/authflow-scope.js'),
];

const SECRET_KEY = crypto.randomBytes(32).toString('base64url');
const hasher = new ClientSecretHasher(SECRET_KEY);
const AUD = ['https://api.example.com/orders', 'https://api.example.com/billing'];


const placed = (n) => ({ x: 100, y: 100, z: 'f1', ...n });

/** `http in` → node → `http response` (and output 1 of check nodes through an echo of msg.auth). */
function endpoint(id, method, url, operation) {
  return [
    placed({ id: `${id}-in`, type: 'http in', url, method, wires: [[id]] }),
    placed({ id, type: 'authflow-oauth2', server: 'srv', operation, respond: true, wires: [[], []] }),
  ];
}

/**
 * Loads the server flow. `issuer`: authflow-issuer config overrides;
 * `clients`: the client list (typed into the server's credentials unless
 * `server.clientsType` says otherwise).
 */
async function loadOAuthFlow({ port, issuer = {}, issuerCreds = {}, server = {}, serverCreds = {}, clients, extraNodes = [] } = {}) {
  const iss = `http://127.0.0.1:${port}`;
  const flow = [
    { id: 'f1', type: 'tab', label: 'oauth2' },
    { id: 'iss1', type: 'authflow-issuer', iss, aud: AUD.join(' '), format: 'jwt', alg: 'ES256', accessTtl: 600, ...issuer },
    { id: 'srv', type: 'authflow-oauth2-server', issuer: 'iss1', clientsType: 'cred', clients: '', scopesSupported: 'orders:read orders:write', ...server },
    ...endpoint('token', 'post', '/oauth/token', 'token'),
    placed({ id: 'token-get', type: 'http in', url: '/oauth/token', method: 'get', wires: [['token']] }),
    ...endpoint('revoke', 'post', '/oauth/revoke', 'revoke'),
    ...endpoint('introspect', 'post', '/oauth/introspect', 'introspect'),
    ...endpoint('metadata', 'get', '/.well-known/oauth-authorization-server', 'metadata'),
    ...endpoint('jwks', 'get', '/oauth/jwks', 'jwks'),
    // The partner API: bearer (same issuer, nothing else configured) → scope → echo.
    placed({ id: 'api-in', type: 'http in', url: '/api/orders', method: 'get', wires: [['bearer']] }),
    placed({ id: 'bearer', type: 'authflow-bearer', keySource: 'issuer', issuer: 'iss1', realm: 'api', wires: [['scope'], ['api-out']] }),
    placed({ id: 'scope', type: 'authflow-scope', scopes: 'orders:read', scopesType: 'str', wires: [['api-ok'], ['api-out']] }),
    placed({ id: 'api-ok', type: 'function', func: 'msg.payload = { ok: true, auth: msg.auth }; return msg;', wires: [['api-out']] }),
    placed({ id: 'api-out', type: 'http response', wires: [] }),
    ...extraNodes.map(placed),
  ];
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const credentials = {
    iss1: { privateKey: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }), ...issuerCreds },
    srv: { secretKey: SECRET_KEY, clientList: JSON.stringify(clients ?? []), ...serverCreds },
  };
  const request = await load(['authflow-issuer', 'authflow-bearer'], flow, credentials, oauthModules());
  return { request, iss };
}

/** A real HTTP server on RED.httpNode at `port` (for clients that need a URL). */
function listen(port) {
  const server = http.createServer(getRED().httpNode);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  })));
}

/** A client record with a fresh secret (returned once). */
function client(id, extra = {}, secret) {
  const made = secret === undefined ? hasher.generate(id) : { secret, hash: hasher.hash(id, secret) };
  return { record: { client_id: id, client_secrets: [made.hash], ...extra }, secret: made.secret };
}

/** RFC 6749 App. B: form-urlencode, then Basic. */
const formEncode = (v) => encodeURIComponent(v).replace(/%20/g, '+').replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const basic = (id, secret) => 'Basic ' + Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64');

module.exports = { loadOAuthFlow, listen, freePort, client, hasher, basic, formEncode, SECRET_KEY, AUD };
