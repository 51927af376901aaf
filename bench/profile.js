'use strict';
// `node bench/profile.js <scenario-id> [seconds]`: where a scenario's CPU goes.
// Starts Node-RED with --cpu-prof, warms the route up, loads it for `seconds`,
// stops Node-RED (which writes the profile) and prints the share of Node-RED's
// busy CPU spent inside this package, by function (inclusive), over the steady
// part of the load. Used for the analysis in docs/BENCHMARKS.md.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { root } = require('../scripts/node-red-instance');
const { buildFixtures, benchData } = require('./fixtures');
const { scenarios, dropApiKeyFixture } = require('./scenarios');
const { buildFlow, functionGlobalContext, unavailable } = require('./flow');
const { startNodeRed, stopAll, killAllSync, waitForRoute } = require('./node-red');
const { runLoad } = require('./load');

function summarise(profile, fromUs, toUs, top) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  let t = profile.startTime;
  const times = profile.timeDeltas.map((d) => (t += d));
  let busy = 0;
  let ours = 0;
  let gc = 0;
  const inclusive = new Map();
  profile.samples.forEach((sample, i) => {
    if (times[i] < fromUs || times[i] > toUs) return;
    const dt = profile.timeDeltas[i + 1] || 0;
    const leaf = byId.get(sample).callFrame.functionName;
    if (leaf === '(idle)') return;
    busy += dt;
    if (leaf === '(garbage collector)') gc += dt;
    const seen = new Set();
    for (let id = sample; id !== undefined; id = parent.get(id)) {
      const { url, functionName, lineNumber } = byId.get(id).callFrame;
      if (!url.includes(path.join(root, 'dist'))) continue;
      const key = `${functionName || '(anonymous)'} ${path.relative(path.join(root, 'dist'), url.replace('file://', ''))}:${lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) || 0) + dt);
    }
    if (seen.size) ours += dt;
  });
  console.log(`Node-RED busy ${(busy / 1e6).toFixed(2)} s; in this package ${((100 * ours) / busy).toFixed(1)}%; GC ${((100 * gc) / busy).toFixed(1)}%`);
  for (const [key, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${((100 * v) / busy).toFixed(2).padStart(6)}%  ${key}`);
}

async function main() {
  const [id, secondsArg] = process.argv.slice(2);
  const seconds = Number(secondsArg || 8);
  const scenario = scenarios.find((s) => s.id === id);
  if (!scenario || (scenario.instance || 'main') !== 'main') throw new Error(`usage: node bench/profile.js <scenario id of the main instance> [seconds]`);
  const why = unavailable(scenario);
  if (why) throw new Error(`${id}: ${why}`);
  const fx = await buildFixtures();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-profile-'));
  try {
    fs.writeFileSync(path.join(dir, 'bench-data.json'), JSON.stringify(benchData(fx)));
    const { flows, creds } = buildFlow([scenario], fx);
    const jwtModule = require.resolve('jsonwebtoken', { paths: [root] });
    const instance = await startNodeRed({
      name: 'profile', port: 18890, flows, creds, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      settings: functionGlobalContext([scenario], fx, dir, `{ benchData: require(${JSON.stringify(path.join(dir, 'bench-data.json'))}), jwt: require(${JSON.stringify(jwtModule)}) }`),
    });
    // The request as the throughput phase sends it (instances.js target): method, body, per-request signing.
    const headers = scenario.headers ? scenario.headers(fx) : {};
    const method = scenario.method ? scenario.method.toUpperCase() : undefined;
    const body = scenario.body ? scenario.body(fx) : undefined;
    const setupRequest = scenario.perRequest ? scenario.perRequest(fx) : undefined;
    const load = { port: instance.port, path: `/bench/${id}`, headers, method, body, setupRequest };
    await waitForRoute(instance.port, load.path, setupRequest ? setupRequest({ headers }).headers : headers, 200, { method, body });
    await runLoad({ ...load, seconds: 2 }); // warm-up: first-request work stays out
    const from = Date.now();
    const r = await runLoad({ ...load, seconds });
    const to = Date.now();
    await stopAll();
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (process.env.PROFILE_SAVE) fs.copyFileSync(path.join(dir, file), process.env.PROFILE_SAVE);
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    // Profile times are µs since an arbitrary origin: align on its end (Node-RED exits right after the load).
    const end = profile.endTime;
    const stopLag = (Date.now() - to) * 1000;
    console.log(`${id}: ${Math.round(r.rps)} req/s over ${seconds} s`);
    summarise(profile, end - stopLag - (to - from) * 1000 + 500e3, end - stopLag - 250e3, 25);
  } finally {
    await stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
    await dropApiKeyFixture(fx);
  }
}

process.on('SIGINT', () => stopAll().finally(() => process.exit(130)));
process.on('exit', killAllSync);
main().catch((err) => {
  console.error(err.message || err);
  process.exitCode = 1;
});
