import type { IncomingMessage } from 'http';
import type { AuthInfo } from '../auth-info';
import { peerAddressText } from '../ip/address';
import { CheckRequest, queryOf } from '../checks/request';

/**
 * Request facts read the same way under plain Node http, Express, and
 * Node-RED's httpNodeMiddleware/httpNodeAuth. Express rewrites `req.url` to be
 * relative to the mount point (httpNodeRoot), which is what `http in` URLs
 * and exception patterns are written against.
 */

/** The neutral request of lib/checks, plus the Node request a settings.js function is called with. */
export interface MiddlewareRequest extends CheckRequest {
  readonly incoming: IncomingMessage;
}

/** What the checks see of `req`; `previous` is what an earlier check of ours put on req.auth. */
export function checkRequest(req: IncomingMessage, previous: AuthInfo | undefined): MiddlewareRequest {
  return { incoming: req, rawHeaders: req.rawHeaders ?? [], query: queryOf(req.url), peer: req.socket?.remoteAddress, previous };
}

/** The raw (still percent-encoded) path, without the query. */
export function rawPath(req: IncomingMessage): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The socket peer, IPv4-mapped IPv6 shown as IPv4 (for refusals before any check resolved an address). */
export function peerIp(req: IncomingMessage): string | undefined {
  return peerAddressText(req.socket?.remoteAddress);
}
