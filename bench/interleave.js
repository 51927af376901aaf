'use strict';
// Interleaved rounds: bare, A, bare, B, bare, C, bare | bare, C, bare, A, … —
// each scenario run is compared with the bare runs just before and after it,
// so slow drift of a noisy 2-core machine cancels out of the ratio (each run
// starts after a full GC: see throughput.js). Every
// round runs the scenarios in a new (seeded) random order, so no scenario
// always follows the same one (GC debt and caches left by a neighbour).
const { prng } = require('./fixtures');

function shuffled(items, rnd) {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * @param bare       () => Promise<result> measuring the reference route
 * @param scenarios  [{ id, run: () => Promise<result> }]
 * @param rounds     number of rounds
 * @param isNoisy    (result) => true when other processes used the CPU during that run
 * @param retries    how often a noisy (bare, X, bare) triple is measured again
 * @param shouldStop () => true once the time budget is spent (then noisy triples are kept, flagged)
 * @param onRun      progress callback (id, round, result)
 * @returns { bare: [results], byId: { id: { runs, ratios, noisy, retried } } }
 */
async function interleave({ bare, scenarios, rounds, isNoisy = () => false, retries = 0, shouldStop = () => false, onRun = () => {} }) {
  const out = { bare: [], byId: {} };
  for (const s of scenarios) out.byId[s.id] = { runs: [], ratios: [], noisy: 0, retried: 0 };
  const rnd = prng(20261123);
  for (let round = 0; round < rounds; round++) {
    const order = shuffled(scenarios, rnd);
    let before = await bare();
    out.bare.push(before);
    onRun('bare', round, before);
    for (const s of order) {
      const row = out.byId[s.id];
      for (let attempt = 0; ; attempt++) {
        const r = await s.run();
        const after = await bare();
        out.bare.push(after);
        onRun(s.id, round, r);
        onRun('bare', round, after);
        const noisy = isNoisy(before) || isNoisy(r) || isNoisy(after);
        if (noisy && attempt < retries && !shouldStop()) {
          row.retried++;
          before = after;
          continue;
        }
        if (noisy) row.noisy++;
        row.runs.push(r);
        row.ratios.push(r.rps / ((before.rps + after.rps) / 2));
        before = after;
        break;
      }
    }
  }
  return out;
}

/** One summary row from several runs: mean req/s, median p50/p99, median ratio and its range. */
function summarise(runs, ratios) {
  if (runs.length === 0) return undefined;
  return {
    rps: runs.reduce((a, r) => a + r.rps, 0) / runs.length,
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    ratio: ratios && ratios.length ? median(ratios) : undefined,
    ratioMin: ratios && ratios.length ? Math.min(...ratios) : undefined,
    ratioMax: ratios && ratios.length ? Math.max(...ratios) : undefined,
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    cpuUs: runs.every((r) => r.cpuUs !== undefined) ? median(runs.map((r) => r.cpuUs)) : undefined,
    background: runs.reduce((a, r) => a + (r.background || 0), 0) / runs.length,
    rounds: runs.length,
  };
}

module.exports = { interleave, summarise, median };
