'use strict';
// Interleaved rounds: bare, A, bare, B, bare, C, bare | bare, B, bare, C, … —
// each scenario run is compared with the bare runs just before and after it,
// so slow drift of a noisy 2-core machine cancels out of the ratio. The
// scenario order rotates every round so no scenario always follows another.

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * @param bare       () => Promise<result> measuring the reference route
 * @param scenarios  [{ id, run: () => Promise<result> }]
 * @param rounds     number of rounds
 * @param onRun      progress callback (id, round, result)
 * @returns { bare: [results], byId: { id: { runs: [result], ratios: [number] } } }
 */
async function interleave({ bare, scenarios, rounds, onRun = () => {}, shouldStop = () => false }) {
  const out = { bare: [], byId: {} };
  for (const s of scenarios) out.byId[s.id] = { runs: [], ratios: [] };
  for (let round = 0; round < rounds && !shouldStop(); round++) {
    const order = scenarios.map((_, i) => scenarios[(i + round) % scenarios.length]);
    let before = await bare();
    out.bare.push(before);
    onRun('bare', round, before);
    for (const s of order) {
      if (shouldStop()) break;
      const r = await s.run();
      const after = await bare();
      out.bare.push(after);
      onRun(s.id, round, r);
      onRun('bare', round, after);
      out.byId[s.id].runs.push(r);
      out.byId[s.id].ratios.push(r.rps / ((before.rps + after.rps) / 2));
      before = after;
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
    rounds: runs.length,
  };
}

module.exports = { interleave, summarise, median };
