/**
 * The neutral request every check reads (lib/<method>/check.ts), whoever
 * received the HTTP request: an `http in` node (nodes/shared/msg-request.ts)
 * or Express/Node http (lib/middleware/request.ts). Adapters build it; checks
 * read it only through the functions below, so header lines, the query and
 * "the client address" mean the same thing in every node and the middleware.
 */
import type { AuthInfo } from '../auth-info';
import { MalformedCredentialsError } from '../errors';
import { headerValues, headerValuesOf } from '../util/http-headers';
import { peerAddressText } from '../ip/address';

export interface CheckRequest {
  /** Header lines as received, `[name, value, name, value, …]` (Node's rawHeaders): repeated headers stay visible. */
  readonly rawHeaders: readonly string[];
  /** The query string as sent, without `?`, still percent-encoded; '' when there is none. */
  readonly query: string;
  /** The socket peer (`req.socket.remoteAddress`). */
  readonly peer: string | undefined;
  /** What an earlier check of the same chain established (msg.auth / req.auth), if any. */
  readonly previous: AuthInfo | undefined;
}

/** Every value of one header, one per line the client sent. */
export function headerLines(req: CheckRequest, name: string): string[] {
  return headerValues(req.rawHeaders, name);
}

/** headerLines of several headers at once (names in lower case), one pass over the lines. */
export function headerLinesOf(req: CheckRequest, lowerNames: readonly string[]): string[][] {
  return headerValuesOf(req.rawHeaders, lowerNames);
}

/**
 * Every value of one query parameter, parsed from the raw query string the
 * same way everywhere (URLSearchParams), never from a framework's parsed
 * object: `name[a]=b` / `name[]=b` is the qs syntax for an object or an
 * array, which no credential is, so it is malformed (400 AUTH_003) instead of
 * reaching a check as something that is not a string.
 */
export function queryValues(req: CheckRequest, name: string): string[] {
  const query = req.query;
  // Only a query that mentions the name, or hides it in percent-encoding, is parsed.
  if (query === '' || (!query.includes(name) && !query.includes('%'))) return [];
  const values: string[] = [];
  for (const [key, value] of new URLSearchParams(query)) {
    if (key === name) values.push(value);
    else if (key.length > name.length && key.startsWith(name) && key[name.length] === '[') {
      throw new MalformedCredentialsError(`query parameter ${name} is not a single value`, { status: 400, oauthError: 'invalid_request' });
    }
  }
  return values;
}

/**
 * The client address every check reports — msg.auth.ip, audit events, the
 * address lockout counts against — one rule for every node and the
 * middleware: the address an earlier check resolved (an ip check that read
 * X-Forwarded-For from a trusted proxy), else the socket peer (IPv4-mapped
 * IPv6 shown as IPv4).
 */
export function clientAddress(req: CheckRequest): string | undefined {
  const earlier = req.previous?.ip;
  return typeof earlier === 'string' && earlier !== '' ? earlier : peerAddressText(req.peer);
}

/** An earlier check's identity when `value` looks like one (msg.auth may be anything a flow put there). */
export function earlierAuth(value: unknown): AuthInfo | undefined {
  return value !== null && typeof value === 'object' && typeof (value as AuthInfo).method === 'string' ? (value as AuthInfo) : undefined;
}

/** The query part of a request target (`/x?a=1` → `a=1`). */
export function queryOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}
