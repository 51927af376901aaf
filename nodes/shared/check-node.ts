import type { AuthError, Check } from '../../lib/internal';
import type { RedNode } from './red-types';
import { decide, DecisionOptions } from './decision';
import { StatusReporter } from './status';
import { setupOrFailClosed } from './fail-closed-setup';
import { MsgRequest, requestOf } from './msg-request';

export interface CheckNodeConfig {
  name?: string;
  /** "respond automatically" */
  respond?: boolean;
  /** Opt-in X-Auth-* debug headers on every answer (decision.ts debugHeadersOf). */
  debugHeaders?: boolean;
}

export interface CheckNodeSpec {
  method: string;
  /**
   * Reads the node's config once at deploy and returns the lib check
   * (lib/<method>/check.ts) it adapts. Throwing here is a configuration
   * error: shown on the node and in the log, and every request is refused
   * with 503 AUTH_011 (fail closed).
   */
  setup(status: StatusReporter): Check<MsgRequest>;
  /** Authorizes on an earlier check's msg.auth rather than authenticating (decision.ts audits it as its own decision). */
  authorizes?: boolean;
  /** Called on close/redeploy (timers, connections). */
  close?: () => Promise<void> | void;
}

/**
 * The glue every check node shares, over a lib check: the msg becomes the
 * neutral request, the outcome the msg/HTTP contract (decision.ts); plus
 * config errors, status and close.
 */
export function initCheckNode(node: RedNode, config: CheckNodeConfig, spec: CheckNodeSpec): void {
  const status = new StatusReporter(node);
  let check: Check<MsgRequest> | undefined;
  const challenge = (err: AuthError) => check?.challenge(err) ?? {};
  const opts: DecisionOptions = { method: spec.method, respond: !!config.respond, status, challenge, debugHeaders: config.debugHeaders === true, authorizes: spec.authorizes };
  if (opts.debugHeaders) status.standingWarning('debug headers on');
  const run = setupOrFailClosed(node, status, (s) => {
    const built = spec.setup(s);
    check = built;
    return (msg) => built.run(requestOf(msg));
  });
  node.on('input', (msg, send, done) => decide(node, opts, msg, () => run(msg), send, done));
  node.on('close', (_removed, done) => {
    Promise.resolve()
      .then(() => spec.close?.())
      .catch((e) => node.warn(`close: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => done());
  });
}
