'use strict';
// Validates audit events against the JSON Schema kept in the repo
// (lib/audit/event.schema.json) with ajv 8 (draft 2020-12). ajv is not a
// dependency of ours: it comes with Node-RED (@node-red/nodes), a dev
// dependency, and is resolved from there. `date-time` is checked as
// RFC 3339 (ajv-formats is not installed).
const path = require('path');
const assert = require('assert/strict');
const { fromNodeRed } = require('./node-red-version');

const Ajv2020 = require(require.resolve('ajv/dist/2020', { paths: [path.dirname(require.resolve(fromNodeRed('@node-red/nodes/package.json')))] }));
const schema = require('../../lib/audit/event.schema.json');

const ajv = new Ajv2020({ strict: true, allErrors: true });
ajv.addFormat('date-time', (s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && Number.isFinite(Date.parse(s)));
const validate = ajv.compile(schema);

/** Throws with ajv's errors when `event` does not match the schema. */
function assertAuditEvent(event) {
  const ok = validate(event);
  assert.ok(ok, `audit event does not match lib/audit/event.schema.json: ${JSON.stringify(validate.errors)}\n${JSON.stringify(event)}`);
}

module.exports = { assertAuditEvent, auditEventSchema: schema, validateAuditEvent: validate };
