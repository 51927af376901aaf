'use strict';
// The authflow-audit node module for node-red-node-test-helper. The helper's
// mock runtime leaves out RED.hooks; a real Node-RED gives nodes
// @node-red/util's hooks (runtime/lib/index.js), the same object the
// runtime's Node.prototype._complete triggers — so we hand the node that.
const { fromNodeRed } = require('./node-red-version');
const { hooks } = require(fromNodeRed('@node-red/util'));
const auditNode = require('../../dist/nodes/audit/authflow-audit.js');

function auditModule(RED) {
  if (!RED.hooks) RED.hooks = hooks;
  return auditNode(RED);
}

module.exports = { auditModule };
