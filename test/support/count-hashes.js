'use strict';
// Spies on password hash checks (real ones and the dummy work for unknown
// users) while `fn` runs. Every check goes through verifyPassword, which hands
// it to a worker thread; the lib calls it through the module object, so a spy
// there sees each one.
const verify = require('../../dist/lib/passwords/verify');

/** The stored hashes verifyPassword was called with while fn ran, in order. */
async function hashedAgainst(fn) {
  const original = verify.verifyPassword;
  const seen = [];
  verify.verifyPassword = function (presented, stored) { seen.push(stored); return original.call(this, presented, stored); };
  try {
    await fn();
  } finally {
    verify.verifyPassword = original;
  }
  return seen;
}

/** How many hash checks ran while fn ran. */
const countHashes = async (fn) => (await hashedAgainst(fn)).length;

module.exports = { countHashes, hashedAgainst };
