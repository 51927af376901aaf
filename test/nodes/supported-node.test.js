'use strict';
// Issue 11 defect 4 (Node 18 part): on a Node.js older than package.json
// "engines", every node module refuses to register with a clear message
// instead of loading and failing each request with `internal: TypeError`.
// The real-process view (what the palette shows) is test/e2e/old-node.test.js.
const assert = require('node:assert/strict');
const path = require('node:path');
const pkg = require('../../package.json');
const { unsupportedNodeProblem } = require('../../dist/nodes/shared/supported-node');

const ROOT = path.join(__dirname, '..', '..');

/** Runs fn with process.versions.node reading `version`, then restores it. */
function withNodeVersion(version, fn) {
  const real = Object.getOwnPropertyDescriptor(process.versions, 'node');
  Object.defineProperty(process.versions, 'node', { ...real, value: version });
  try {
    return fn();
  } finally {
    Object.defineProperty(process.versions, 'node', real);
  }
}

/** Enough of RED for a register function to reach registerType; records what it registered. */
function fakeRed() {
  const registered = [];
  const noop = () => {};
  const log = { error: noop, warn: noop, info: noop, debug: noop, trace: noop };
  const route = { get: noop, post: noop, put: noop, delete: noop, use: noop };
  return {
    registered,
    nodes: { registerType: (type) => registered.push(type), createNode: noop, getNode: noop, getCredentials: noop },
    settings: {}, log, httpAdmin: route, httpNode: route, auth: { needsPermission: () => noop },
    util: {}, events: { on: noop, once: noop, removeListener: noop }, _: (k) => k,
  };
}

describe('nodes refuse an unsupported Node.js', () => {
  it('reads the npm range forms engines uses, numerically', () => {
    const cases = {
      '>=20.12': { yes: ['20.12.0', '20.19.4', '21.0.0', '22.23.3', 'v24.0.0'], no: ['18.20.8', '20.11.1', '20.9.0', '19.9.0'] },
      '^20.19.0 || >=22.12.0': { yes: ['20.19.0', '20.20.2', '22.12.0', '22.23.3', '24.1.0'], no: ['18.20.8', '20.18.3', '21.7.3', '22.11.0'] },
      '>=20 <23': { yes: ['20.0.0', '22.99.1'], no: ['19.9.9', '23.0.0'] },
      '~22.12': { yes: ['22.12.0', '22.12.9'], no: ['22.13.0', '22.11.9'] },
    };
    for (const [range, { yes, no }] of Object.entries(cases)) {
      for (const v of yes) assert.equal(unsupportedNodeProblem(v, range), undefined, `${v} in ${range}`);
      for (const v of no) assert.ok(unsupportedNodeProblem(v, range), `${v} not in ${range}`);
    }
    assert.throws(() => unsupportedNodeProblem('22.0.0', '20.x || latest'), /not a version/);
  });

  it('package.json engines.node is readable by the check, accepts this Node and refuses Node 18', () => {
    assert.equal(unsupportedNodeProblem(process.versions.node), undefined);
    assert.match(unsupportedNodeProblem('18.20.8'), new RegExp(`needs Node\\.js ${pkg.engines.node.replace(/[|^.]/g, '\\$&')}`));
  });

  for (const [type, file] of Object.entries(pkg['node-red'].nodes)) {
    it(`${type}: on Node.js 18 register() throws the clear message and registers nothing`, () => {
      const register = require(path.join(ROOT, file));
      const red = fakeRed();
      withNodeVersion('18.20.4', () => {
        assert.throws(() => register(red), (err) => {
          assert.match(err.message, /@authflow\/node-red-api-auth needs Node\.js \S/);
          assert.match(err.message, /this Node-RED runs on Node\.js 18\.20\.4/);
          assert.match(err.message, /Upgrade Node\.js/);
          return true;
        });
      });
      assert.deepEqual(red.registered, []);
    });
  }
});
