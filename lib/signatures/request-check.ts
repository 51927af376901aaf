import type { AuthInfo } from '../auth-info';
import { Store, claimNow } from '../store/store';
import { InvalidCredentialsError, MalformedCredentialsError, SignatureError } from '../errors';
import { validateRealm } from '../basic/parse';
import { then, type Maybe } from '../util/maybe';
import { Check, ListSource, ListReport, readList, reportOncePerValue } from '../checks/check';
import { CheckRequest, headerLinesOf, clientAddress } from '../checks/request';
import { RequestBody, checkBodySize, rawBytes } from './body';
import { kindlyMessage, strictMessage } from './canonical';
import { canonicalJsonText, pythonDumpsSorted, JsonSyntaxError, PythonJson } from './python-json';
import { SigningKey, SigningKeyDirectory, SigningKeyResolver, isResolver, liveKeys } from './signing-keys';
import { anySignatureMatches } from './hmac';
import { signatureKeys } from './store-keys';

/** What a request-signature check reads: the neutral request plus method, path and body. */
export interface SignedRequest extends CheckRequest {
  /** The request method as sent (`POST`). */
  readonly method: string;
  /** The path as sent, still percent-encoded, without the query. */
  readonly path: string;
  readonly body: RequestBody;
  /** Epoch ms of arrival; default the check's clock. */
  readonly now?: number;
}

export type SignatureScheme = 'strict' | 'kindly';

export interface SignedRequestOptions {
  /** `strict` (ours, default) or `kindly` (the guide's Python client). */
  scheme?: SignatureScheme;
  /** Accepted clock difference, both directions, in seconds. Default 300. */
  windowSeconds?: number;
  /** Larger bodies are refused with 413 before any hashing. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Where used nonces are remembered (shared by every instance when it is Redis/PostgreSQL). */
  store: Store;
  /** Realm of the 401 challenge. Default "api". */
  realm?: string;
  now?: () => number;
}

/** The header names of each scheme: Kindly's client sends its API key in X-API-Key; ours a non-secret key id. */
export const SCHEME_HEADERS: Record<SignatureScheme, { key: string; timestamp: string; nonce: string; signature: string }> = {
  strict: { key: 'X-Key-Id', timestamp: 'X-Timestamp', nonce: 'X-Nonce', signature: 'X-Signature' },
  kindly: { key: 'X-API-Key', timestamp: 'X-Timestamp', nonce: 'X-Nonce', signature: 'X-Signature' },
};

export const DEFAULT_WINDOW_SECONDS = 300;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const TIMESTAMP = /^(?:0|[1-9][0-9]{0,11})$/; // Unix seconds, canonical decimal: one spelling per instant
const NONCE = /^[A-Za-z0-9_-]{16,128}$/; // none of the characters a JSON body starts with (see canonical.ts)
const HEX_SIGNATURE = /^[0-9a-fA-F]{64}$/;
const KEY_ID = /^[\x21-\x7e]{1,512}$/;

export interface SignedRequestSettings {
  scheme: SignatureScheme;
  windowSeconds: number;
  maxBodyBytes: number;
  realm: string;
}

/** Validated settings (the node's dialog shares these rules); throws a configuration error. */
export function signedRequestSettings(opts: Omit<SignedRequestOptions, 'store' | 'now'>): SignedRequestSettings {
  const scheme = opts.scheme ?? 'strict';
  if (scheme !== 'strict' && scheme !== 'kindly') throw new Error(`unknown signature scheme ${JSON.stringify(scheme)}`);
  return {
    scheme,
    windowSeconds: positiveInteger(opts.windowSeconds ?? DEFAULT_WINDOW_SECONDS, 'window', 86400),
    maxBodyBytes: positiveInteger(opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, 'body limit', 1024 * 1024 * 1024),
    realm: validateRealm(opts.realm ?? 'api'),
  };
}

export function positiveInteger(value: unknown, what: string, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) throw new Error(`${what} must be a whole number from 1 to ${max}`);
  return n;
}

/**
 * The signed-request check of the `authflow-hmac` node. Order: header
 * syntax (400), body size (413), timestamp window (401), the signed string
 * (400 for a body the scheme cannot sign), key lookup (AUTH_004), signature
 * (AUTH_010), and only then the nonce claim and, for an API key store key,
 * the use it spends (quota, last used) — so requests without a valid
 * signature never write to the store, and a replay flood keeps it flat.
 */
export function signedRequestCheck<R extends SignedRequest>(keys: ListSource<R> | SigningKeyResolver, opts: SignedRequestOptions, report?: ListReport): Check<R> {
  const s = signedRequestSettings(opts);
  const { store } = opts;
  const clock = opts.now ?? Date.now;
  const names = SCHEME_HEADERS[s.scheme];
  const headers = headerNames(names);
  const directory = new SigningKeyDirectory(clock);
  const seen = reportOncePerValue(directory, report);
  if ('fixed' in keys) seen(keys.fixed);
  const findKey = (req: R, keyId: string, now: number): Promise<SigningKey> | SigningKey => {
    if (isResolver(keys)) return keys.resolve(keyId, clientAddress(req), now);
    return then(readList(keys, req), (list) => {
      seen(list);
      return directory.find(list, keyId, now);
    });
  };
  const windowMs = s.windowSeconds * 1000;
  // A nonce must outlive every timestamp that could carry it: ts ∈ [t−W, t+W] stays acceptable until t+2W.
  const nonceTtlMs = 2 * windowMs + 1000;
  const challenge = {
    'WWW-Authenticate': `HMAC realm="${s.realm}", algorithm="hmac-sha256", headers="${names.key} ${names.timestamp} ${names.nonce} ${names.signature}"`,
  };
  return {
    method: 'hmac',
    challenge: (err) => (err.status === 401 ? challenge : {}),
    run(req) {
      const now = req.now ?? clock();
      const h = signatureHeaders(req, headers);
      checkBodySize(req.body, req.rawHeaders, s.maxBodyBytes);
      // §: both directions (a clock far ahead is as suspect as one behind); Kong and APISIX check only one.
      if (Math.abs(now - Number(h.timestamp) * 1000) > windowMs) {
        throw new SignatureError(`timestamp outside the ±${s.windowSeconds} s window`);
      }
      const message = s.scheme === 'kindly' ? kindlyRequestMessage(req, h) : strictRequestMessage(req, h);
      const presented = [Buffer.from(h.signature, 'hex')];
      return then(findKey(req, h.keyId, now), (key): Maybe<AuthInfo> => {
        if (!anySignatureMatches(liveKeys(key.secrets, now), presented, [message])) throw new SignatureError(`signature mismatch for key ${key.id}`);
        // Synchronous when the nonces live in this process (MemoryStore.claim): no promise on the embedded path.
        return then(claimNow(store, signatureKeys.nonce(key.digest, h.nonce), '1', nonceTtlMs), (fresh): Maybe<AuthInfo> => {
          if (!fresh) throw new SignatureError(`nonce already used with key ${key.id} (replay)`);
          const info: AuthInfo = { method: 'hmac', subject: key.subject, keyId: key.id, scopes: key.scopes, expiresAt: key.expiresAt, ip: clientAddress(req) };
          // A key from the key store spends one use now (its quota); a key from a list has nothing to spend.
          return key.consume ? key.consume().then(() => info) : info;
        });
      });
    },
  };
}

interface SignatureHeaderValues { keyId: string; timestamp: string; nonce: string; signature: string }

/** The four header names of a scheme (key id, timestamp, nonce, signature), as sent and lower-cased (built once per check). */
function headerNames(names: (typeof SCHEME_HEADERS)[SignatureScheme]): { shown: string[]; lower: string[] } {
  const shown = [names.key, names.timestamp, names.nonce, names.signature];
  return { shown, lower: shown.map((n) => n.toLowerCase()) };
}

/** The four headers, read in one pass over the header lines; each must be sent exactly once. */
function signatureHeaders(req: CheckRequest, names: { shown: string[]; lower: string[] }): SignatureHeaderValues {
  const lines = headerLinesOf(req, names.lower);
  if (lines.every((l) => l.length === 0)) throw new InvalidCredentialsError('no request signature');
  lines.forEach((l, f) => {
    if (l.length === 0) throw malformed(`${names.shown[f]} header missing`);
    if (l.length > 1) throw malformed(`${names.shown[f]} header sent ${l.length} times`);
  });
  const v: SignatureHeaderValues = { keyId: lines[0][0].trim(), timestamp: lines[1][0].trim(), nonce: lines[2][0].trim(), signature: lines[3][0].trim() };
  if (!KEY_ID.test(v.keyId)) throw malformed(`${names.shown[0]} is not a key id`);
  if (!TIMESTAMP.test(v.timestamp)) throw malformed(`${names.shown[1]} must be Unix seconds`);
  if (!NONCE.test(v.nonce)) throw malformed(`${names.shown[2]} must be 16-128 characters of A-Z a-z 0-9 _ -`);
  if (!HEX_SIGNATURE.test(v.signature)) throw malformed(`${names.shown[3]} must be 64 hex digits (HMAC-SHA-256)`);
  return v;
}

function malformed(reason: string): MalformedCredentialsError {
  return new MalformedCredentialsError(`signed request: ${reason}`, { status: 400 });
}

function strictRequestMessage(req: SignedRequest, h: SignatureHeaderValues): string {
  return strictMessage(req.method, req.path, req.query, h.timestamp, h.nonce, rawBytes(req.body, 'the strict signature scheme'));
}

/**
 * Kindly's string: the path is the request target as sent (with its query,
 * so the query is signed too — a client signing only the path of a request
 * with a query is refused). The body part is json.dumps(body, sort_keys=True)
 * of a JSON object or array; another top-level value would make the
 * concatenation ambiguous and is refused.
 */
function kindlyRequestMessage(req: SignedRequest, h: SignatureHeaderValues): string {
  const target = req.query ? `${req.path}?${req.query}` : req.path;
  return kindlyMessage(req.method, target, h.timestamp, h.nonce, kindlyBodyPart(req.body));
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function kindlyBodyPart(body: RequestBody): string | undefined {
  let json: PythonJson;
  if (body.kind === 'none') return undefined;
  if (body.kind === 'raw') {
    if (body.bytes.length === 0) return undefined;
    let text: string;
    try {
      text = utf8.decode(body.bytes);
    } catch {
      throw malformed('body is not UTF-8');
    }
    try {
      json = canonicalJsonText(text);
    } catch (e) {
      if (e instanceof JsonSyntaxError) throw malformed(`body is not JSON (${e.message})`);
      throw e;
    }
  } else {
    const v = body.value;
    if (v === null || typeof v !== 'object') throw malformed('body must be a JSON object or array');
    try {
      json = pythonDumpsSorted(v);
    } catch (e) {
      if (e instanceof JsonSyntaxError) throw malformed(`body is not JSON (${e.message})`);
      throw e;
    }
  }
  if (json.text[0] !== '{' && json.text[0] !== '[') throw malformed('body must be a JSON object or array');
  // The guide signs the body only `if body:` — an empty object or array adds nothing.
  return json.truthy ? json.text : undefined;
}
