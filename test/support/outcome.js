'use strict';
// How a call ended, in the form tests compare: "<status> <AUTH code>" of the
// AuthError it threw (or 'ok' for a promise that resolved). Anything else
// thrown is a bug and fails the test rather than reading as a refusal.
const assert = require('node:assert/strict');
const { AuthError } = require('../../dist/lib/internal');

const refusal = (e) => {
  assert.ok(e instanceof AuthError, String(e && e.stack ? e.stack : e));
  return `${e.status} ${e.code}`;
};

/** The value of a synchronous call, or its refusal. */
function outcome(fn) {
  try {
    return fn();
  } catch (e) {
    return refusal(e);
  }
}

/** 'ok' once the promise resolves, or its refusal. */
async function settled(p) {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return refusal(e);
  }
}

module.exports = { outcome, settled };
