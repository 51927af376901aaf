'use strict';
// `npm run bench`: micro-benchmarks, then real Node-RED processes driven by
// autocannon on 127.0.0.1 — throughput against the bare flow in interleaved
// rounds, a login storm, a memory flood — and docs/BENCHMARKS.md.
// Everything started here is stopped on exit, Ctrl-C or error.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { root } = require('../scripts/node-red-instance');
const { buildFixtures, benchData } = require('./fixtures');
const { scenarios, extraRoutes } = require('./scenarios');
const { buildFlow, registeredTypes, unavailable } = require('./flow');
const { startNodeRed, stopAll, killAllSync, waitForRoute } = require('./node-red');
const { runLoad, stopAllLoad } = require('./load');
const { interleave, summarise } = require('./interleave');
const { machineInfo, processJiffies, backgroundMeter } = require('./machine');
const { runMicro } = require('./micro');
const { stormCases, runStorm, stopStormClients } = require('./storm');
const { memoryKinds, floodKind, libFlood } = require('./memory');
const { writeReport } = require('./report');

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
  const quick = !!flag('quick') || env.BENCH_QUICK === '1';
  const phases = (value('phases', 'BENCH_PHASES') || 'micro,throughput,storm,memory').split(',').map((s) => s.trim());
  const only = value('only', 'BENCH_ONLY');
  return {
    quick,
    phases: new Set(phases),
    only: only ? new Set(only.split(',').map((s) => s.trim())) : undefined,
    rounds: num('rounds', 'BENCH_ROUNDS', quick ? 2 : 4),
    roundSeconds: num('round-seconds', 'BENCH_ROUND_SECONDS', quick ? 1 : 2),
    connections: num('connections', 'BENCH_CONNECTIONS', 10),
    warmupSeconds: quick ? 1 : 2,
    // A (bare, X, bare) triple during which other processes kept more than this many cores busy is measured again.
    maxBackground: num('max-background', 'BENCH_MAX_BACKGROUND', 0.3),
    retries: quick ? 0 : 2,
    throughputBudgetSeconds: quick ? 120 : 330,
    stormSeconds: num('storm-seconds', 'BENCH_STORM_SECONDS', quick ? 2 : 6),
    stormRate: 50,
    stormConnections: 16,
    memoryRequests: num('memory-requests', 'BENCH_MEMORY_REQUESTS', quick ? 20000 : 1000000),
    memorySeconds: num('memory-seconds', 'BENCH_MEMORY_SECONDS', quick ? 20 : 180),
    libFloodCount: quick ? 100000 : 1000000,
    microMs: quick ? 100 : 500,
    port: num('port', 'BENCH_PORT', 18880),
    // Opt-in: run the bench, its Node-RED processes and storm clients at this nice level
    // (e.g. -10 as root) so other work on a shared machine disturbs the ratios less.
    nice: niceLevel(value('nice', 'BENCH_NICE')),
    out: value('out', 'BENCH_OUT') || (quick ? path.join(os.tmpdir(), 'authflow-BENCHMARKS-quick.md') : path.join(root, 'docs', 'BENCHMARKS.md')),
  };
}

const log = (...a) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

let stopping = false;
let dataDir;
async function cleanup() {
  stopAllLoad();
  stopStormClients();
  await stopAll();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
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
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function main() {
  const opts = options();
  const types = registeredTypes();
  if (opts.nice !== undefined) os.setPriority(0, opts.nice);
  const results = { opts, machine: machineInfo(), storm: [], memory: [] };
  log(`mode ${opts.quick ? 'quick' : 'full'}; registered nodes: ${[...types].join(', ')}`);
  const fx = await buildFixtures();

  if (opts.phases.has('micro')) {
    log('micro-benchmarks');
    results.micro = await runMicro(fx, { ms: opts.microMs });
    log('lib memory flood');
    results.libFlood = await libFlood(fx, { count: opts.libFloodCount });
  }

  const wanted = (s) => !opts.only || s.id === 'bare' || opts.only.has(s.id);
  const all = scenarios.map((s) => ({ ...s, skipped: unavailable(s, types) }));
  // The flow always holds every available route (storms probe some of them); BENCH_ONLY limits what is measured.
  const throughput = all.filter(wanted);
  results.scenarios = throughput;
  const live = throughput.filter((s) => !s.skipped);
  const mainRoutes = [...all.filter((s) => !s.skipped && (s.instance || 'main') === 'main'), ...extraRoutes.filter((r) => !unavailable(r, types))];
  const ports = { main: opts.port, nodeauth: opts.port + 1 };

  // Everything the flows read from context comes in through functionGlobalContext.
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-bench-data-'));
  const dataFile = path.join(dataDir, 'bench-data.json');
  fs.writeFileSync(dataFile, JSON.stringify(benchData(fx)));
  const jwtModule = require.resolve('jsonwebtoken', { paths: [root] });
  try {
    if (!['throughput', 'storm', 'memory'].some((p) => opts.phases.has(p))) return results;
    const { flows, creds } = buildFlow(mainRoutes, fx);
    log(`starting Node-RED (main) on 127.0.0.1:${ports.main} with ${mainRoutes.length} routes`);
    const main = await startNodeRed({
      name: 'main', port: ports.main, flows, creds, nodeArgs: ['--expose-gc'],
      settings: `functionGlobalContext: { benchData: require(${JSON.stringify(dataFile)}), jwt: require(${JSON.stringify(jwtModule)}), benchProbe: require(${JSON.stringify(path.join(__dirname, 'instrument.js'))}) },`,
    });
    const nodeauthFlow = buildFlow([scenarios.find((s) => s.id === 'bare'), extraRoutes.find((r) => r.id === 'lag')], fx);
    log(`starting Node-RED (httpNodeAuth) on 127.0.0.1:${ports.nodeauth}`);
    const nodeauth = await startNodeRed({
      name: 'nodeauth', port: ports.nodeauth, ...nodeauthFlow,
      settings: `httpNodeAuth: { user: ${JSON.stringify(fx.nodeRedAuth.user)}, pass: ${JSON.stringify(fx.nodeRedAuthHash)} },
  functionGlobalContext: { benchProbe: require(${JSON.stringify(path.join(__dirname, 'instrument.js'))}) },`,
    });
    const instances = { main, nodeauth };
    const pids = () => [main.pid, nodeauth.pid];

    // Every route answers as expected before anything is measured (flows started, context loaded).
    const target = (s) => ({ instance: instances[s.instance || 'main'], path: s.route || `/bench/${s.id}`, headers: s.headers ? s.headers(fx) : {} });
    for (const s of all.filter((x) => !x.skipped)) {
      const t = target(s);
      await waitForRoute(t.instance.port, t.path, t.headers, 200);
    }
    if (mainRoutes.some((r) => r.id === 'login')) {
      const u = fx.scryptUser;
      await waitForRoute(main.port, '/bench/login', {}, 200, { method: 'POST', body: { username: u.username, password: u.password } });
      await waitForRoute(main.port, '/bench/login', {}, 401, { method: 'POST', body: { username: u.username, password: 'wrong' } });
    }
    if (mainRoutes.some((r) => r.id === 'mem-bearer')) {
      await waitForRoute(main.port, '/bench/mem-bearer', { authorization: `Bearer ${fx.jwtUnsigned}.AAAA` }, 401);
    }
    await waitForRoute(main.port, '/bench/mem-token', {}, 401);
    await waitForRoute(main.port, '/bench/mem-ip', { 'x-forwarded-for': '100.64.0.1' }, 403);
    await waitForRoute(main.port, '/bench/gc', {}, 200);

    const measure = async (s, seconds) => {
      const t = target(s);
      const meter = backgroundMeter(pids);
      meter.start();
      const before = processJiffies(t.instance.pid);
      const r = await runLoad({ port: t.instance.port, path: t.path, headers: t.headers, seconds, connections: opts.connections });
      r.cpuUs = ((processJiffies(t.instance.pid) - before) * 1e4) / Math.max(1, r.total);
      r.background = meter.stop();
      return r;
    };

    if (opts.phases.has('throughput')) {
      log(`warm-up: ${live.length} routes × ${opts.warmupSeconds} s`);
      for (const s of live) await measure(s, opts.warmupSeconds);
      const bare = live.find((s) => s.id === 'bare');
      const others = live.filter((s) => s.id !== 'bare');
      const deadline = Date.now() + opts.throughputBudgetSeconds * 1000;
      const meter = backgroundMeter(pids);
      meter.start();
      log(`throughput: ${others.length} scenarios × ${opts.rounds} rounds × ${opts.roundSeconds} s, interleaved with bare`);
      const res = await interleave({
        bare: () => measure(bare, opts.roundSeconds),
        scenarios: others.map((s) => ({ id: s.id, run: () => measure(s, opts.roundSeconds) })),
        rounds: opts.rounds,
        isNoisy: (r) => r.background > opts.maxBackground,
        retries: opts.retries,
        shouldStop: () => Date.now() > deadline,
        onRun: (id, round, r) => {
          if (id !== 'bare') log(`  round ${round + 1} ${id.padEnd(16)} ${Math.round(r.rps)} req/s  p99 ${r.p99} ms  cpu ${Math.round(r.cpuUs)} µs/req  other procs ${r.background.toFixed(2)} cores`);
        },
      });
      results.background = meter.stop();
      results.bare = summarise(res.bare);
      results.summary = {};
      for (const [id, v] of Object.entries(res.byId)) results.summary[id] = { ...summarise(v.runs, v.ratios), noisy: v.noisy, retried: v.retried };
    }

    if (opts.phases.has('storm')) {
      for (const c of stormCases(fx).filter((x) => !opts.only || opts.only.has(`storm-${x.id}`) || opts.only.has('storm'))) {
        const skipped = unavailable(c, types);
        const entry = { id: c.id, label: c.label, skipped };
        results.storm.push(entry);
        if (skipped) continue;
        log(`storm: ${c.label}`);
        entry.result = await runStorm(c, { ports, seconds: opts.stormSeconds, rate: opts.stormRate, connections: opts.stormConnections });
        log(`  quiet p99 ${entry.result.quiet.p99.toFixed(2)} ms, storm p99 ${entry.result.during.p99.toFixed(2)} ms`);
      }
    }

    if (opts.phases.has('memory')) {
      const kinds = memoryKinds.filter((k) => !opts.only || opts.only.has(`memory-${k.id}`) || opts.only.has('memory'))
        .map((k) => ({ ...k, skipped: unavailable(k, types) }));
      const liveKinds = kinds.filter((k) => !k.skipped);
      for (const k of kinds) {
        const entry = { id: k.id, label: k.label, skipped: k.skipped };
        results.memory.push(entry);
        if (k.skipped) continue;
        log(`memory: ${k.label}`);
        entry.result = await floodKind(main, k, fx, {
          requests: Math.ceil(opts.memoryRequests / liveKinds.length),
          seconds: opts.memorySeconds / liveKinds.length,
        });
        const m = entry.result;
        log(`  ${m.sent} sent; heap after GC ${(m.before.heap / 2 ** 20).toFixed(1)} → ${(m.after.heap / 2 ** 20).toFixed(1)} MiB; ` +
          `RSS ${(m.before.rss / 2 ** 20).toFixed(1)} → ${(m.after.rss / 2 ** 20).toFixed(1)} MiB; second half ${m.slope.toFixed(1)} bytes/request`);
      }
    }
  } finally {
    await cleanup();
  }
  return results;
}

async function run() {
  const t0 = Date.now();
  const results = await main();
  const { opts } = results;
  results.totalSeconds = (Date.now() - t0) / 1000;
  writeReport(results, opts.out);
  log(`wrote ${opts.out} (${Math.round(results.totalSeconds)} s)`);
}

run().catch(async (err) => {
  console.error(err && err.stack ? err.stack : err);
  await cleanup();
  process.exit(1);
});
