/**
 * The shape every method's check has (lib/basic, lib/api-keys, lib/ip,
 * lib/bearer): built once from validated options, then `run` per request.
 * The node (nodes/shared/check-node.ts) and the Express middleware
 * (lib/middleware/checks) are adapters over it: they build the neutral
 * request, supply where lists come from, and put the outcome on the wire.
 */
import type { AuthInfo } from '../auth-info';
import { AuthError, StoreUnavailableError } from '../errors';
import { Maybe, then } from '../util/maybe';
import { oncePerValue } from '../util/memo';
import type { CheckRequest } from './request';

export interface Check<R extends CheckRequest = CheckRequest> {
  /** Names the check in audit events. */
  readonly method: AuthInfo['method'];
  /** The identity (now when every step can answer at once), or a throw/rejection with an AuthError. */
  run(req: R): Maybe<AuthInfo>;
  /** Headers a refusal by this check carries: the challenge of RFC 9110 §11.6.1 for every 401. */
  challenge(err: AuthError): Record<string, string>;
}

/**
 * Where a credential or rule list comes from.
 *  - `fixed`: given once (typed into the node, a value in settings.js). Taken
 *    as it is: an empty list typed in is a choice.
 *  - `read`: read per request (flow/global context, env, msg, a settings.js
 *    function). A value that is missing — undefined or null: a context key not
 *    set (yet), an unset environment variable — cannot be told from a list
 *    that failed to arrive, so the check does not run: 503 AUTH_011 (fail
 *    closed, DESIGN.md §4), never "everyone" and never "wrong password".
 *    `what` names the source in the reason (a key or variable name, never a value).
 */
export type ListSource<R> = FixedList | LiveList<R>;
export interface FixedList { readonly fixed: unknown }
export interface LiveList<R> { readonly read: (req: R) => Maybe<unknown>; readonly what: string }

/** Whether the list is read per request (then an empty allow list is not a choice someone typed). */
export function isLive<R>(source: ListSource<R> | undefined): source is LiveList<R> {
  return source !== undefined && 'read' in source;
}

/** The list for this request; AUTH_011 when a live source has none. */
export function readList<R>(source: ListSource<R>, req: R): Maybe<unknown> {
  if (!isLive(source)) return source.fixed;
  return then(source.read(req), (value) => {
    if (value === undefined || value === null) throw listMissing(source.what);
    return value;
  });
}

export function listMissing(what: string): AuthError {
  // Retry soon: a key not set yet after a restart is usually set by a flow within seconds.
  return new StoreUnavailableError(`could not check: ${what} is missing`, { retryAfter: 1 });
}

/**
 * Told about a credential list's bad entries and warnings (plain-text
 * passwords) once per distinct list value, never per request. Never a secret.
 */
export type ListReport = (problems: string[], warnings: string[]) => void;

/** `report` called once per distinct value of the list checker's findings. */
export function reportOncePerValue(checker: { problems(raw: unknown): string[]; warnings?(raw: unknown): string[] }, report: ListReport | undefined): (raw: unknown) => void {
  if (!report) return () => undefined;
  return oncePerValue((raw) => report(checker.problems(raw), checker.warnings?.(raw) ?? []));
}
