import { AuthError, toAuthError, emitDecision, AuthInfo, Maybe, rejectionFor, clientAddress, unexpectedErrorReporter, requestIdOf, debugHeaders } from '../../lib/internal';
import { requestOf } from './msg-request';
import type { RedMsg, RedNode } from './red-types';
import { StatusReporter } from './status';
import { setHeaders } from './response-headers';

/**
 * The contract every check node keeps (DESIGN.md §3), in one place:
 * success → msg.auth and output 1; rejection → output 2 with statusCode,
 * headers and payload, or — with "respond automatically" — the node answers
 * itself and sends nothing on output 2 (never both).
 */
export interface DecisionOptions {
  method: string;
  respond: boolean;
  status: StatusReporter;
  /** Extra response headers for a rejection (the RFC challenge). */
  challenge?: (err: AuthError) => Record<string, string>;
  /** Opt-in X-Auth-* debug headers (Kindly's guide) on success and rejection; off by default. */
  debugHeaders?: boolean;
  /** The node authorizes on an earlier check's msg.auth (scope): its allow is audited as its own, reason "authorized". */
  authorizes?: boolean;
}

/** The X-Auth-* debug headers of a decision: who the caller was taken for, never a secret. */
export function debugHeadersOf(method: string, msg: RedMsg, info?: AuthInfo): Record<string, string> {
  const quota = typeof info?.claims?.remaining_uses === 'number' ? info.claims.remaining_uses : remainingRateLimit(msg);
  return debugHeaders({ method: info?.method ?? method, subject: info?.subject, keyId: info?.keyId, ip: info?.ip ?? clientIp(msg), remainingQuota: quota });
}

/** The smallest quota left among the policies of an earlier rate-limit node (msg.rateLimit). */
function remainingRateLimit(msg: RedMsg): number | undefined {
  const policies = (msg.rateLimit as { policies?: Array<{ remaining?: unknown }> } | undefined)?.policies;
  if (!Array.isArray(policies)) return undefined;
  const left = policies.map((p) => p.remaining).filter((r): r is number => typeof r === 'number');
  return left.length ? Math.min(...left) : undefined;
}

/**
 * The client address of a msg, by the one rule of lib/checks (clientAddress):
 * the address an earlier check put on msg.auth.ip (an ip node behind a
 * trusted proxy), else the socket peer. For msg.auth.ip, audit events and
 * lockout in every node (login too).
 */
export function clientIp(msg: RedMsg): string | undefined {
  return clientAddress(requestOf(msg));
}

// One reporter per node: a bug hit on every request is logged once per node, with its stack.
const reporters = new WeakMap<RedNode, (err: unknown) => void>();

/** Logs an error that is not an AuthError (a bug): stack frames, never the message or request data. */
export function reportUnexpected(node: RedNode, error: unknown): void {
  if (error instanceof AuthError) return;
  let report = reporters.get(node);
  if (!report) {
    report = unexpectedErrorReporter((text) => node.error(text));
    reporters.set(node, report);
  }
  report(error);
}

/** The request as audit events describe it (method and path, never headers or body). */
export function requestFacts(msg: RedMsg) {
  return { httpMethod: msg.req?.method, path: msg.req?.path ?? msg.req?.url, requestId: requestIdOf(msg.req) };
}

export function nodeFacts(node: RedNode) {
  return { id: node.id, type: node.type, name: node.name || undefined, z: node.z };
}

export function accept(node: RedNode, opts: DecisionOptions, msg: RedMsg, info: AuthInfo, send: (m: Array<RedMsg | null>) => void): void {
  msg.auth = info;
  opts.status.allowed();
  if (opts.debugHeaders) {
    // On the response itself, like rate-limit headers: they reach the client whatever later nodes do.
    const res = msg.res?._res;
    if (res && !res.headersSent) setHeaders(res, debugHeadersOf(opts.method, msg, info));
  }
  emitDecision(() => ({
    // An authorization node decided, not the method that authenticated the caller (that one audited its own allow).
    time: new Date().toISOString(), outcome: 'allow', ...(opts.authorizes ? { method: opts.method, reason: 'authorized' } : { method: info.method, reason: 'authenticated' }),
    subject: info.subject, keyId: info.keyId, clientId: info.clientId, ip: info.ip, ...requestFacts(msg), node: nodeFacts(node),
  }));
  send([msg, null]);
}

export function rejectionHeaders(err: AuthError, challenge?: Record<string, string>): Record<string, string> {
  return rejectionFor(err, challenge).headers;
}

/** A refusal. An error that is not an AuthError is logged and answered 503 AUTH_011 "could not check", never 401. */
export function reject(node: RedNode, opts: DecisionOptions, msg: RedMsg, error: unknown, send: (m: Array<RedMsg | null>) => void): void {
  reportUnexpected(node, error);
  const err = toAuthError(error);
  opts.status.denied(err);
  emitDecision(() => ({
    time: new Date().toISOString(), outcome: 'deny', method: opts.method, code: err.code, status: err.status,
    reason: err.reason, ip: clientIp(msg), ...requestFacts(msg), node: nodeFacts(node),
  }));
  const { headers, payload } = rejectionFor(err, opts.challenge?.(err));
  if (opts.debugHeaders) Object.assign(headers, debugHeadersOf(opts.method, msg));
  delete msg.auth; // a rejected msg must never look authenticated downstream
  answer(msg, opts.respond, err.status, headers, payload);
  if (!opts.respond) send([null, msg]);
}

/**
 * An HTTP answer: with "respond automatically" the node writes it to the
 * client itself (unless a response already went out); otherwise it goes on
 * the msg for an `http response` node (an empty payload for no body).
 */
export function answer(msg: RedMsg, respond: boolean, statusCode: number, headers: Record<string, string>, payload: unknown): void {
  if (respond) {
    const res = msg.res?._res;
    if (!res || res.headersSent) return;
    res.status(statusCode).set(headers);
    if (payload === undefined) res.end?.();
    else res.json(payload);
    return;
  }
  msg.statusCode = statusCode;
  msg.headers = headers;
  msg.payload = payload === undefined ? '' : payload;
}

/**
 * Runs one msg's work and hands the outcome to `ok` or `fail`. Work that
 * answers at once is handled at once (no promise, no microtask turn); a
 * synchronous throw is a failure like a rejection. `done` is called exactly
 * once, with an error only if `ok`/`fail` themselves threw.
 */
export function settle<T>(
  work: () => Maybe<T>,
  ok: (value: T) => void,
  fail: (error: unknown) => void,
  done: (err?: Error) => void,
): void {
  const finish = (handle: () => void) => {
    try {
      handle();
    } catch (e) {
      done(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    done();
  };
  let result: Maybe<T>;
  try {
    result = work();
  } catch (e) {
    finish(() => fail(e));
    return;
  }
  if (result instanceof Promise) result.then((v) => finish(() => ok(v)), (e) => finish(() => fail(e)));
  else finish(() => ok(result as T));
}

/** Runs one check for one msg and applies the contract; never throws, never leaves `done` uncalled. */
export function decide(
  node: RedNode,
  opts: DecisionOptions,
  msg: RedMsg,
  check: () => Maybe<AuthInfo>,
  send: (m: Array<RedMsg | null>) => void,
  done: (err?: Error) => void,
): void {
  settle(check, (info) => accept(node, opts, msg, info, send), (error) => reject(node, opts, msg, error, send), done);
}
