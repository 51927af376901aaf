/**
 * Where a Bearer token comes from (RFC 6750 §2), J13. Header first; the
 * `access_token` query parameter (§2.3) only when enabled, the `access_token`
 * body parameter (§2.2) only when the caller reads the body; never two.
 */
import { InvalidCredentialsError, MalformedCredentialsError } from '../errors';

export interface ExtractBearerInput {
  /** Raw `Authorization` values, one per header line (from `req.rawHeaders`: Node keeps only the first). */
  authorization: string[];
  /** Parsed `access_token` query value(s), if any. */
  queryToken?: string | string[];
  /** Accept `access_token` in the query (RFC 6750 §2.3: SHOULD NOT, so off by default in nodes). */
  allowQuery: boolean;
  /** The body's `access_token` (RFC 6750 §2.2), given only when the body may carry it; undefined = none. */
  bodyToken?: unknown;
}

/** RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
export const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const AUTH_SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const badRequest = (reason: string) =>
  new MalformedCredentialsError(reason, { status: 400, oauthError: 'invalid_request' });

/**
 * The token, or a throw:
 * - no Bearer credentials → InvalidCredentialsError without oauthError (RFC 6750 §3.1: no `error` then);
 * - repeated header, several methods, bad grammar, query when disabled → 400 `invalid_request`.
 */
export function extractBearer(input: ExtractBearerInput): string {
  const headers = input.authorization ?? [];
  if (headers.length > 1) throw badRequest('repeated Authorization header');
  const query = input.queryToken === undefined ? [] : Array.isArray(input.queryToken) ? input.queryToken : [input.queryToken];
  if (query.length > 1) throw badRequest('repeated access_token parameter');

  const fromHeader = headers.length === 1 ? parseBearerHeader(headers[0]) : undefined;
  if (input.bodyToken !== undefined) {
    // RFC 6750 §2: clients MUST NOT use more than one method.
    if (fromHeader !== undefined || query.length) throw badRequest('token sent by more than one method');
    if (typeof input.bodyToken !== 'string' || !B64TOKEN.test(input.bodyToken)) throw badRequest('access_token is not a b64token');
    return input.bodyToken;
  }
  if (query.length === 1) {
    // RFC 6750 §2: clients MUST NOT use more than one method.
    if (fromHeader !== undefined) throw badRequest('token sent by more than one method');
    if (!input.allowQuery) throw badRequest('access_token in the query is disabled');
    if (!B64TOKEN.test(query[0])) throw badRequest('access_token is not a b64token');
    return query[0];
  }
  if (fromHeader === undefined) throw new InvalidCredentialsError('no bearer credentials');
  return fromHeader;
}

/** `Bearer 1*SP b64token` (RFC 6750 §2.1, RFC 9110 §11.4); another scheme → undefined. */
function parseBearerHeader(value: string): string | undefined {
  if (typeof value !== 'string') throw badRequest('Authorization header is not text');
  // credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ], auth-scheme = token (RFC 9110 §11.4, §5.6.2).
  // Split at the first space without a regex over the whole (long) token.
  const space = value.indexOf(' ');
  const scheme = space < 0 ? value : value.slice(0, space);
  if (!AUTH_SCHEME.test(scheme)) throw badRequest('Authorization header is malformed');
  // Auth schemes are case-insensitive (RFC 9110 §11.1); `Bearerxyz` is another scheme.
  if (scheme.length !== 6 || scheme.toLowerCase() !== 'bearer') return undefined;
  let start = space;
  while (start >= 0 && start < value.length && value.charCodeAt(start) === 32) start++;
  const token = space < 0 ? '' : value.slice(start);
  if (token === '') throw badRequest('Bearer without a token');
  if (!B64TOKEN.test(token)) throw badRequest('Bearer token is not a b64token');
  return token;
}
