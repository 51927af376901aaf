'use strict';
// Which Node-RED the tests run against: 4.1 (package `node-red`) by default,
// Node-RED 5 (devDependency alias `node-red-5`) when AUTHFLOW_NODE_RED=5.
// .ci/run runs the suite once for each (Node-RED 5 under Node 22).
const path = require('path');

const pkg = process.env.AUTHFLOW_NODE_RED === '5' ? 'node-red-5' : 'node-red';
const redDir = path.dirname(require.resolve(`${pkg}/package.json`));

/** Resolves a module as the selected Node-RED would (its own @node-red/* copies). */
function fromNodeRed(id) {
  return require.resolve(id, { paths: [redDir] });
}

module.exports = { pkg, redDir, redMain: require.resolve(pkg), redJs: path.join(redDir, 'red.js'), fromNodeRed, version: require(`${pkg}/package.json`).version };
