'use strict';
// `npm run bench`: micro-benchmarks, then real Node-RED processes driven by
// autocannon on 127.0.0.1 — throughput against the bare flow in interleaved
// rounds, a login storm, a memory flood — and docs/BENCHMARKS.md.
// Everything started here is stopped on exit, Ctrl-C or error.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { options, selected } = require('./options');
const { buildFixtures } = require('./fixtures');
const { scenarios, dropApiKeyFixture } = require('./scenarios');
const { registeredTypes, unavailable } = require('./flow');
const { stopAll, killAllSync } = require('./node-red');
const { stopAllLoad } = require('./load');
const { machineInfo } = require('./machine');
const { runMicro } = require('./micro');
const { runJose } = require('./jose');
const { startInstances } = require('./instances');
const { runThroughput } = require('./throughput');
const { stormCases, runStorm, stopStormClients } = require('./storm');
const { memoryKinds, floodKind, libFlood } = require('./memory');
const { writeReport, saveResults, LAST_RESULTS } = require('./report');

const log = (...a) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);
const mib = (b) => (b / 2 ** 20).toFixed(1);

let dataDir;
function removeDataDir() {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
async function cleanup() {
  stopAllLoad();
  stopStormClients();
  await stopAll();
  removeDataDir();
}
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping everything`);
    cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', () => {
  stopAllLoad();
  stopStormClients();
  killAllSync();
  removeDataDir();
});

async function stormPhase(inst, fx, types, opts, results) {
  for (const c of stormCases(fx).filter((x) => selected(opts, 'storm', x.id))) {
    const entry = { id: c.id, label: c.label, skipped: unavailable(c, types) };
    results.storm.push(entry);
    if (entry.skipped) continue;
    log(`storm: ${c.label}`);
    entry.result = await runStorm(c, { ports: inst.ports, seconds: opts.stormSeconds, rate: opts.stormRate, connections: opts.stormConnections });
    log(`  quiet p99 ${entry.result.quiet.p99.toFixed(2)} ms, storm p99 ${entry.result.during.p99.toFixed(2)} ms`);
  }
}

async function memoryPhase(inst, fx, types, opts, results) {
  const kinds = memoryKinds.filter((k) => selected(opts, 'memory', k.id)).map((k) => ({ ...k, skipped: unavailable(k, types) }));
  const live = kinds.filter((k) => !k.skipped);
  for (const k of kinds) {
    const entry = { id: k.id, label: k.label, skipped: k.skipped };
    results.memory.push(entry);
    if (k.skipped) continue;
    log(`memory: ${k.label}`);
    const m = await floodKind(inst.main, k, fx, { requests: Math.ceil(opts.memoryRequests / live.length), seconds: opts.memorySeconds / live.length });
    entry.result = m;
    log(`  ${m.sent} sent; heap after GC ${mib(m.before.heap)} → ${mib(m.after.heap)} MiB; RSS ${mib(m.before.rss)} → ${mib(m.after.rss)} MiB; ` +
      `second half ${m.slope.toFixed(1)} bytes/request`);
  }
}

async function main(opts) {
  const types = registeredTypes();
  if (opts.nice !== undefined) os.setPriority(0, opts.nice); // children inherit it
  const results = { opts, machine: machineInfo(), storm: [], memory: [] };
  log(`mode ${opts.quick ? 'quick' : 'full'}; registered nodes: ${[...types].join(', ')}`);
  const fx = await buildFixtures();

  if (opts.phases.has('micro')) {
    log('micro-benchmarks');
    results.micro = await runMicro(fx, { ms: opts.microMs });
    log('lib memory flood');
    results.libFlood = await libFlood(fx, { count: opts.libFloodCount });
  }
  if (opts.phases.has('micro') || opts.phases.has('jose')) {
    log('jose against the synchronous JWT core (warm, cold, cold during hashing storms)');
    results.jose = await runJose({ ms: opts.microMs, seconds: opts.quick ? 2 : 5, scryptHash: fx.scryptHash });
  }
  const all = scenarios.map((s) => ({ ...s, skipped: unavailable(s, types) }));
  // A selected scenario brings its reference route along (its ratio is measured against it).
  const wanted = (s) => !opts.only || s.id === 'bare' || opts.only.has(s.id) || all.some((o) => o.reference === s.id && opts.only.has(o.id));
  results.scenarios = all.filter(wanted);
  if (!['throughput', 'storm', 'memory'].some((p) => opts.phases.has(p))) return results;

  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-bench-data-'));
  try {
    const inst = await startInstances(fx, all.filter((s) => !s.skipped), types, { port: opts.port, dataDir, log });
    if (opts.phases.has('throughput')) {
      Object.assign(results, await runThroughput(inst, results.scenarios.filter((s) => !s.skipped), opts, log));
    }
    if (opts.phases.has('storm')) await stormPhase(inst, fx, types, opts, results);
    if (opts.phases.has('memory')) await memoryPhase(inst, fx, types, opts, results);
  } finally {
    await cleanup();
    await dropApiKeyFixture(fx);
  }
  return results;
}

async function run() {
  const t0 = Date.now();
  const opts = options();
  const results = await main(opts);
  results.totalSeconds = (Date.now() - t0) / 1000;
  saveResults(results);
  writeReport(results, opts.out);
  log(`wrote ${opts.out} (${Math.round(results.totalSeconds)} s); raw results in ${LAST_RESULTS}`);
}

run().catch(async (err) => {
  console.error(err && err.stack ? err.stack : err);
  await cleanup();
  process.exit(1);
});
