import type { RedResponse } from './red-types';

/**
 * Headers onto a response still to be sent, name by name through Node's
 * setHeader: Express's res.set adds a String() and a Content-Type charset
 * step per header, which headers of the auth nodes never need, on every
 * request that carries rate-limit, key or debug headers.
 */
export function setHeaders(res: RedResponse['_res'], headers: Record<string, string>): void {
  for (const name in headers) res.setHeader(name, headers[name]);
}
