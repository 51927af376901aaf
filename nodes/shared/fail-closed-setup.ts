import { couldNotCheck, Maybe } from '../../lib/internal';
import type { RedMsg, RedNode } from './red-types';
import type { StatusReporter } from './status';

/**
 * Runs a node's deploy-time setup. A throw is a configuration error: shown on
 * the node and in the log, and the returned handler refuses every request
 * with 503 AUTH_011 (fail closed) instead of the node crashing or letting
 * requests through.
 */
export function setupOrFailClosed<T>(
  node: RedNode,
  status: StatusReporter,
  setup: (status: StatusReporter) => (msg: RedMsg) => Maybe<T>,
): (msg: RedMsg) => Maybe<T> {
  try {
    return setup(status);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    node.error(`configuration error: ${message}`);
    status.configError(`config error: ${message}`);
    // The same single rule as an unexpected error: the server could not check (503 AUTH_011), not "wrong credentials".
    return () => {
      throw couldNotCheck('node configuration invalid');
    };
  }
}
