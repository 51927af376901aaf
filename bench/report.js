'use strict';
// Writes docs/BENCHMARKS.md from one run's results. Everything in it is
// measured in that run; the hand-written analysis (bench/analysis.md) is
// appended as it is.
const fs = require('fs');
const path = require('path');

const TARGET_RATIO = 0.95;
const STORM_TARGET = 2;
// A per-key cache entry costs well over 40 bytes; growing less than that per
// distinct request means nothing is kept per request.
const BOUNDED_BYTES_PER_REQUEST = 40;
// Below this, GC noise (a few hundred KiB) is larger than the threshold.
const MIN_FLOOD = 20000;

const f0 = (x) => (x === undefined || Number.isNaN(x) ? '—' : Math.round(x).toLocaleString('en-US'));
const f1 = (x) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(1));
const f2 = (x) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(2));
const f3 = (x) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(3));
const mib = (b) => (b === undefined || Number.isNaN(b) ? '—' : (b / 2 ** 20).toFixed(1));
const ms = (x) => (x === undefined || Number.isNaN(x) ? '—' : x < 10 ? x.toFixed(2) : x.toFixed(0));
const cell = (s) => String(s).replace(/\|/g, '\\|');
const table = (head, rows) => [
  `| ${head.join(' | ')} |`,
  `|${head.map(() => '---').join('|')}|`,
  ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
].join('\n');

/** The target of a check row: a ratio (0.95 unless the scenario names another) or a req/s floor. */
function targetText(s) {
  if (s.group !== 'check') return '—';
  return s.targetRps ? `≥ ${f0(s.targetRps)} req/s` : `≥ ${s.target ?? TARGET_RATIO}`;
}

function throughputSection(r) {
  const { scenarios, summary, bare, opts } = r;
  const rows = [];
  rows.push(['bare `http in → http response` (reference)', f0(bare.rps), ms(bare.p50), ms(bare.p99), f0(bare.cpuUs), '1.00', '—', '']);
  for (const s of scenarios) {
    if (s.id === 'bare' || s.group === 'twin') continue;
    const m = summary[s.id];
    if (!m) {
      rows.push([s.label, '—', '—', '—', '—', '—', targetText(s), `not measured: ${s.skipped}`]);
      continue;
    }
    const to = !m.reference ? '' : scenarios.find((x) => x.id === m.reference)?.group === 'twin' ? ' to its twin' : ` to \`${m.reference}\``;
    const ratio = `${f2(m.ratio)} (${f2(m.ratioMin)}–${f2(m.ratioMax)})${to}`;
    let verdict = '';
    if (m.non2xx || m.errors) verdict = `**invalid: ${m.non2xx} non-2xx, ${m.errors} errors**`;
    else if (s.group === 'check') verdict = (s.targetRps ? m.rps >= s.targetRps : m.ratio >= (s.target ?? TARGET_RATIO)) ? 'met' : '**missed**';
    if (m.noisy) verdict += ` (${m.noisy}/${m.rounds} rounds noisy)`;
    rows.push([s.label, f0(m.rps), ms(m.p50), ms(m.p99), f0(m.cpuUs), ratio, targetText(s), verdict.trim()]);
  }
  const vs = [];
  for (const s of scenarios.filter((x) => x.fasterThan)) {
    const a = summary[s.id];
    const b = summary[s.fasterThan];
    const other = scenarios.find((x) => x.id === s.fasterThan);
    if (!a || !b) {
      vs.push([s.label, other ? other.label : s.fasterThan, '—', '—', 'not measured']);
      continue;
    }
    vs.push([s.label, other.label, f2(a.ratio), f2(b.ratio), a.ratio > b.ratio ? 'faster' : '**slower**']);
  }
  return [
    '## Throughput: each check in front of `http in → http response`',
    '',
    `Closed loop, ${opts.connections} keep-alive connections, ${opts.rounds} interleaved rounds of ${opts.roundSeconds} s per scenario, each run starting after a full GC, ` +
      'scenarios in a new random order every round; ' +
      'req/s is the mean over rounds, p50/p99 the median over rounds (autocannon, 1 ms resolution). ' +
      '"ratio" is the median over rounds of req/s divided by the mean of the bare runs just before and after it (min–max in brackets). ' +
      '"CPU µs/req" is the Node-RED process\'s user+system CPU time per request (/proc/<pid>/stat), median over rounds. ' +
      'The "bare again" row is a second, identical bare route measured like any scenario: how far its ratio strays from 1.00 is the noise of this run. ' +
      'A row whose ratio names a route (e.g. "to `bare-post-1k`") is measured against that route instead, the same request without the check: round by round, its ratio to bare divided by that route\'s. ' +
      '"to its twin": against a bare route added to Node-RED right before the row\'s own, since Express tries routes in the order they were added and a late route pays for every one before it (bench/scenarios.js withDepthTwins).',
    '',
    table(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'ratio to bare', 'target', 'result'], rows),
    '',
    '### Check node vs the way people do it today (ratio to a bare route at the same router depth, same run)',
    '',
    table(['check node', 'today', 'check node', 'today', 'result'], vs),
  ].join('\n');
}

function stormSection(r) {
  const rows = r.storm.map((c) => {
    if (!c.result) return [c.label, '—', '—', '—', '—', '—', '—', `not measured: ${c.skipped}`];
    const { quiet, during, storm, p99Ratio, quietLoop, stormLoop } = c.result;
    const codes = Object.entries(storm.statuses).map(([k, v]) => `${k}×${f0(v)}`).join(' ');
    const errs = quiet.errors + during.errors ? ` (${quiet.errors + during.errors} probe requests unanswered 10 s after the probe ended, counted at that bound)` : '';
    return [c.label, `${ms(quiet.p50)} / ${ms(quiet.p99)}`, `${ms(during.p50)} / ${ms(during.p99)}`, `${f1(p99Ratio)}×`,
      `${ms(quietLoop?.p99)} → ${ms(stormLoop?.p99)} (max ${ms(stormLoop?.max)})`,
      `${f1(storm.rps)} (${codes})`, `≤ ${STORM_TARGET}×`, (p99Ratio <= STORM_TARGET ? 'met' : '**missed**') + errs];
  });
  return [
    '## Login storm: a protected endpoint while passwords are being guessed',
    '',
    `A storm client (its own process, ${r.opts.stormConnections} connections) sends a different wrong password on every request, ` +
      'so every request is a cache miss and costs a full hash. Brute-force lockout is switched off on the stormed node — the worst case, ' +
      'an attacker spreading guesses over many addresses; with the default lockout one address is refused with 429 after a few guesses. ' +
      'Meanwhile a fixed-rate probe ' +
      `(${r.opts.stormRate} req/s, latency from the scheduled send time, µs resolution) calls a protected endpoint with valid, ` +
      `cached credentials for ${r.opts.stormSeconds} s; the same probe without the storm gives the quiet figures. ` +
      'Event-loop delay is measured inside the Node-RED process (perf_hooks.monitorEventLoopDelay) over each probe.',
    '',
    table(['storm', 'quiet p50 / p99 ms', 'storm p50 / p99 ms', 'p99 ratio', 'event-loop delay p99 ms, quiet → storm', 'storm req/s answered (status×count)', 'target', 'result'], rows),
  ].join('\n');
}

function memorySection(r) {
  const rows = r.memory.map((k) => {
    if (!k.result) return [k.label, '—', '—', '—', '—', `not measured: ${k.skipped}`];
    const m = k.result;
    const codes = Object.entries(m.statuses).map(([c, v]) => `${c}×${f0(v)}`).join(' ');
    return [k.label, `${f0(m.sent)} in ${f0(m.seconds)} s (${codes})`,
      `${mib(m.before.rss)} / ${mib(m.peak)} / ${mib(m.after.rss)}`,
      `${mib(m.before.heap)} → ${mib(m.mid.heap)} → ${mib(m.after.heap)}`, f1(m.slope),
      m.sent < MIN_FLOOD || Number.isNaN(m.slope) ? 'too few requests for a verdict' : m.slope < BOUNDED_BYTES_PER_REQUEST ? 'bounded' : '**grows**'];
  });
  const lib = (r.libFlood || []).map((x) => {
    const perReq = (x.after - x.before) / x.count;
    return [x.name, f0(x.count), f1(x.ms / 1000), `${mib(x.before)} → ${mib(x.after)}`, f1(perReq), perReq < BOUNDED_BYTES_PER_REQUEST ? 'bounded' : '**grows**'];
  });
  const sent = r.memory.reduce((a, k) => a + (k.result ? k.result.sent : 0), 0);
  const libPart = lib.length ? [
    '',
    `The same checks in this process, ${f0(r.opts.libFloodCount)} distinct values each (heap used after a full GC):`,
    '',
    table(['check', 'calls', 'seconds', 'heap MiB', 'bytes/call', 'result'], lib),
  ] : [];
  return [
    '## Memory: distinct invalid credentials',
    '',
    `HTTP: ${f0(sent)} requests in total (asked for ${f0(r.opts.memoryRequests)}, split over the kinds, within ${r.opts.memorySeconds} s), ` +
      'each carrying a value never sent before, to the main Node-RED process. RSS comes from /proc/<pid>/status (before, peak while sampling every 250 ms, after); ' +
      'heap is `process.memoryUsage().heapUsed` after a full GC (node --expose-gc, read through a bench-only route) before the flood, half-way and at the end. ' +
      'A bounded cache may grow until it is full, so the verdict looks at the second half: ' +
      `"bounded" = the heap kept less than ${BOUNDED_BYTES_PER_REQUEST} bytes per distinct request from half-way to the end (any per-key cache entry costs more).`,
    '',
    table(['flood', 'sent', 'RSS before / peak / after MiB', 'heap after GC: before → half-way → end MiB', 'heap bytes/request, second half', 'result'], rows),
    ...libPart,
  ].join('\n');
}

function microSection(r) {
  const rows = r.micro.map((m) => [m.name, m.us < 1 ? m.us.toFixed(3) : f2(m.us), f0(1e6 / m.us), m.note]);
  return [
    '## Micro-benchmarks of the lib/ checks',
    '',
    `In the bench process before Node-RED starts: after a warm-up, five windows of ${r.opts.microMs / 5} ms each; the fastest window counts ` +
      '(other processes can only make a window slower). Async checks are awaited one at a time, so their figure includes a promise round trip.',
    '',
    table(['call', 'µs/call', 'calls/s', 'note'], rows),
  ].join('\n');
}

function joseSection(r) {
  const { rows, storm } = r.jose;
  const micro = rows.map((m) => [m.name, f2(m.us), m.note]);
  const label = Object.fromEntries(storm.conditions.map((c) => [c.id, (c.short ?? c.label) + (c.hashes !== undefined ? ` (${f0(c.hashes)} hashes)` : '')]));
  const lat = storm.rows.map((x) => [label[x.condition], x.alg, x.who, f2(x.p50), f2(x.p99), f2(x.max), x.failures ? `${x.failures} failed` : '']);
  return [
    '## JOSE: jose against the synchronous core',
    '',
    'bench/jose.js (`node bench/micro.js --only jose` runs it alone). Same keys and options for both: algorithms, iss, aud, 30 s leeway. ' +
      '"cold" = every token new, so the bearer node\'s verified-token cache cannot answer: one full verification per call, awaited one at a time.',
    '',
    table(['call', 'µs/call', 'note'], micro),
    '',
    `Cold tokens at ${storm.rate} verifications per second for ${storm.seconds} s each, latency from the scheduled time (ms), ` +
      `quiet and while ${storm.inFlight} wrong passwords are hashed without pause: "login storm" = the package's PasswordChecker (scrypt in its ` +
      'lowered-priority worker threads), "threadpool storm" = `crypto.scrypt` on libuv\'s threadpool (what other nodes or libraries in the same ' +
      'Node-RED may run), the pool WebCrypto — and so jose — shares.',
    '',
    table(['condition', 'alg', 'verifier', 'p50 ms', 'p99 ms', 'max ms', ''], lat),
  ].join('\n');
}

function writeReport(r, outFile) {
  const m = r.machine;
  const todo = [
    ...r.scenarios.filter((s) => s.skipped).map((s) => `- throughput: ${s.label} — ${s.skipped}`),
    ...r.storm.filter((s) => s.skipped).map((s) => `- login storm: ${s.label} — ${s.skipped}`),
    ...r.memory.filter((s) => s.skipped).map((s) => `- memory: ${s.label} — ${s.skipped}`),
  ];
  const analysisFile = path.join(__dirname, 'analysis.md');
  const parts = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/run.js); the Analysis section comes from bench/analysis.md. -->',
    '',
    'Auth checks sit in front of every request, so they must cost close to nothing next to Node-RED\'s own request handling, ' +
      'and less than what people do today (a function node, or `httpNodeAuth` in settings.js). ' +
      'Every figure below comes from one run of `npm run bench` against real Node-RED processes on 127.0.0.1.',
    '',
    'Run it: `npm run bench` (about ten minutes; writes this file) or `npm run bench -- --quick` (three to four minutes, indicative numbers, writes to the temp directory). ' +
      'Knobs: `BENCH_ROUNDS`, `BENCH_ROUND_SECONDS`, `BENCH_CONNECTIONS`, `BENCH_MEMORY_REQUESTS`, `BENCH_MEMORY_SECONDS`, `BENCH_ONLY=basic-scrypt,ip-100k`, ' +
      '`BENCH_PHASES=micro,throughput,storm,memory`, `BENCH_OUT=path`, `BENCH_PORT` (three consecutive ports), `BENCH_NICE=-10` (root: less disturbance from other work). ' +
      '`node bench/profile.js <scenario> [seconds]` shows where one scenario\'s CPU goes; `node bench/report.js` renders this file again from the last run\'s raw results.',
    '',
    '## Machine',
    '',
    table(['', ''], [
      ['date', m.date],
      ['CPU', `${m.cpu}, ${m.cores} cores`],
      ['memory', `${m.memoryGiB.toFixed(1)} GiB`],
      ['OS', m.os],
      ['Node.js', m.node],
      ['Node-RED', m.nodeRed],
      ['autocannon', m.autocannon],
      ['mode', (r.opts.quick ? 'quick (numbers are indicative only)' : 'full') + (r.opts.nice !== undefined ? `, nice ${r.opts.nice}` : '')],
      ['other processes in this VM during the throughput rounds', r.background === undefined ? '—' : `${f2(r.background)} cores busy on average (the host's other VMs are not visible)`],
      ['total run time', `${f0(r.totalSeconds)} s`],
    ]),
    '',
    'Node-RED runs with the settings of scripts/node-red-instance.js (editor and `http in` routes on the same root, memory context). ' +
      'The main instance holds every scenario on its own route; `httpNodeAuth` needs a second instance because it protects every route of its instance, ' +
      'and a third one, the same but without `httpNodeAuth`, separates what `httpNodeAuth` costs from what being another process does.',
  ];
  if (r.summary) parts.push('', throughputSection(r));
  if (r.storm.some((c) => c.result)) parts.push('', stormSection(r));
  if (r.memory.some((k) => k.result)) parts.push('', memorySection(r));
  if (r.micro) parts.push('', microSection(r));
  if (r.jose) parts.push('', joseSection(r));
  if (todo.length) parts.push('', '## Not measured yet', '', ...todo);
  if (fs.existsSync(analysisFile)) parts.push('', fs.readFileSync(analysisFile, 'utf8').trim());
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, parts.join('\n') + '\n');
}

/** Where run.js keeps the raw results of the last run, so the report can be rendered again. */
const LAST_RESULTS = require('path').join(require('os').tmpdir(), 'authflow-bench-last.json');

function saveResults(r) {
  fs.writeFileSync(LAST_RESULTS, JSON.stringify(r, (k, v) => (v instanceof Set ? [...v] : v)));
}

module.exports = { writeReport, saveResults, LAST_RESULTS, TARGET_RATIO };

// `node bench/report.js [results.json] [out.md]`: render the last run again (e.g. after editing bench/analysis.md).
if (require.main === module) {
  const [input = LAST_RESULTS, out = path.join(__dirname, '..', 'docs', 'BENCHMARKS.md')] = process.argv.slice(2);
  writeReport(JSON.parse(fs.readFileSync(input, 'utf8')), out);
  console.log(`wrote ${out} from ${input}`);
}
