import { AuthInfo, InvalidCredentialsError, emitDecision } from '../../lib';
import type { RedMsg, RedNode } from '../shared/red-types';
import { DecisionOptions, reject, nodeFacts, clientIp } from '../shared/decision';
import { StatusReporter } from '../shared/status';

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

type ExpressRes = NonNullable<RedMsg['res']>['_res'] & { send?(body: unknown): unknown; end?(): unknown };

/**
 * The glue of endpoints that answer with a body of their own (login, refresh,
 * logout, enrolment): output 1 carries the success response in msg.payload /
 * msg.statusCode / msg.headers, ready for `http response`; rejections keep
 * the check-node contract on output 2 (shared `reject`). With "respond
 * automatically" the node answers both itself, and output 1 still fires for
 * follow-up work — with msg.auth but without the tokens.
 */
export function initEndpointNode(node: RedNode, config: { respond?: boolean }, spec: EndpointSpec): void {
  const status = new StatusReporter(node);
  const opts: DecisionOptions = { method: spec.method, respond: !!config.respond, status };
  let handle: (msg: RedMsg) => Promise<EndpointResult>;
  try {
    handle = spec.setup(status);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    node.error(`configuration error: ${message}`);
    status.configError(`config error: ${message}`);
    handle = async () => {
      throw new InvalidCredentialsError('node configuration invalid');
    };
  }
  node.on('input', (msg, send, done) => {
    // Through a promise even if `handle` throws synchronously: every msg gets an answer.
    Promise.resolve().then(() => handle(msg)).then(
      (result) => succeed(node, opts, msg, result, send),
      (error) => reject(node, opts, msg, error, send),
    ).then(() => done(), (e) => done(e instanceof Error ? e : new Error(String(e))));
  });
}

function succeed(node: RedNode, opts: DecisionOptions, msg: RedMsg, result: EndpointResult, send: (m: Array<RedMsg | null>) => void): void {
  opts.status.allowed();
  emitDecision({
    time: new Date().toISOString(), outcome: 'allow', method: opts.method, reason: result.reason,
    subject: result.subject ?? result.auth?.subject, ip: clientIp(msg),
    httpMethod: msg.req?.method, path: msg.req?.path ?? msg.req?.url, node: nodeFacts(node),
  });
  if (result.auth) msg.auth = result.auth;
  else delete msg.auth;
  const headers: Record<string, string> = { ...NO_STORE };
  if (opts.respond) {
    const res = msg.res?._res as ExpressRes | undefined;
    if (res && !res.headersSent) {
      res.status(result.statusCode).set(headers);
      if (result.payload === undefined) res.end?.();
      else res.json(result.payload);
    }
    // The tokens went to the client; they do not travel further down the flow.
    delete msg.payload;
    delete msg.statusCode;
    delete msg.headers;
  } else {
    msg.statusCode = result.statusCode;
    msg.headers = headers;
    msg.payload = result.payload === undefined ? '' : result.payload;
  }
  send([msg, null]);
}
