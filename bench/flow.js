'use strict';
// Turns scenario entries into one Node-RED flow: a tab per route with
// http in → chain → http response, and an inject-at-start function node that
// copies large values (100,000 tokens or CIDRs) from functionGlobalContext
// into that tab's flow context, the way a flow author would load them.
const fs = require('fs');
const path = require('path');
const { root } = require('../scripts/node-red-instance');

/** Node types this checkout registers with Node-RED (package.json "node-red.nodes"). */
function registeredTypes() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const nodes = (pkg['node-red'] && pkg['node-red'].nodes) || {};
  return new Set(Object.entries(nodes).filter(([, file]) => fs.existsSync(path.join(root, file))).map(([type]) => type));
}

/** Why an entry cannot run in this checkout, or undefined when it can. `requires`: a type or a list of types. */
function unavailable(entry, types = registeredTypes()) {
  const missing = [].concat(entry.requires || []).filter((t) => !types.has(t));
  if (missing.length) return entry.todo || `${missing.join(', ')} not registered in package.json`;
  if (entry.todo) return entry.todo;
  return undefined;
}

function buildFlow(entries, fx) {
  const flows = [];
  const creds = {};
  const configIds = new Set();
  entries.forEach((entry) => {
    // Config nodes (e.g. a login issuer) are global; entries sharing one list it once.
    for (const { credentials, ...node } of entry.configNodes ? entry.configNodes(fx) : []) {
      if (configIds.has(node.id)) continue;
      configIds.add(node.id);
      flows.push(node);
      if (credentials) creds[node.id] = credentials;
    }
    const z = `bench-tab-${entry.id}`;
    const id = (name) => `bench-${entry.id}-${name}`;
    flows.push({ id: z, type: 'tab', label: `bench ${entry.id}`, disabled: false, info: entry.label || '' });
    const chain = entry.nodes(fx);
    const resId = id('res');
    const chainIds = chain.map((_, i) => id(`n${i}`));
    flows.push({
      id: id('in'), z, type: 'http in', name: '', url: `/bench/${entry.id}`, method: entry.method || 'get',
      upload: false, skipBodyParsing: !!entry.rawBody, swaggerDoc: '', x: 120, y: 60, wires: [[chainIds[0] || resId]],
    });
    chain.forEach((node, i) => {
      const next = chainIds[i + 1] || resId;
      const outputs = node.outputs ?? (node.type.startsWith('authflow-') ? 2 : 1);
      const wires = outputs === 2 ? [[next], [resId]] : [[next]];
      flows.push({ name: '', x: 300 + 180 * i, y: 60, ...node, id: chainIds[i], z, wires });
    });
    flows.push({ id: resId, z, type: 'http response', name: '', statusCode: '', headers: {}, x: 300 + 180 * chain.length, y: 60, wires: [] });
    const cred = entry.credentials ? entry.credentials(fx) : {};
    for (const [i, c] of Object.entries(cred)) creds[chainIds[Number(i)]] = c;
    if (entry.context) {
      const sets = Object.entries(entry.context)
        .map(([key, field]) => `flow.set(${JSON.stringify(key)}, global.get('benchData')[${JSON.stringify(field)}]);`)
        .join('\n');
      flows.push({
        id: id('init'), z, type: 'inject', name: 'load context', props: [{ p: 'payload' }], repeat: '', crontab: '',
        once: true, onceDelay: 0.1, topic: '', payload: '', payloadType: 'date', x: 120, y: 140, wires: [[id('set')]],
      });
      flows.push({ id: id('set'), z, type: 'function', name: 'flow context', func: `${sets}\nreturn null;`, outputs: 1, x: 300, y: 140, wires: [[]] });
    }
  });
  return { flows, creds };
}

/**
 * settings.js text for functionGlobalContext: `base` (source of an object
 * literal) plus the top-level keys that entries' setup hooks write before
 * Node-RED starts (`globals(fx, dir)` returns a JSON file; e.g. 100,000
 * seeded API key store entries, which the context store reads by key name).
 * Node-RED's global context answers those keys from functionGlobalContext
 * (a read-only layer under the context store: writes and deletes go to the
 * store and a deleted seed key would reappear — fine for keys only read).
 * JSON.parse rather than require: the module cache would keep a second copy.
 */
function functionGlobalContext(entries, fx, dir, base) {
  const reads = entries.filter((e) => e.globals)
    .map((e) => `JSON.parse(require('fs').readFileSync(${JSON.stringify(e.globals(fx, dir))}, 'utf8'))`);
  return `functionGlobalContext: ${reads.length ? `Object.assign(${reads.join(', ')}, ${base})` : base},`;
}

module.exports = { buildFlow, functionGlobalContext, registeredTypes, unavailable };
