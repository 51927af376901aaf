import { AuthError, AuthInfo, emitDecision } from '../../lib/internal';
import type { RedMsg, RedNode } from '../shared/red-types';
import { DecisionOptions, reject, nodeFacts, clientIp, requestFacts, answer, settle, debugHeadersOf } from '../shared/decision';
import { StatusReporter } from '../shared/status';
import { setupOrFailClosed } from '../shared/fail-closed-setup';

/** What an endpoint operation answers on success. */
export interface EndpointResult {
  statusCode: number;
  /** Response body; undefined = none (204). */
  payload?: unknown;
  /** For msg.auth on output 1: never a token or a password. */
  auth?: AuthInfo;
  /** For the audit stream. */
  reason: string;
  subject?: string;
}

export interface EndpointSpec {
  method: string;
  setup(status: StatusReporter): (msg: RedMsg) => Promise<EndpointResult>;
}

/**
 * Token responses must never be cached (RFC 6749 §5.1: Cache-Control: no-store,
 * Pragma: no-cache for HTTP/1.0 caches).
 */
export const NO_STORE = Object.freeze({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });

/**
 * RFC 9110 §15.5.2: a 401 MUST carry a challenge. These endpoints hand out or
 * are guarded by Bearer tokens, so the challenge is Bearer, realm "api" (the
 * bearer node's default). No error attribute: no token was presented or it is
 * not the endpoint's to judge (RFC 6750 §3.1).
 */
const BEARER_CHALLENGE = Object.freeze({ 'WWW-Authenticate': 'Bearer realm="api"' });
function endpointChallenge(err: AuthError): Record<string, string> {
  return err.status === 401 ? BEARER_CHALLENGE : {};
}

/**
 * The glue of endpoints that answer with a body of their own (login, refresh,
 * logout, enrolment): output 1 carries the success response in msg.payload /
 * msg.statusCode / msg.headers, ready for `http response`; rejections keep
 * the check-node contract on output 2 (shared `reject`). With "respond
 * automatically" the node answers both itself, and output 1 still fires for
 * follow-up work — with msg.auth but without the tokens.
 */
export function initEndpointNode(node: RedNode, config: { respond?: boolean; debugHeaders?: boolean }, spec: EndpointSpec): void {
  const status = new StatusReporter(node);
  const opts: DecisionOptions = { method: spec.method, respond: !!config.respond, status, challenge: endpointChallenge, debugHeaders: config.debugHeaders === true };
  if (opts.debugHeaders) status.standingWarning('debug headers on');
  const handle = setupOrFailClosed(node, status, (s) => spec.setup(s));
  node.on('input', (msg, send, done) => settle(
    () => handle(msg),
    (result) => succeed(node, opts, msg, result, send),
    (error) => reject(node, opts, msg, error, send),
    done,
  ));
}

function succeed(node: RedNode, opts: DecisionOptions, msg: RedMsg, result: EndpointResult, send: (m: Array<RedMsg | null>) => void): void {
  opts.status.allowed();
  emitDecision(() => ({
    time: new Date().toISOString(), outcome: 'allow', method: opts.method, reason: result.reason,
    subject: result.subject ?? result.auth?.subject, ip: clientIp(msg), ...requestFacts(msg), node: nodeFacts(node),
  }));
  if (result.auth) msg.auth = result.auth;
  else delete msg.auth;
  const debug = opts.debugHeaders ? debugHeadersOf(opts.method, msg, result.auth) : undefined;
  answer(msg, opts.respond, result.statusCode, { ...NO_STORE, ...debug }, result.payload);
  if (opts.respond) {
    // The tokens went to the client; they do not travel further down the flow.
    delete msg.payload;
    delete msg.statusCode;
    delete msg.headers;
  }
  send([msg, null]);
}
