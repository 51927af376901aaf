import { MalformedCredentialsError, AuthError } from '../errors';
import { headerValuesOf } from '../util/http-headers';

/**
 * The request body as a signature check sees it. A signature is made over
 * bytes, so a check needs the bytes the client sent (`raw`): with `http in`'s
 * "Don't parse body" Node-RED hands them over as a Buffer. A route that
 * parses bodies leaves only the parsed value (`parsed`): enough for Kindly's
 * scheme, which re-serialises it, and nothing else.
 */
export type RequestBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'raw'; readonly bytes: Uint8Array }
  | { readonly kind: 'parsed'; readonly value: unknown };

const NONE: RequestBody = { kind: 'none' };

/**
 * The body from what a framework left on the request: a captured raw body
 * (`req.rawBody`, set by some body-parser `verify` hooks) wins, then a Buffer
 * or string `req.body` (Node-RED's "Don't parse body", text bodies), then a
 * parsed value. `hadBody`: the request carried a body (Content-Length > 0 or
 * Transfer-Encoding, RFC 9112 §6.3); without one, what a parser left (`{}`)
 * is no body at all.
 */
export function requestBody(rawBody: unknown, body: unknown, hadBody: boolean): RequestBody {
  return bytesOf(rawBody, hadBody) ?? bytesOf(body, hadBody) ?? (!hadBody || body === undefined ? NONE : { kind: 'parsed', value: body });
}

function bytesOf(v: unknown, hadBody: boolean): RequestBody | undefined {
  if (v instanceof Uint8Array) return v.length || hadBody ? { kind: 'raw', bytes: v } : NONE; // a Buffer is one too
  if (typeof v === 'string') return { kind: 'raw', bytes: Buffer.from(v, 'utf8') };
  return undefined;
}

/** Whether the header lines announce a body (RFC 9112 §6.3): a Transfer-Encoding, or a Content-Length other than 0. */
export function announcesBody(rawHeaders: readonly string[]): boolean {
  const [transferEncoding, contentLength] = headerValuesOf(rawHeaders, ['transfer-encoding', 'content-length']);
  return transferEncoding.length > 0 || contentLength.some((v) => v.trim() !== '0');
}

/** 413 when the body is over the limit (checked before any hashing). */
export function checkBodySize(body: RequestBody, rawHeaders: readonly string[], maxBytes: number): void {
  let size = 0;
  if (body.kind === 'raw') size = body.bytes.length;
  else if (body.kind === 'parsed') size = declaredLength(rawHeaders);
  if (size > maxBytes) throw new AuthError('AUTH_003', 413, `signed body of ${size} bytes is over the ${maxBytes}-byte limit`);
}

function declaredLength(rawHeaders: readonly string[]): number {
  return Number(headerValuesOf(rawHeaders, ['content-length'])[0][0]) || 0;
}

/** The exact bytes, or a 400 that tells the operator to stop the route parsing the body. */
export function rawBytes(body: RequestBody, what: string): Uint8Array {
  if (body.kind === 'raw') return body.bytes;
  if (body.kind === 'none') return EMPTY;
  // The remedy first: node status shows only the first 60 characters.
  throw new MalformedCredentialsError(`tick "Don't parse body" on http in: ${what} needs the raw body`, { status: 400 });
}

const EMPTY = new Uint8Array(0);
