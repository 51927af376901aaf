import type { IncomingMessage } from 'http';
import { headerValues } from '../util/http-headers';
import { peerAddressText } from '../ip/address';

/**
 * Request facts read the same way under plain Node http, Express, and
 * Node-RED's httpNodeMiddleware/httpNodeAuth. Express rewrites `req.url` to be
 * relative to the mount point (httpNodeRoot), which is what `http in` URLs
 * and exception patterns are written against.
 */

/** All values of a header as sent (rawHeaders: Node keeps only the first Authorization). */
export function header(req: IncomingMessage, name: string): string[] {
  return headerValues(req.rawHeaders, name);
}

/** The raw (still percent-encoded) path, without the query. */
export function rawPath(req: IncomingMessage): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Query parameter value(s): undefined when absent, an array when repeated. */
export function queryValue(req: IncomingMessage, name: string): string | string[] | undefined {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const values = new URLSearchParams(url.slice(q + 1)).getAll(name);
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}

/** The socket peer, IPv4-mapped IPv6 shown as IPv4 (the ip check does proxy-aware resolution). */
export function peerIp(req: IncomingMessage): string | undefined {
  return peerAddressText(req.socket?.remoteAddress);
}
