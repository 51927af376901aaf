import { isUtf8 } from 'buffer';
import { InvalidCredentialsError, MalformedCredentialsError } from '../errors';
import { isSafeQuotedValue } from '../util/http-headers';

export interface BasicCredentials { username: string; password: string }

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Parses RFC 7617 Basic credentials from all `Authorization` header values
 * the client sent (rawHeaders, so duplicates are visible).
 *  - no header / another scheme → AUTH_001 (401, challenge);
 *  - two headers → AUTH_003 400 (ambiguous request);
 *  - anything malformed → AUTH_003 401.
 */
export function parseBasicAuthorization(values: string[]): BasicCredentials {
  if (values.length === 0) throw new InvalidCredentialsError('no Authorization header');
  if (values.length > 1) throw new MalformedCredentialsError('duplicate Authorization headers', { status: 400 });
  const header = values[0];
  // RFC 7617 §2: scheme is case-insensitive, then one or more spaces; "Basicxyz" is not Basic.
  const scheme = /^ *([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?: +|$)/.exec(header);
  if (!scheme || scheme[1].toLowerCase() !== 'basic') throw new InvalidCredentialsError('not a Basic Authorization header');
  // Trailing spaces only (RFC 9110 §5.5 OWS is SP/HTAB, but a tab or a Unicode space is never part of Basic credentials).
  const token = header.slice(scheme[0].length).replace(/ +$/, '');
  // Standard base64 only: base64url characters, missing padding or stray bytes are malformed.
  if (!token || !STRICT_BASE64.test(token)) throw new MalformedCredentialsError('Basic credentials are not valid base64');
  // The usual case, printable ASCII: valid UTF-8, already NFC, no control
  // character; atob (one byte per char) is the cheapest decoder for it.
  const binary = atob(token);
  if (PRINTABLE_ASCII.test(binary)) return splitCredentials(binary, true);
  const bytes = Buffer.from(token, 'base64');
  // RFC 7617 §2.1: charset="UTF-8" — reject byte sequences that are not UTF-8.
  if (!isUtf8(bytes)) throw new MalformedCredentialsError('Basic credentials are not valid UTF-8');
  return splitCredentials(bytes.toString('utf8'), false);
}

/** `printableAscii`: already known to hold no control character and to be NFC. */
function splitCredentials(decoded: string, printableAscii: boolean): BasicCredentials {
  // RFC 7617 §2: split on the FIRST colon (the user-id cannot contain one; the password may).
  const colon = decoded.indexOf(':');
  if (colon < 0 || (!printableAscii && CONTROL_CHARS.test(decoded))) {
    throw new MalformedCredentialsError('Basic credentials lack a colon or contain control characters');
  }
  if (colon === 0) throw new MalformedCredentialsError('empty user-id');
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  // RFC 7617 §2.1 / B2: NFC normalisation; the password is never trimmed (B6).
  return printableAscii ? { username, password } : { username: username.normalize('NFC'), password: password.normalize('NFC') };
}

/** Throws at configuration time when a realm cannot be put in a quoted-string (B8). */
export function validateRealm(realm: string): string {
  if (!realm || !isSafeQuotedValue(realm)) throw new Error('realm must be non-empty and contain no ", \\, CR, LF or control characters');
  return realm;
}

/** RFC 7617 §2 / §2.1 challenge. */
export function basicChallenge(realm: string): string {
  return `Basic realm="${realm}", charset="UTF-8"`;
}
