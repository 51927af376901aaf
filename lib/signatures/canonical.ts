import { hash } from 'crypto';
import { MalformedCredentialsError } from '../errors';

/**
 * The strings a request signature covers, one function per scheme.
 *
 * Kindly (the guide's Python client): method + path + timestamp + nonce
 * [+ json.dumps(body, sort_keys=True)], concatenated with no separator.
 * Concatenation is ambiguous: the nonce "n" with the body `[1]` signs the
 * same bytes as the nonce "n[1]" with no body, so a signed POST could be
 * replayed as a body-less request under a fresh nonce. The check closes the
 * gaps it can (nonce limited to [A-Za-z0-9_-], bodies must be a JSON object
 * or array, timestamps in canonical decimal inside the window), but the
 * scheme stays fragile and leaves the raw body, the query parameters' order
 * and anything not re-serialised by json.dumps to interpretation.
 *
 * Strict (ours, the default): one field per line, none of which can contain
 * a newline, so no field can run into the next:
 *
 *     AUTHFLOW-HMAC-SHA256          (names the scheme: a signature made for
 *     <METHOD>                        anything else with the same secret, a
 *     <path as sent, no query>        webhook say, never verifies here)
 *     <canonical query>
 *     <timestamp>
 *     <nonce>
 *     <hex SHA-256 of the exact body bytes>
 */

export const STRICT_SCHEME_LABEL = 'AUTHFLOW-HMAC-SHA256';

export function kindlyMessage(method: string, path: string, timestamp: string, nonce: string, body: string | undefined): string {
  return method + path + timestamp + nonce + (body ?? '');
}

export function strictMessage(method: string, path: string, query: string, timestamp: string, nonce: string, body: Uint8Array): string {
  return [STRICT_SCHEME_LABEL, method, path, canonicalQuery(query), timestamp, nonce, hash('sha256', body, 'hex')].join('\n');
}

/** The request target split at the first `?` (RFC 9110 §4.2.2 origin-form), both parts exactly as sent. */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/**
 * The query as a canonical string (AWS SigV4 style): each `name=value` pair
 * percent-decoded (`+` as a space, like the form decoding that fills
 * msg.req.query), re-encoded with RFC 3986 §2.3 unreserved characters left
 * as they are, the `name=value` strings sorted in byte order and joined
 * with `&`; a parameter
 * without `=` counts as an empty value. Python: `'&'.join(sorted(
 * quote(k, safe='-_.~') + '=' + quote(v, safe='-_.~') for k, v in
 * parse_qsl(query, keep_blank_values=True)))`.
 */
export function canonicalQuery(query: string): string {
  if (!query) return '';
  const pairs: string[] = [];
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push(rfc3986(formDecode(name)) + '=' + rfc3986(formDecode(value)));
  }
  // Encoded pairs are ASCII: JS's default sort is byte order, like Python's sorted().
  return pairs.sort().join('&');
}

function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new MalformedCredentialsError('signed request: malformed percent-encoding in the query', { status: 400 });
  }
}

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
