import { CheckRequest, ListSource, earlierAuth, queryOf } from '../../lib/internal';
import type { RED, RedMsg, RedNode } from './red-types';
import { createCredentialSource } from './credential-source';

/** The neutral request of lib/checks for an `http in` msg, plus the msg (for msg-property and context sources). */
export interface MsgRequest extends CheckRequest {
  readonly msg: RedMsg;
}

/**
 * What the lib checks see of a msg: the raw header lines and the raw query
 * string (never Express's parsed `req.query`, which turns `?k[a]=b` into an
 * object), the socket peer, and msg.auth of an earlier check.
 */
export function requestOf(msg: RedMsg): MsgRequest {
  const req = msg.req;
  return {
    msg,
    rawHeaders: req?.rawHeaders ?? [],
    query: queryOf(req?.originalUrl ?? req?.url),
    peer: req?.socket?.remoteAddress ?? req?.ip,
    previous: earlierAuth(msg.auth),
  };
}

/**
 * A node's list as a lib ListSource: the node's own credentials (typed into
 * the dialog, fixed at deploy: empty is a choice) or a source read per
 * request (flow/global context, env, msg: missing fails closed, 503 AUTH_011).
 * `what` names it in reasons, e.g. "users (flow.apiUsers)": a key, never a value.
 */
export function nodeListSource(RED: RED, node: RedNode, type: string, value: string, credentialField: string, what: string): ListSource<MsgRequest> {
  if (type === 'cred') return { fixed: node.credentials?.[credentialField] };
  if (type === 'json') return { fixed: value ? JSON.parse(value) : [] };
  const read = createCredentialSource(RED, node, type, value, credentialField);
  return { read: (req) => read(req.msg), what: `${what} (${type}.${value})` };
}
