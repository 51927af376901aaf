import { InvalidCredentialsError, MalformedCredentialsError } from '../errors';

export interface TokenLocation {
  /** All values of the configured header (rawHeaders), e.g. x-auth-token. */
  header: string[];
  /** Authorization header values, when `Authorization: Bearer <key>` is accepted. */
  authorization?: string[];
  /** Query parameter value(s), when the query parameter is enabled. */
  query?: string | string[];
}

// RFC 6750 §2.1 b64token: the grammar also used for our API keys.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Finds the one API key a request presents. No key → AUTH_001; a key in two
 * places (or a repeated header) → AUTH_003 400, because the server cannot
 * know which one the client meant (same rule as RFC 6750 §2).
 */
export function extractApiToken(loc: TokenLocation): string {
  const found: string[] = [...loc.header];
  for (const v of loc.authorization ?? []) {
    const m = /^ *bearer +(\S+) *$/i.exec(v);
    if (m) found.push(m[1]);
  }
  if (loc.query !== undefined) found.push(...(Array.isArray(loc.query) ? loc.query : [loc.query]));
  if (found.length === 0) throw new InvalidCredentialsError('no API key presented');
  if (found.length > 1) throw new MalformedCredentialsError('API key presented more than once', { status: 400 });
  // A parsed query can hold objects (`?api_key[a]=b`): malformed input, never a TypeError.
  if (typeof found[0] !== 'string') throw new MalformedCredentialsError('API key is not a single text value', { status: 400 });
  const token = found[0].trim();
  if (!token || token.length > 4096 || !B64TOKEN.test(token)) throw new MalformedCredentialsError('API key has an invalid format');
  return token;
}
