/**
 * Refuse to load on a Node.js that package.json "engines" excludes (issue 11
 * defect 4): on Node 18 the checks would load and then fail every request with
 * `internal: TypeError`. Each node module calls this first in its register
 * function; Node-RED shows the thrown message for the node set in the palette
 * (Manage palette) and in its startup log, and registers none of its types.
 */

// From dist/nodes/shared/ the package root is three levels up (the compiled location is the one that runs).
const { engines } = require('../../../package.json') as { engines: { node: string } };

type Version = [number, number, number];

function parse(text: string): Version {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`not a version: ${JSON.stringify(text)}`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** One comparator of the npm range subset engines use: >=, >, <=, <, =, ^ and ~. */
function satisfies(v: Version, comparator: string): boolean {
  const m = /^(>=|<=|>|<|=|\^|~)?\s*(.+)$/.exec(comparator);
  if (!m) throw new Error(`unsupported comparator ${JSON.stringify(comparator)}`);
  const base = parse(m[2]);
  const c = compare(v, base);
  switch (m[1]) {
    case '>=': return c >= 0;
    case '>': return c > 0;
    case '<=': return c <= 0;
    case '<': return c < 0;
    case '^': return c >= 0 && v[0] === base[0];
    case '~': return c >= 0 && v[0] === base[0] && v[1] === base[1];
    default: return c === 0;
  }
}

/** True when `version` is in `range` ("^20.19.0 || >=22.12.0": alternatives of space-separated comparators). */
export function inRange(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alternative) =>
    alternative.trim().split(/\s+/).every((comparator) => satisfies(v, comparator)));
}

/** The problem with `nodeVersion` against package.json engines.node, or undefined when it is supported. */
export function unsupportedNodeProblem(nodeVersion: string, range = engines.node): string | undefined {
  if (inRange(nodeVersion, range)) return undefined;
  return `@authflow/node-red-api-auth needs Node.js ${range}, but this Node-RED runs on Node.js ${nodeVersion}. ` +
    'Upgrade Node.js (22 LTS recommended) and restart Node-RED; no authflow node was loaded.';
}

/** Throws the clear message when this Node.js is not supported; Node-RED reports it for the node set. */
export function assertSupportedNode(nodeVersion: string = process.versions.node): void {
  const problem = unsupportedNodeProblem(nodeVersion);
  if (!problem) return;
  const err = new Error(problem);
  // Node-RED 5 keeps the Error itself as the node set's error and sends it to the editor as JSON,
  // where a plain Error is `{}`: give it the text Node-RED 4.1 sends.
  Object.defineProperty(err, 'toJSON', { value: () => err.toString() });
  throw err;
}
