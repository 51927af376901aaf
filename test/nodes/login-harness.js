'use strict';
// Loads the session nodes (authflow-issuer config, authflow-login,
// authflow-bearer, and the core/ip nodes a flow needs) into the shared
// node-red-node-test-helper runtime, and returns a supertest agent for
// RED.httpNode. The shared flow-harness knows login and bearer but not the
// issuer config node, hence this small wrapper.
const http = require('http');
const net = require('net');
const supertest = require('supertest');
const { helper, start, stop } = require('../support/flow-harness');
const { fromNodeRed } = require('../support/node-red-version');

const httpIn = require(fromNodeRed('@node-red/nodes/core/network/21-httpin.js'));
const functionNode = require(fromNodeRed('@node-red/nodes/core/function/10-function.js'));

let RED;
function capturingHttpIn(red) {
  RED = red;
  return httpIn(red);
}

const session = [
  require('../../dist/nodes/login/authflow-issuer.js'),
  require('../../dist/nodes/login/authflow-login.js'),
  require('../../dist/nodes/bearer/authflow-bearer.js'),
  require('../../dist/nodes/ip/authflow-ip.js'),
];

async function loadSession(flow, credentials = {}, extraModules = []) {
  await new Promise((resolve) => helper.load([capturingHttpIn, functionNode, ...session, ...extraModules], flow, credentials, resolve));
  return supertest(RED.httpNode);
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

/** Bytes as written (e.g. a repeated header, which supertest cannot send). */
function rawRequest(path, headerLines, method = 'GET') {
  const server = http.createServer(RED.httpNode).listen(0, '127.0.0.1');
  return new Promise((resolve, reject) => {
    server.on('listening', () => {
      const socket = net.connect(server.address().port, '127.0.0.1', () => {
        socket.write([`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headerLines, '', ''].join('\r\n'));
      });
      let raw = '';
      socket.on('data', (d) => (raw += d));
      socket.on('error', (e) => { server.close(); reject(e); });
      socket.on('end', () => {
        server.close();
        const [head, body] = raw.split('\r\n\r\n');
        const headers = {};
        for (const line of head.split('\r\n').slice(1)) {
          const i = line.indexOf(':');
          headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
        }
        const text = /chunked/i.test(headers['transfer-encoding'] || '') ? body.split('\r\n').filter((_, i) => i % 2 === 1).join('') : body;
        resolve({ status: Number(head.split(' ')[1]), headers, text, body: text ? JSON.parse(text) : undefined });
      });
    });
  });
}

/** Decoded JWT parts, without verification (for assertions). */
function decodeJwt(token) {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), claims: JSON.parse(Buffer.from(p, 'base64url')) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { placed, helper, start, stop, loadSession, route, TAB, rawRequest, decodeJwt, sleep, getRED: () => RED };
