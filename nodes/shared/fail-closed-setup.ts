import { InvalidCredentialsError, Maybe } from '../../lib/internal';
import type { RedMsg, RedNode } from './red-types';
import type { StatusReporter } from './status';

/**
 * Runs a node's deploy-time setup. A throw is a configuration error: shown on
 * the node and in the log, and the returned handler refuses every request
 * (fail closed) instead of the node crashing or letting requests through.
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
    return async () => {
      throw new InvalidCredentialsError('node configuration invalid');
    };
  }
}
