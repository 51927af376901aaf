import { AuthError, AuthInfo, InvalidCredentialsError } from '../../lib';
import type { RedMsg, RedNode } from './red-types';
import { decide, DecisionOptions } from './decision';
import { StatusReporter } from './status';

export interface CheckNodeConfig {
  name?: string;
  /** "respond automatically" */
  respond?: boolean;
}

export interface CheckNodeSpec {
  method: string;
  challenge?: (err: AuthError) => Record<string, string>;
  /**
   * Reads the node's config once at deploy and returns the per-request check.
   * Throwing here is a configuration error: shown on the node and in the log,
   * and every request is refused (fail closed).
   */
  setup(status: StatusReporter): (msg: RedMsg) => Promise<AuthInfo>;
  /** Called on close/redeploy (timers, connections). */
  close?: () => Promise<void> | void;
}

/** The glue every check node shares: config errors, status, the msg/HTTP contract, close. */
export function initCheckNode(node: RedNode, config: CheckNodeConfig, spec: CheckNodeSpec): void {
  const status = new StatusReporter(node);
  const opts: DecisionOptions = { method: spec.method, respond: !!config.respond, status, challenge: spec.challenge };
  let check: (msg: RedMsg) => Promise<AuthInfo>;
  try {
    check = spec.setup(status);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    node.error(`configuration error: ${message}`);
    status.configError(`config error: ${message}`);
    check = async () => {
      throw new InvalidCredentialsError('node configuration invalid');
    };
  }
  node.on('input', (msg, send, done) => decide(node, opts, msg, () => check(msg), send, done));
  node.on('close', (_removed, done) => {
    Promise.resolve()
      .then(() => spec.close?.())
      .catch((e) => node.warn(`close: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => done());
  });
}
