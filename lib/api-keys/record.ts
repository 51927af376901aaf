/**
 * One API key as stored (never the key, never its digest) and as shown to
 * its owner, plus the validation of what a client may ask for when creating
 * one. Field names on the wire are Kindly's (snake_case).
 */
import { MalformedCredentialsError } from '../errors';
import { parseCidr } from '../ip/cidr';
import type { KeyEnv } from './format';
import { KEY_ENVS } from './format';

export interface ApiKeyRecord {
  /** UUID v4, like Kindly's ids. */
  id: string;
  name: string;
  /** Who the key acts for: the creator's msg.auth.subject. */
  owner: string;
  env: KeyEnv;
  /** Non-secret display prefix, e.g. `kapi_prod_2fGq`. */
  start: string;
  /** Granted scopes; `*` grants every scope. */
  scopes: string[];
  /** CIDR rules; empty allow = every address not denied. Deny wins. */
  allowedIps: string[];
  deniedIps: string[];
  /** Epoch ms. */
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
  /** Written off the request path, batched (see last-used.ts): may lag by the flush interval. */
  lastUsedAt?: number;
  /** Optional quota: the key stops working after this many uses. */
  maxUses?: number;
  metadata?: Record<string, unknown>;
  /** Rotation: the key this one replaced / the key that replaced this one. */
  rotatedFrom?: string;
  rotatedTo?: string;
  /**
   * The key's HMAC signing secret, sealed (AES-256-GCM, lib/crypto/data-key.ts;
   * the key id as associated data): HMAC needs the secret itself, so it cannot
   * be hashed. Never plain in the store, never in publicView.
   */
  signingSecret?: string;
}

/** What a create (or rotate) request may set. */
export interface KeySpec {
  name: string;
  env: KeyEnv;
  scopes: string[];
  allowedIps: string[];
  deniedIps: string[];
  expiresAt?: number;
  maxUses?: number;
  metadata?: Record<string, unknown>;
  /** Issue an HMAC signing secret with the key (shown once, like the key). */
  signing?: boolean;
}

export interface KeyPolicy {
  /** Env of keys created without one. */
  defaultEnv: KeyEnv;
  /** Lifetime of a key created without `expires_at`, ms; 0 = no expiry. */
  defaultLifetimeMs: number;
  /** Longest lifetime a client may ask for, ms; 0 = unlimited (and `expires_at: null` allowed). */
  maxLifetimeMs: number;
}

/** A refusal of a request body (API key create/rotate, register, change password): 400 AUTH_003; `detail` is safe to show the client (it names a field or rule, never a value). */
export class RequestFieldError extends MalformedCredentialsError {
  constructor(readonly detail: string) {
    super(`API key request: ${detail}`, { status: 400 });
  }
}

const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/; // RFC 6749 §3.3 scope-token
const MAX_LIST = 100;
const MAX_NAME = 200;
const MAX_METADATA_BYTES = 4096;

/** Reads a client's create request (Kindly: name, expires_at, scopes|permissions, allowed_ips|ip_whitelist, denied_ips, env, max_uses, metadata). */
export function readKeySpec(body: unknown, policy: KeyPolicy, now: number): KeySpec {
  const b = (body === undefined || body === null || body === '' ? {} : body) as Record<string, unknown>;
  if (typeof b !== 'object' || Array.isArray(b)) throw new RequestFieldError('the body must be a JSON object');
  const name = b.name === undefined ? 'API key' : b.name;
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new RequestFieldError(`name must be text of 1-${MAX_NAME} characters without control characters`);
  }
  const env = b.env === undefined ? policy.defaultEnv : b.env;
  if (!KEY_ENVS.includes(env as KeyEnv)) throw new RequestFieldError(`env must be one of ${KEY_ENVS.join(', ')}`);
  return {
    name: name.trim(),
    env: env as KeyEnv,
    scopes: readScopes(b.scopes ?? b.permissions),
    allowedIps: readCidrs(b.allowed_ips ?? b.ip_whitelist, 'allowed_ips'),
    deniedIps: readCidrs(b.denied_ips, 'denied_ips'),
    expiresAt: readExpiry(b.expires_at, policy, now),
    maxUses: readMaxUses(b.max_uses),
    metadata: readMetadata(b.metadata),
    signing: readSigning(b.signing),
  };
}

/** Optional `signing: true` of a create/rotate request: issue a signing secret. */
export function readSigning(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new RequestFieldError('signing must be true or false');
  return v;
}

function readScopes(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const list = typeof v === 'string' ? v.split(' ').filter(Boolean) : v;
  if (!Array.isArray(list) || list.length > MAX_LIST || !list.every((s) => typeof s === 'string' && SCOPE.test(s))) {
    throw new RequestFieldError(`scopes must be a list of at most ${MAX_LIST} scope names (RFC 6749 §3.3 characters, no spaces)`);
  }
  return [...new Set(list as string[])];
}

function readCidrs(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.length > MAX_LIST || !v.every((s) => typeof s === 'string')) {
    throw new RequestFieldError(`${field} must be a list of at most ${MAX_LIST} IPv4/IPv6 addresses or CIDR ranges`);
  }
  v.forEach((rule, i) => {
    try {
      parseCidr(rule);
    } catch {
      throw new RequestFieldError(`${field}[${i}] is not an IPv4/IPv6 address or CIDR range`);
    }
  });
  return v.map((s: string) => s.trim());
}

function readExpiry(v: unknown, policy: KeyPolicy, now: number): number | undefined {
  if (v === undefined) return policy.defaultLifetimeMs > 0 ? now + policy.defaultLifetimeMs : undefined;
  if (v === null) {
    if (policy.maxLifetimeMs > 0) throw new RequestFieldError('expires_at is required: keys on this server expire');
    return undefined;
  }
  // RFC 3339 date-time (Kindly: "2025-01-08T00:00:00Z"); an offset is required so the instant is unambiguous.
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i.test(v)) {
    throw new RequestFieldError('expires_at must be an RFC 3339 date-time with a time zone, e.g. 2025-01-08T00:00:00Z');
  }
  const at = Date.parse(v);
  if (!Number.isFinite(at)) throw new RequestFieldError('expires_at is not a valid date');
  if (at <= now) throw new RequestFieldError('expires_at must be in the future');
  if (policy.maxLifetimeMs > 0 && at - now > policy.maxLifetimeMs) {
    throw new RequestFieldError(`expires_at may be at most ${Math.round(policy.maxLifetimeMs / 86_400_000)} days ahead`);
  }
  return at;
}

function readMaxUses(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new RequestFieldError('max_uses must be a whole number ≥ 1');
  return v;
}

function readMetadata(v: unknown): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new RequestFieldError('metadata must be a JSON object');
  let json: string;
  try {
    json = JSON.stringify(v);
  } catch {
    // Nesting deep enough to overflow the stack (RangeError): far over the size limit anyway.
    throw new RequestFieldError(`metadata must be at most ${MAX_METADATA_BYTES} bytes of JSON`);
  }
  if (Buffer.byteLength(json) > MAX_METADATA_BYTES) throw new RequestFieldError(`metadata must be at most ${MAX_METADATA_BYTES} bytes of JSON`);
  return v as Record<string, unknown>;
}

/** Whether `granted` covers `wanted` (`*` covers everything). */
export function scopesCover(granted: readonly string[], wanted: readonly string[]): boolean {
  if (granted.includes('*')) return true;
  return wanted.every((s) => s !== '*' && granted.includes(s));
}

export type KeyState = 'active' | 'rotating' | 'expired' | 'revoked';

export function keyState(r: ApiKeyRecord, now: number): KeyState {
  if (r.revokedAt !== undefined) return 'revoked';
  if (r.expiresAt !== undefined && r.expiresAt <= now) return 'expired';
  return r.rotatedTo ? 'rotating' : 'active';
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** What list/get answer: never the key, never its digest. */
export function publicView(r: ApiKeyRecord, now: number): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    prefix: r.start,
    env: r.env,
    status: keyState(r, now),
    scopes: r.scopes,
    allowed_ips: r.allowedIps,
    denied_ips: r.deniedIps,
    created_at: iso(r.createdAt),
    expires_at: iso(r.expiresAt),
    revoked_at: iso(r.revokedAt),
    last_used_at: iso(r.lastUsedAt),
    max_uses: r.maxUses ?? null,
    metadata: r.metadata ?? {},
    rotated_from: r.rotatedFrom ?? null,
    rotated_to: r.rotatedTo ?? null,
    // Whether the key has a signing secret; the secret itself is shown only when it is issued.
    signing: r.signingSecret !== undefined,
  };
}

/** A stored record read back; anything else fails (the caller maps it to "could not check"). */
export function decodeRecord(json: string): ApiKeyRecord {
  const r = JSON.parse(json) as ApiKeyRecord;
  if (!r || typeof r.id !== 'string' || typeof r.owner !== 'string' || !Array.isArray(r.scopes)) throw new Error('malformed API key record');
  return r;
}
