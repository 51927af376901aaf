'use strict';
// The Node-RED processes of a run: "main" holds every scenario, storm and
// memory route; "nodeauth" has settings.httpNodeAuth, which guards every route
// of its instance; "twin" is nodeauth without it. Resolves once every route
// answers as expected.
const fs = require('fs');
const path = require('path');
const { root } = require('../scripts/node-red-instance');
const { benchData } = require('./fixtures');
const { scenarios, extraRoutes } = require('./scenarios');
const { buildFlow, functionGlobalContext, unavailable } = require('./flow');
const { startNodeRed, waitForRoute } = require('./node-red');

const probeModule = JSON.stringify(path.join(__dirname, 'instrument.js'));

/**
 * @param available  scenario entries that can run in this checkout
 * @param types      registered node types
 * @param dataDir    a scratch directory for the data file (the caller removes it)
 * @returns { main, nodeauth, twin, ports, routes, target(scenario) }
 */
async function startInstances(fx, available, types, { port, dataDir, log }) {
  const routes = [...available.filter((s) => (s.instance || 'main') === 'main'), ...extraRoutes.filter((r) => !unavailable(r, types))];
  // Large values (100,000 tokens / CIDRs) reach the flows through functionGlobalContext.
  const dataFile = path.join(dataDir, 'bench-data.json');
  fs.writeFileSync(dataFile, JSON.stringify(benchData(fx)));
  const jwtModule = JSON.stringify(require.resolve('jsonwebtoken', { paths: [root] }));
  const out = { routes };

  log(`starting Node-RED (main) on 127.0.0.1:${port} with ${routes.length} routes`);
  out.main = await startNodeRed({
    name: 'main', port, ...buildFlow(routes, fx), nodeArgs: ['--expose-gc'],
    // Only the main instance runs setup hooks (scenario `globals`: seeded keys); the others hold no such route.
    settings: functionGlobalContext(routes, fx, dataDir, `{ benchData: require(${JSON.stringify(dataFile)}), jwt: require(${jwtModule}), benchProbe: require(${probeModule}) }`),
  });
  const smallFlow = () => buildFlow([scenarios.find((s) => s.id === 'bare'), ...extraRoutes.filter((r) => r.id === 'lag' || r.id === 'gc')], fx);
  const probe = `functionGlobalContext: { benchProbe: require(${probeModule}) },`;
  log(`starting Node-RED (httpNodeAuth) on 127.0.0.1:${port + 1} and its twin without it on 127.0.0.1:${port + 2}`);
  out.nodeauth = await startNodeRed({
    name: 'nodeauth', port: port + 1, ...smallFlow(), nodeArgs: ['--expose-gc'],
    settings: `httpNodeAuth: { user: ${JSON.stringify(fx.nodeRedAuth.user)}, pass: ${JSON.stringify(fx.nodeRedAuthHash)} },\n  ${probe}`,
  });
  out.twin = await startNodeRed({ name: 'twin', port: port + 2, ...smallFlow(), nodeArgs: ['--expose-gc'], settings: probe });
  out.ports = { main: out.main.port, nodeauth: out.nodeauth.port, twin: out.twin.port };
  out.target = (s) => ({
    instance: out[s.instance || 'main'], path: s.route || `/bench/${s.id}`, headers: s.headers ? s.headers(fx) : {},
    // Scenarios that POST a body, and those that sign each request afresh (a new nonce every time).
    method: s.method ? s.method.toUpperCase() : undefined, body: s.body ? s.body(fx) : undefined, setupRequest: s.perRequest ? s.perRequest(fx) : undefined,
  });

  // Every route answers as expected before anything is measured (flows started, context loaded).
  for (const s of available) {
    const t = out.target(s);
    const first = t.setupRequest ? t.setupRequest({ headers: t.headers }).headers : t.headers;
    await waitForRoute(t.instance.port, t.path, first, 200, { method: t.method, body: t.body });
  }
  const has = (id) => routes.some((r) => r.id === id);
  if (has('login')) {
    const u = fx.scryptUser;
    await waitForRoute(port, '/bench/login', {}, 200, { method: 'POST', body: { username: u.username, password: u.password } });
    await waitForRoute(port, '/bench/login', {}, 401, { method: 'POST', body: { username: u.username, password: 'wrong' } });
  }
  if (has('mem-bearer')) await waitForRoute(port, '/bench/mem-bearer', { authorization: `Bearer ${fx.jwtUnsigned}.AAAA` }, 401);
  await waitForRoute(port, '/bench/mem-token', {}, 401);
  await waitForRoute(port, '/bench/mem-ip', { 'x-forwarded-for': '100.64.0.1' }, 403);
  await waitForRoute(port, '/bench/gc', {}, 200);
  return out;
}

module.exports = { startInstances };
