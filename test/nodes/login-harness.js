'use strict';
// Loads the session nodes (authflow-issuer config, authflow-login,
// authflow-bearer, and the core/ip nodes a flow needs) into the shared
// node-red-node-test-helper runtime, and returns a supertest agent for
// RED.httpNode, plus helpers to build session routes.
const { helper, start, stop, load, rawRequest, getRED } = require('../support/flow-harness');

const SESSION_TYPES = ['authflow-issuer', 'authflow-login', 'authflow-bearer', 'authflow-ip'];

function loadSession(flow, credentials = {}, extraModules = []) {
  return load(SESSION_TYPES, flow, credentials, extraModules);
}

/** `http in` (method, url) → node `id` → output 1 via `ok` (echo msg.auth) or straight, output 2 → response. */
function route(id, url, method, node, { echo = false } = {}) {
  const out = `${id}-out`;
  const nodes = [
    { id: `${id}-in`, type: 'http in', z: 'f1', url, method, wires: [[id]] },
    { id, z: 'f1', ...node, wires: [[echo ? `${id}-ok` : out], [out]] },
    { id: out, type: 'http response', z: 'f1', wires: [] },
  ];
  if (echo) nodes.push({ id: `${id}-ok`, type: 'function', z: 'f1', func: 'msg.payload = { ok: true, auth: msg.auth }; return msg;', wires: [[out]] });
  return nodes.map(placed);
}

/** x/y make a node a flow node: without them Node-RED treats it as a config node. */
const placed = (n) => ({ x: 100, y: 100, ...n });

const TAB = { id: 'f1', type: 'tab', label: 'session test' };

/** Decoded JWT parts, without verification (for assertions). */
function decodeJwt(token) {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), claims: JSON.parse(Buffer.from(p, 'base64url')) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { placed, helper, start, stop, loadSession, route, TAB, rawRequest, decodeJwt, sleep, getRED };
