'use strict';
// Throughput phase: warm every route up, then interleaved rounds of each
// scenario against the bare route (see interleave.js).
const { runLoad } = require('./load');
const { getJson } = require('./node-red');
const { interleave, summarise, median } = require('./interleave');
const { processJiffies, backgroundMeter } = require('./machine');

async function runThroughput(inst, live, opts, log) {
  const pids = () => [inst.main.pid, inst.nodeauth.pid, inst.twin.pid];
  const measure = async (s, seconds) => {
    const t = inst.target(s);
    // Start every run from a collected heap, so no run pays for the garbage of the one before it
    // (bench-only route; the nodeauth instance needs its credentials for it too).
    await getJson(t.instance.port, '/bench/gc', t.headers);
    const meter = backgroundMeter(pids);
    meter.start();
    const before = processJiffies(t.instance.pid);
    const r = await runLoad({ port: t.instance.port, path: t.path, headers: t.headers, method: t.method, body: t.body, setupRequest: t.setupRequest, seconds, connections: opts.connections });
    r.cpuUs = ((processJiffies(t.instance.pid) - before) * 1e4) / Math.max(1, r.total); // jiffies are 10 ms
    r.background = meter.stop();
    return r;
  };

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
      if (id !== 'bare') {
        log(`  round ${round + 1} ${id.padEnd(16)} ${Math.round(r.rps)} req/s  p99 ${r.p99} ms  cpu ${Math.round(r.cpuUs)} µs/req  other procs ${r.background.toFixed(2)} cores`);
      }
    },
  });
  const summary = {};
  for (const [id, v] of Object.entries(res.byId)) summary[id] = { ...summarise(v.runs, v.ratios), noisy: v.noisy, retried: v.retried };
  for (const s of others) relativeToReference(s, res.byId, summary);
  return { background: meter.stop(), bare: summarise(res.bare), summary };
}

/**
 * A scenario with its own reference route (the signed POST against the same
 * POST through a bare route): its ratio is, round by round, its ratio to bare
 * divided by the reference's ratio to bare in the same round.
 */
function relativeToReference(s, byId, summary) {
  const m = summary[s.id];
  const ref = s.reference && byId[s.reference];
  if (!m || !ref) return;
  const own = byId[s.id].ratios;
  const q = own.map((x, i) => x / ref.ratios[i]).filter((x) => Number.isFinite(x));
  if (q.length === 0) return;
  Object.assign(m, { ratio: median(q), ratioMin: Math.min(...q), ratioMax: Math.max(...q), reference: s.reference });
}

module.exports = { runThroughput };
