import type { IncomingMessage, ServerResponse } from 'http';
import { AuthError } from '../errors';
import type { AuthInfo } from '../auth-info';
import { emitDecision, requestIdOf } from '../audit';
import { rejectionFor } from '../errors/rejection';
import { rawPath, peerIp } from './request';

/** Identifies the middleware in audit events (AuthDecision.node), like a node id does for nodes. */
export interface Origin { id: string; type: 'authflow-middleware'; name?: string }

function requestFacts(req: IncomingMessage) {
  // The path only: the query may carry an api_key or access_token.
  return { httpMethod: req.method, path: rawPath(req), requestId: requestIdOf(req) };
}

export function auditAllow(req: IncomingMessage, info: AuthInfo, origin: Origin): void {
  emitDecision(() => ({
    time: new Date().toISOString(), outcome: 'allow', method: info.method, reason: 'authenticated',
    subject: info.subject, keyId: info.keyId, ip: info.ip, ...requestFacts(req), node: origin,
  }));
}

/**
 * Answers a refused request with the same contract as the check nodes
 * (status, challenge, no-store, `{error, message}`) and audits it. The
 * caller never calls next() afterwards.
 */
export function refuse(req: IncomingMessage, res: ServerResponse, err: AuthError, method: string, challenge: Record<string, string> | undefined, origin: Origin, ip?: string): void {
  emitDecision(() => ({
    time: new Date().toISOString(), outcome: 'deny', method, code: err.code, status: err.status,
    reason: err.reason, ip: ip ?? peerIp(req), ...requestFacts(req), node: origin,
  }));
  const { status, headers, payload } = rejectionFor(err, challenge);
  // Someone else already answered: nothing can be sent, and the request must still not go on.
  if (res.headersSent || res.writableEnded) return;
  const body = JSON.stringify(payload);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
