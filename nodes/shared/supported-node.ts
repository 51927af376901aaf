/**
 * Refuse to load on a Node.js older than package.json "engines" says (issue 11
 * defect 4): on Node 18 the checks would load and then fail every request with
 * `internal: TypeError`. Each node module calls this first in its register
 * function; Node-RED shows the thrown message for the node set in the palette
 * (Manage palette) and in its startup log, and registers none of its types.
 */

// From dist/nodes/shared/ the package root is three levels up (the compiled location is the one that runs).
const { engines } = require('../../../package.json') as { engines: { node: string } };

/** Compares dotted versions numerically: 20.9 < 20.12. */
function atLeast(version: string, minimum: string): boolean {
  const have = version.split('.').map(Number);
  const need = minimum.split('.').map(Number);
  for (let i = 0; i < need.length; i++) {
    const a = have[i] ?? 0;
    if (a !== need[i]) return a > need[i];
  }
  return true;
}

/** The problem with `nodeVersion` against a ">=X.Y[.Z]" range, or undefined when it is supported. */
export function unsupportedNodeProblem(nodeVersion: string, range = engines.node): string | undefined {
  const minimum = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range.trim())?.[1];
  if (!minimum) throw new Error(`package.json engines.node must read ">=X.Y.Z", not ${JSON.stringify(range)}`);
  if (atLeast(nodeVersion.replace(/^v/, ''), minimum)) return undefined;
  return `@authflow/node-red-api-auth needs Node.js ${range}, but this Node-RED runs on Node.js ${nodeVersion}. ` +
    `Upgrade Node.js to ${range.replace(/^>=\s*/, '')} or later (22 LTS recommended) and restart Node-RED; no authflow node was loaded.`;
}

/** Throws the clear message when this Node.js is too old; Node-RED reports it for the node set. */
export function assertSupportedNode(nodeVersion: string = process.versions.node): void {
  const problem = unsupportedNodeProblem(nodeVersion);
  if (problem) throw new Error(problem);
}
