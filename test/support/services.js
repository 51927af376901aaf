'use strict';
// Tests that need Redis, PostgreSQL, MariaDB or chromium: under CI=true a
// missing service fails the suite; elsewhere it skips with a clear note.
const IS_CI = /^(true|1)$/i.test(process.env.CI || '');

/** Skips the calling mocha suite/test (ctx = `this`), or throws under CI. */
function serviceMissing(ctx, why) {
  if (IS_CI) throw new Error(`${why} and CI=true: this suite must run`);
  console.log(`      note: ${why}; skipping. Set CI=true to make this a failure.`);
  ctx.skip();
}

/** Runs `probe`; when it throws, the service is missing (see serviceMissing). */
async function requireService(ctx, label, probe) {
  try {
    await probe();
  } catch (err) {
    serviceMissing(ctx, `${label} not reachable (${err.message})`);
  }
}

module.exports = { IS_CI, serviceMissing, requireService };
