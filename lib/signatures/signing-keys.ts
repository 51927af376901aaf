import { createSecretKey, KeyObject } from 'crypto';
import { LiveIndex, Indexed } from '../credentials/live-index';
import { stringList, firstString, expiryMs, parseListText } from '../credentials/fields';
import { sha256Hex } from '../crypto/secure-compare';
import { KeyRejectedError } from '../errors';

/**
 * HMAC needs the secret itself, so unlike passwords and API keys it cannot
 * be stored as a hash: keep it in node credentials (encrypted), an
 * environment variable or a store you trust.
 *
 * One secret, or two during a rotation: `previousSecret` stays valid until
 * `previousSecretExpiresAt` (required with it, so a grace period always
 * ends). HMAC keys are built once per entry, not per request.
 */
export interface SecretSet {
  /** The current key first; the previous one while its grace period lasts. */
  keys: ReadonlyArray<{ key: KeyObject; until?: number }>;
  /** A secret shorter than the hash output (RFC 2104 §3: L = 32 bytes for SHA-256). */
  short: boolean;
}

export type SecretDecoder = (secret: string) => Buffer;
export const utf8Secret: SecretDecoder = (s) => Buffer.from(s, 'utf8');

/** The secrets of one entry: `secret`, and optionally `previousSecret` with `previousSecretExpiresAt`. */
export function secretSet(obj: Record<string, unknown>, decode: SecretDecoder): SecretSet {
  const secret = firstString(obj, ['secret', 'signingSecret', 'signing_secret']);
  if (!secret) throw new Error('secret missing');
  const current = decode(secret);
  if (!current.length) throw new Error('secret is empty');
  const keys: Array<{ key: KeyObject; until?: number }> = [{ key: createSecretKey(current) }];
  let short = current.length < 32;
  const previous = firstString(obj, ['previousSecret', 'previous_secret']);
  if (previous !== undefined) {
    const until = expiryMs(obj.previousSecretExpiresAt ?? obj.previous_secret_expires_at);
    if (until === undefined) throw new Error('previousSecret needs previousSecretExpiresAt (the end of the grace period)');
    const old = decode(previous);
    if (!old.length) throw new Error('previousSecret is empty');
    keys.push({ key: createSecretKey(old), until });
    short ||= old.length < 32;
  }
  return { keys, short };
}

/** The keys usable at `now` (a previous secret past its grace period is gone). */
export function liveKeys(set: SecretSet, now: number): KeyObject[] {
  const out: KeyObject[] = [];
  for (const k of set.keys) if (k.until === undefined || now < k.until) out.push(k.key);
  return out;
}

export interface SigningKey {
  /** Non-secret id for msg.auth and audit: `id`, else `keyId`, else 12 hex digits of the API key's digest. */
  id: string;
  subject?: string;
  scopes: string[];
  /** Epoch ms; undefined = no expiry. */
  expiresAt?: number;
  secrets: SecretSet;
  /** The lookup digest: scopes nonces to this key. */
  digest: string;
  /** Spends one use (quota, last used); run only after the signature matched and the nonce was claimed. Rejects once spent. */
  consume?: () => Promise<unknown>;
}

const DIGEST = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

/**
 * A signing key, found by what the client sends in its key header:
 *  - `keyId`: a non-secret id (our strict scheme's X-Key-Id), shown in msg.auth;
 *  - `apiKey`, or `keyHash` (its SHA-256 hex): an API key that is itself a
 *    credential (Kindly's X-API-Key), never shown: msg.auth gets `id` or a
 *    digest prefix.
 * Plus `secret` (and rotation fields), `id?`, `subject?`, `scopes?`, `expiresAt?`.
 * Lists: an array of such objects, an object `{ "<keyId>": "<secret>" |
 * { secret, … } }`, or text (that JSON, or `<keyId> <secret>` per line).
 */
export function normalizeSigningKey(source: unknown, at: string | number): Indexed<SigningKey> {
  let obj: Record<string, unknown>;
  if (typeof source === 'string' && typeof at === 'string') obj = { keyId: at, secret: source };
  else if (source && typeof source === 'object' && !Array.isArray(source)) obj = { keyId: typeof at === 'string' ? at : undefined, ...(source as Record<string, unknown>) };
  else throw new Error('signing key must be an object');
  const keyId = firstString(obj, ['keyId', 'key_id']);
  const apiKey = firstString(obj, ['apiKey', 'api_key']);
  const keyHash = firstString(obj, ['keyHash', 'key_hash']);
  if ([keyId, apiKey, keyHash].filter((v) => v !== undefined).length !== 1) throw new Error('give exactly one of keyId, apiKey, keyHash');
  let digest: string;
  if (keyHash !== undefined) {
    const m = DIGEST.exec(keyHash);
    if (!m) throw new Error('keyHash must be 64 hex digits (SHA-256)');
    digest = m[1].toLowerCase();
  } else {
    digest = sha256Hex((keyId ?? apiKey)!);
  }
  const secrets = secretSet(obj, utf8Secret);
  const id = firstString(obj, ['id', 'name']) ?? keyId ?? digest.slice(0, 12);
  return {
    key: digest,
    entry: {
      id,
      subject: firstString(obj, ['subject', 'sub', 'owner']) ?? id,
      scopes: stringList(obj.scopes ?? obj.scope, 'scopes'),
      expiresAt: expiryMs(obj.expiresAt ?? obj.expires_at),
      secrets,
      digest,
    },
    warning: secrets.short ? 'a signing secret is shorter than 32 bytes' : undefined,
  };
}

function parseKeyLine(line: string): unknown {
  const m = /^(\S+)\s+(\S+)$/.exec(line);
  if (!m) throw new Error('each line must be "<keyId> <secret>"');
  return { keyId: m[1], secret: m[2] };
}

/** Signing keys looked up one at a time instead of from a list (the API key store); AUTH_004 for an unusable key. */
export interface SigningKeyResolver {
  resolve(presented: string, ip: string | undefined, now: number): Promise<SigningKey>;
}

export function isResolver(source: unknown): source is SigningKeyResolver {
  return typeof (source as SigningKeyResolver | undefined)?.resolve === 'function';
}

export class SigningKeyDirectory {
  private readonly index = new LiveIndex<SigningKey>(normalizeSigningKey, (t) => parseListText(t, parseKeyLine));

  constructor(private readonly now: () => number = Date.now) {}

  /** The key for a presented key id, or AUTH_004 when unknown or expired. */
  find(raw: unknown, presented: string, now = this.now()): SigningKey {
    const key = this.index.find(raw, sha256Hex(presented));
    if (!key) throw new KeyRejectedError('unknown signing key');
    if (key.expiresAt !== undefined && now >= key.expiresAt) throw new KeyRejectedError(`signing key ${key.id} expired`);
    return key;
  }

  problems(raw: unknown): string[] {
    return this.index.problems(raw);
  }

  warnings(raw: unknown): string[] {
    return this.index.warnings(raw);
  }
}
