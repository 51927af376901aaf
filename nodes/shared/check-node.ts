import { AuthError, AuthInfo, Maybe } from '../../lib/internal';
import type { RedMsg, RedNode } from './red-types';
import { decide, DecisionOptions } from './decision';
import { StatusReporter } from './status';
import { setupOrFailClosed } from './fail-closed-setup';

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
  setup(status: StatusReporter): (msg: RedMsg) => Maybe<AuthInfo>;
  /** Called on close/redeploy (timers, connections). */
  close?: () => Promise<void> | void;
}

/** The glue every check node shares: config errors, status, the msg/HTTP contract, close. */
export function initCheckNode(node: RedNode, config: CheckNodeConfig, spec: CheckNodeSpec): void {
  const status = new StatusReporter(node);
  const opts: DecisionOptions = { method: spec.method, respond: !!config.respond, status, challenge: spec.challenge };
  const check = setupOrFailClosed(node, status, (s) => spec.setup(s));
  node.on('input', (msg, send, done) => decide(node, opts, msg, () => check(msg), send, done));
  node.on('close', (_removed, done) => {
    Promise.resolve()
      .then(() => spec.close?.())
      .catch((e) => node.warn(`close: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => done());
  });
}
