'use strict';
// Counts password hash checks (real ones and the dummy work for unknown users)
// while `fn` runs. Every check goes through verifyPassword, which hands it to
// a worker thread; the lib calls it through the module object, so a spy there
// sees each one.
const verify = require('../../dist/lib/passwords/verify');

async function countHashes(fn) {
  const original = verify.verifyPassword;
  let calls = 0;
  verify.verifyPassword = function (...args) { calls++; return original.apply(this, args); };
  try {
    await fn();
  } finally {
    verify.verifyPassword = original;
  }
  return calls;
}

module.exports = { countHashes };
