'use strict';
// Loads check nodes between a real `http in` and `http response` in a real
// Node-RED runtime (node-red-node-test-helper) and returns a supertest agent
// for RED.httpNode, so tests send real HTTP requests (DESIGN.md §6).
const helper = require('node-red-node-test-helper');
const supertest = require('supertest');
const { fromNodeRed, redMain } = require('./node-red-version');
const httpIn = require(fromNodeRed('@node-red/nodes/core/network/21-httpin.js'));
const functionNode = require(fromNodeRed('@node-red/nodes/core/function/10-function.js'));
const changeNode = require(fromNodeRed('@node-red/nodes/core/function/15-change.js'));

helper.init(redMain);

let RED;
function capturingHttpIn(red) {
  RED = red;
  return httpIn(red);
}

const ours = {
  'authflow-basic': () => require('../../dist/nodes/basic/authflow-basic.js'),
  'authflow-token': () => require('../../dist/nodes/token/authflow-token.js'),
  'authflow-ip': () => require('../../dist/nodes/ip/authflow-ip.js'),
  'authflow-login': () => require('../../dist/nodes/login/authflow-login.js'),
  'authflow-bearer': () => require('../../dist/nodes/bearer/authflow-bearer.js'),
  'authflow-store': () => require('../../dist/nodes/store/authflow-store.js'),
  'authflow-issuer': () => require('../../dist/nodes/login/authflow-issuer.js'),
};

/**
 * A route `url` (default /api) → node under test (id "check") → output 1 to
 * a 200 JSON response echoing msg.auth, output 2 to an http response.
 */
function protectedRoute(type, config, opts = {}) {
  const url = opts.url || '/api';
  const method = opts.method || 'get';
  return [
    { id: 'in', type: 'http in', url, method, wires: [['check']], z: 'f1' },
    { id: 'check', type, z: 'f1', wires: [['ok'], ['out']], ...config },
    { id: 'ok', type: 'function', z: 'f1', func: 'msg.payload = { ok: true, auth: msg.auth }; return msg;', wires: [['out']] },
    { id: 'out', type: 'http response', z: 'f1', wires: [] },
    { id: 'f1', type: 'tab', label: 'test' },
  ];
}

async function load(types, flow, credentials = {}, extraModules = []) {
  const modules = [capturingHttpIn, functionNode, changeNode, ...types.map((t) => ours[t]()), ...extraModules];
  await new Promise((resolve) => helper.load(modules, flow, credentials, resolve));
  return supertest(RED.httpNode);
}

function start() {
  return new Promise((resolve) => helper.startServer(resolve));
}

async function stop() {
  await helper.unload();
  await new Promise((resolve) => helper.stopServer(resolve));
}

/**
 * Sends a request byte for byte over a socket to RED.httpNode — for what
 * supertest cannot send, such as the same header twice.
 */
function rawRequest(path, headerLines, method = 'GET') {
  const http = require('http');
  const net = require('net');
  const server = http.createServer(RED.httpNode).listen(0, '127.0.0.1');
  return new Promise((resolve, reject) => {
    server.on('listening', () => {
      const socket = net.connect(server.address().port, '127.0.0.1', () => {
        socket.write([`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headerLines, '', ''].join('\r\n'));
      });
      let raw = '';
      socket.on('data', (d) => (raw += d));
      socket.on('error', reject);
      socket.on('end', () => {
        server.close();
        const [head, body] = raw.split('\r\n\r\n');
        const status = Number(head.split(' ')[1]);
        const headers = {};
        for (const line of head.split('\r\n').slice(1)) {
          const i = line.indexOf(':');
          headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
        }
        const text = /chunked/i.test(headers['transfer-encoding'] || '') ? body.split('\r\n').filter((_, i) => i % 2 === 1).join('') : body;
        resolve({ status, headers, text, body: text ? JSON.parse(text) : undefined });
      });
    });
  });
}

module.exports = { helper, load, start, stop, protectedRoute, rawRequest, getRED: () => RED };
