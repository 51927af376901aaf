'use strict';
// Command-line flags and BENCH_* environment variables of `npm run bench`.
// A flag `--name=value` wins over its environment variable.
const os = require('os');
const path = require('path');
const { root } = require('../scripts/node-red-instance');

function niceLevel(v) {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < -20 || n > 19) throw new Error('BENCH_NICE must be an integer from -20 to 19');
  return n;
}

function options(argv = process.argv.slice(2), env = process.env) {
  const flag = (name) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const value = (name, envName) => {
    const f = flag(name);
    if (f && f.includes('=')) return f.slice(f.indexOf('=') + 1);
    return env[envName];
  };
  const num = (name, envName, dflt) => {
    const v = value(name, envName);
    if (v === undefined || v === '') return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${envName} must be a non-negative number`);
    return n;
  };
  const list = (v) => (v ? new Set(v.split(',').map((s) => s.trim()).filter(Boolean)) : undefined);
  const quick = !!flag('quick') || env.BENCH_QUICK === '1';
  return {
    quick,
    phases: list(value('phases', 'BENCH_PHASES') || 'micro,throughput,storm,memory'),
    // Scenario ids, `storm` / `storm-<id>`, `memory` / `memory-<id>`: what is measured (the flow always holds every route).
    only: list(value('only', 'BENCH_ONLY')),
    rounds: num('rounds', 'BENCH_ROUNDS', quick ? 2 : 4),
    roundSeconds: num('round-seconds', 'BENCH_ROUND_SECONDS', quick ? 1 : 2),
    connections: num('connections', 'BENCH_CONNECTIONS', 10),
    warmupSeconds: 1,
    // Runs during which other processes kept more than this many cores busy are flagged "noisy";
    // with BENCH_RETRIES > 0 such a (bare, X, bare) triple is measured again, within the time budget.
    maxBackground: num('max-background', 'BENCH_MAX_BACKGROUND', 0.3),
    retries: num('retries', 'BENCH_RETRIES', 0),
    throughputBudgetSeconds: quick ? 120 : 360,
    stormSeconds: num('storm-seconds', 'BENCH_STORM_SECONDS', quick ? 2 : 10),
    // 200 req/s for 10 s: 2,000 samples, so the p99 is the 20th-slowest request rather than one outlier.
    stormRate: 200,
    stormConnections: 16,
    memoryRequests: num('memory-requests', 'BENCH_MEMORY_REQUESTS', quick ? 20000 : 1000000),
    memorySeconds: num('memory-seconds', 'BENCH_MEMORY_SECONDS', quick ? 20 : 120),
    libFloodCount: quick ? 100000 : 1000000,
    microMs: quick ? 100 : 500,
    port: num('port', 'BENCH_PORT', 18880),
    // Opt-in: the bench, its Node-RED processes and storm clients run at this nice level
    // (e.g. -10 as root) so other work on a shared machine disturbs the ratios less.
    nice: niceLevel(value('nice', 'BENCH_NICE')),
    out: value('out', 'BENCH_OUT') || (quick ? path.join(os.tmpdir(), 'authflow-BENCHMARKS-quick.md') : path.join(root, 'docs', 'BENCHMARKS.md')),
  };
}

/** Whether a storm case or memory kind is selected by BENCH_ONLY. */
function selected(opts, phase, id) {
  return !opts.only || opts.only.has(phase) || opts.only.has(`${phase}-${id}`);
}

module.exports = { options, selected };
