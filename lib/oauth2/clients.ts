/**
 * OAuth client records, read from any credential source (node credentials,
 * flow/global context, env, a DB node's msg property) as JSON: an array of
 * records, or an object of records keyed by client id. Field names follow
 * RFC 7591 §2 client metadata where one exists. Compiled once per distinct
 * value (a Map by id: no scan per request); a record with a problem is left
 * out (that client cannot authenticate) and the problem is reported once.
 *
 * {
 *   "client_id": "acme-orders",                        required, printable ASCII
 *   "client_name": "ACME Corp",                         optional
 *   "enabled": true,                                    default true
 *   "client_secrets": ["hmac-sha256$…$…",               hashes; several may be live
 *                      {"hash": "hmac-sha256$…$…", "expires_at": "2026-03-01T00:00:00Z"}],
 *   "scope": "orders:read orders:write",                allowed scopes (string or array)
 *   "default_scope": "orders:read",                     granted when none is asked; default: all allowed
 *   "resources": ["https://api.example.com/orders"],    allowed audiences (RFC 8707); default: the issuer's
 *   "access_token_lifetime": 600,                       seconds; default: the issuer's
 *   "token_endpoint_auth_method": "private_key_jwt",    optional: only this method
 *   "grant_types": ["client_credentials"],              default
 *   "jwks": {"keys": […]} | "jwks_uri": "https://…" | "public_key": "-----BEGIN PUBLIC KEY-----…",
 *   "introspection": "own"                              "own" (default): only its own tokens; "any"
 * }
 */
import { createPublicKey, KeyObject } from 'crypto';
import { BoundKey, JwsAlg, bindKeyObject } from '../jwt/keys';
import { parseJwks } from '../jwt/jwks';
import { parseSecretHash } from './client-secrets';

/** private_key_jwt algorithms: asymmetric only (client_secret_jwt is not offered, `none` never). */
export const ASSERTION_ALGS: readonly JwsAlg[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

export interface ClientSecretEntry {
  readonly mac: Buffer;
  readonly keyId: string;
  /** Epoch ms; undefined = no expiry. */
  readonly expiresAt?: number;
}

/** A private_key_jwt client's public keys: bound at compile time (jwks, public_key), or its JWKS URL. */
export type ClientKeys =
  | { readonly kind: 'keys'; readonly keys: readonly BoundKey[] }
  | { readonly kind: 'jwks_uri'; readonly url: string };

export interface OAuthClient {
  readonly id: string;
  readonly name?: string;
  readonly enabled: boolean;
  readonly secrets: readonly ClientSecretEntry[];
  readonly scopes: readonly string[];
  readonly defaultScopes: readonly string[];
  /** Allowed audiences; undefined = the issuer's audience. */
  readonly resources?: readonly string[];
  readonly ttlSec?: number;
  readonly authMethod?: ClientAuthMethod;
  readonly grantTypes: readonly string[];
  readonly keys?: ClientKeys;
  readonly introspectAny: boolean;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3
const CLIENT_ID = /^[\x20-\x7e]{1,128}$/; // RFC 6749 App. A.1 VSCHAR; bounded

/** RFC 6749 §3.3 scope list from a space-separated string or an array; undefined when malformed. */
export function scopeList(value: unknown): string[] | undefined {
  const list = typeof value === 'string' ? value.split(' ').filter(Boolean) : value;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s))) return undefined;
  return [...new Set(list as string[])];
}

/** Finds a client by id: a compiled list (ClientDirectory) or the store registry (client-store.ts). */
export interface ClientLookup {
  get(id: string): OAuthClient | undefined | Promise<OAuthClient | undefined>;
}

export class ClientDirectory implements ClientLookup {
  private readonly byId = new Map<string, OAuthClient>();
  /** "client <id>: <problem>" per refused record (never a secret). */
  readonly problems: string[] = [];
  /** Standing warnings (e.g. a hash made with another key). */
  readonly warnings: string[] = [];

  constructor(raw: unknown, opts: { keyId?: string; now?: () => number } = {}) {
    let value = raw;
    if (typeof value === 'string' || Buffer.isBuffer(value)) {
      try {
        value = JSON.parse(value.toString());
      } catch {
        throw new Error('the client list is not valid JSON');
      }
    }
    let entries: Array<[string | undefined, unknown]>;
    if (Array.isArray(value)) entries = value.map((r) => [undefined, r]);
    else if (value && typeof value === 'object') entries = Object.entries(value as Record<string, unknown>);
    else throw new Error('the client list must be an array of client records or an object keyed by client id');
    for (const [key, record] of entries) {
      try {
        const client = parseClient(record, key);
        if (this.byId.has(client.id)) throw new Error('listed twice');
        if (opts.keyId && client.secrets.some((s) => s.keyId !== opts.keyId)) {
          this.warnings.push(`client ${client.id}: a secret hash was made with another client-secret key (it never matches)`);
        }
        this.byId.set(client.id, client);
      } catch (e) {
        const id = typeof key === 'string' ? key : (record as { client_id?: unknown })?.client_id;
        this.problems.push(`client ${typeof id === 'string' ? id.slice(0, 64) : '(no client_id)'}: ${(e as Error).message}`);
      }
    }
  }

  get(id: string): OAuthClient | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }
}

/** One client record (the JSON above) compiled; throws with the problem (never a secret). */
export function parseClient(raw: unknown, key: string | undefined): OAuthClient {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('a client record must be a JSON object');
  const r = raw as Record<string, unknown>;
  const id = r.client_id ?? key;
  if (typeof id !== 'string' || !CLIENT_ID.test(id)) throw new Error('client_id must be 1-128 printable ASCII characters (RFC 6749 App. A.1)');
  if (key !== undefined && r.client_id !== undefined && r.client_id !== key) throw new Error('client_id differs from its key');
  if (r.enabled !== undefined && typeof r.enabled !== 'boolean') throw new Error('enabled must be true or false');
  const scopes = scopeList(r.scope ?? []);
  if (!scopes) throw new Error('scope must be scope tokens (RFC 6749 §3.3)');
  const defaults = r.default_scope === undefined ? scopes : scopeList(r.default_scope);
  if (!defaults) throw new Error('default_scope must be scope tokens (RFC 6749 §3.3)');
  const beyond = defaults.filter((s) => !scopes.includes(s));
  if (beyond.length) throw new Error(`default_scope ${beyond.join(' ')} is not in scope`);
  let resources: string[] | undefined;
  if (r.resources !== undefined) {
    if (!Array.isArray(r.resources) || !r.resources.every((x) => typeof x === 'string' && x !== '')) throw new Error('resources must be a list of URIs');
    resources = r.resources as string[];
  }
  let ttlSec: number | undefined;
  if (r.access_token_lifetime !== undefined) {
    ttlSec = Number(r.access_token_lifetime);
    if (!Number.isInteger(ttlSec) || ttlSec <= 0 || ttlSec > 86_400) throw new Error('access_token_lifetime must be whole seconds, 1-86400');
  }
  const authMethod = r.token_endpoint_auth_method;
  if (authMethod !== undefined && !CLIENT_AUTH_METHODS.includes(authMethod as ClientAuthMethod)) {
    throw new Error(`token_endpoint_auth_method must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
  }
  const grantTypes = r.grant_types ?? ['client_credentials'];
  if (!Array.isArray(grantTypes) || !grantTypes.every((g) => typeof g === 'string')) throw new Error('grant_types must be a list');
  if (r.introspection !== undefined && r.introspection !== 'own' && r.introspection !== 'any') throw new Error('introspection must be "own" or "any"');
  return Object.freeze({
    id,
    name: typeof r.client_name === 'string' ? r.client_name : undefined,
    enabled: r.enabled !== false,
    secrets: Object.freeze(secretsOf(r.client_secrets)),
    scopes: Object.freeze(scopes),
    defaultScopes: Object.freeze(defaults),
    resources: resources && Object.freeze(resources),
    ttlSec,
    authMethod: authMethod as ClientAuthMethod | undefined,
    grantTypes: Object.freeze(grantTypes as string[]),
    keys: keysOf(r),
    introspectAny: r.introspection === 'any',
  });
}

function secretsOf(raw: unknown): ClientSecretEntry[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error('client_secrets must be a list of hashes');
  return raw.map((entry) => {
    const stored = typeof entry === 'string' ? entry : (entry as { hash?: unknown } | null)?.hash;
    if (typeof stored === 'string' && !stored.startsWith('hmac-sha256$')) {
      // A plain secret pasted where its hash belongs: refused, never compared.
      throw new Error('client_secrets holds something that is not a hash (hmac-sha256$…): generate one with `npx @authflow/node-red-api-auth client-secret`');
    }
    const parsed = parseSecretHash(stored);
    if (!parsed) throw new Error('a client secret hash is malformed');
    const expires = typeof entry === 'object' ? (entry as { expires_at?: unknown }).expires_at : undefined;
    let expiresAt: number | undefined;
    if (expires !== undefined && expires !== null) {
      expiresAt = typeof expires === 'number' ? expires * 1000 : typeof expires === 'string' ? Date.parse(expires) : NaN;
      if (!Number.isFinite(expiresAt)) throw new Error('expires_at must be an ISO 8601 date or epoch seconds');
    }
    return Object.freeze({ ...parsed, expiresAt });
  });
}

function keysOf(r: Record<string, unknown>): ClientKeys | undefined {
  const given = ['jwks', 'jwks_uri', 'public_key'].filter((k) => r[k] !== undefined);
  if (given.length > 1) throw new Error('give one of jwks, jwks_uri, public_key (RFC 7591 §2: jwks and jwks_uri are exclusive)');
  if (r.jwks !== undefined) {
    const jwks = r.jwks as { keys?: unknown };
    if (!jwks || typeof jwks !== 'object' || !Array.isArray(jwks.keys)) throw new Error('jwks must be a JWK Set ({"keys": […]})');
    if (jwks.keys.some((k) => !k || typeof k !== 'object' || 'd' in (k as object) || (k as { kty?: unknown }).kty === 'oct')) {
      throw new Error('jwks must hold public keys only');
    }
    const keys = parseJwks(JSON.stringify(jwks), new Set(ASSERTION_ALGS));
    if (!keys.length) throw new Error(`jwks has no usable key for ${ASSERTION_ALGS.join(', ')}`);
    return Object.freeze({ kind: 'keys', keys: Object.freeze(keys) });
  }
  if (r.jwks_uri !== undefined) {
    let url: URL;
    try {
      url = new URL(String(r.jwks_uri));
    } catch {
      throw new Error('jwks_uri is not a URL');
    }
    // https, or http to this machine (a local test IdP): never plain http across a network.
    const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new Error('jwks_uri must be https');
    return Object.freeze({ kind: 'jwks_uri', url: url.href });
  }
  if (r.public_key !== undefined) {
    let key: KeyObject;
    try {
      key = createPublicKey(String(r.public_key));
    } catch {
      throw new Error('public_key is not a PEM public key');
    }
    if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error('public_key: RSA keys must have 2048 bits or more');
    return Object.freeze({ kind: 'keys', keys: Object.freeze(algsFor(key).map((alg) => bindKeyObject(key, alg, undefined, 'verify'))) });
  }
  return undefined;
}

/** A PEM carries no alg: each key type is bound to the algorithms it fits (RFC 7518 §3), as a kid-less JWK would be. */
function algsFor(key: KeyObject): JwsAlg[] {
  switch (key.asymmetricKeyType) {
    case 'rsa': return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss': return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      const alg = curve === 'prime256v1' ? 'ES256' : curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : undefined;
      if (alg) return [alg];
      break;
    }
    case 'ed25519': return ['EdDSA'];
  }
  throw new Error('public_key must be an RSA (2048 bits or more), EC P-256/384/521 or Ed25519 key');
}
