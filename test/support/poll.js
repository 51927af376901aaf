'use strict';
// Waiting for something to come back (a store after an outage), always bounded.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries fn every 100 ms until it resolves; rethrows its last error after withinMs. */
async function eventually(fn, withinMs) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

module.exports = { eventually, sleep };
