'use strict';
// ioredis and pg load only when a Redis or PostgreSQL store is built: a user of
// the memory/context store (or of no store) never loads either driver.
// Each case runs in a fresh process, since this mocha process has loaded both.
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..', '..');

/** Runs `body` in a fresh Node; it prints a JSON answer on its last line. */
function fresh(body) {
  const script = `
    const drivers = () => Object.keys(require.cache)
      .map((f) => (/[\\\\/]node_modules[\\\\/](ioredis|pg)[\\\\/]/.exec(f) || [])[1]).filter(Boolean);
    const loaded = () => [...new Set(drivers())].sort();
    (async () => { ${body} })().then((out) => { console.log(JSON.stringify(out)); process.exit(0); },
      (err) => { console.error(err); process.exit(1); });`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 20000 });
  return JSON.parse(out.trim().split('\n').pop());
}

describe('lib/store: database drivers load lazily', function () {
  this.timeout(30000);

  it('requiring the package, its subpaths, the internal entry and every node module loads neither ioredis nor pg', () => {
    const out = fresh(`
      require('@authflow/node-red-api-auth');
      require('@authflow/node-red-api-auth/middleware');
      const { createStore } = require('@authflow/node-red-api-auth/store');
      require('./dist/lib/internal');
      for (const file of Object.values(require('./package.json')['node-red'].nodes)) require('./' + file);
      const memory = createStore({ type: 'memory' });
      await memory.set('k', 'v');
      await memory.close();
      return loaded();`);
    assert.deepEqual(out, []);
  });

  it('a Redis store loads ioredis (and only it); a PostgreSQL store loads pg', () => {
    const out = fresh(`
      const { createStore } = require('@authflow/node-red-api-auth/store');
      const redis = createStore({ type: 'redis', url: 'redis://127.0.0.1:1', commandTimeoutMs: 100 });
      const afterRedis = loaded();
      const pg = createStore({ type: 'postgres', connectionString: 'postgres://nobody@127.0.0.1:1/none', queryTimeoutMs: 100 });
      const afterPg = loaded();
      await Promise.allSettled([redis.close(), pg.close()]);
      return { afterRedis, afterPg };`);
    assert.deepEqual(out, { afterRedis: ['ioredis'], afterPg: ['ioredis', 'pg'] });
  });
});
