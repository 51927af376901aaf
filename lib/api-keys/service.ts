/**
 * API keys with a lifecycle (issue 13): create (the key is shown once),
 * list/get (never the key or its digest), revoke (effective at once on every
 * instance sharing the store), rotate (a new key with the old one's settings;
 * the old one keeps working for a grace period), and verification:
 *
 *   grammar + checksum (no store) → HMAC digest → cache, "unknown" cache or
 *   one store read → revoked / expired → the key's IP rules → quota → AuthInfo
 */
import { KeyObject, createSecretKey, randomBytes, randomUUID } from 'crypto';
import { DataKey } from '../crypto/data-key';
import { KeyRejectedError, StoreUnavailableError } from '../errors';
import { Store, replicated } from '../store/store';
import { PostgresStore } from '../store/postgres-store';
import { parseAddress } from '../ip/address';
import { checkKeyPrefix, KEY_ENVS, KeyEnv, mintApiKey, parseApiKey } from './format';
import { KeyHasher } from './key-hash';
import { ApiKeyRecord, KeyPolicy, RequestFieldError, readKeySpec, readSigning, scopesCover, KeySpec } from './record';
import type { KeyRepository } from './repository';
import { KvKeyRepository } from './kv-repository';
import { PgKeyRepository } from './pg-repository';
import { CachedKey, KeyCache, compileAccess } from './key-cache';
import { LastUsedBatcher } from './last-used';
import { LruCache } from '../util/lru';
import { Maybe, then } from '../util/maybe';

const DAY = 86_400_000;

export interface ApiKeyServiceOptions {
  /** Where keys live: any Store (a PostgresStore gets a real table), or a repository of your own. */
  store?: Store;
  repository?: KeyRepository;
  /** The per-installation HMAC secret, ≥ 32 bytes, the same on every instance (never in the store). */
  secret: string | Buffer;
  /** Key prefix. Default `kapi`. */
  prefix?: string;
  /** Env of keys created without one. Default `prod`. */
  defaultEnv?: KeyEnv;
  /** Lifetime of a key created without expires_at. Default 90 days; 0 = none. */
  defaultLifetimeMs?: number;
  /** Longest lifetime a client may ask for. Default 365 days; 0 = unlimited. */
  maxLifetimeMs?: number;
  /** How long a rotated key keeps working. Default 24 h. */
  graceMs?: number;
  /** Keys one owner may hold (revoked/expired ones not counted). Default 100. */
  maxKeysPerOwner?: number;
  /** PostgreSQL table name. Default authflow_api_keys. */
  table?: string;
  /**
   * Verified keys (maxEntries, maxAgeMs) and unknown ones: a digest the store
   * does not hold is answered from memory for unknownMaxAgeMs (default 5 s;
   * 0 = off), at most maxUnknown (default 10000) of them. A key created on this
   * instance, or announced by another one, is forgotten as unknown at once; a
   * creation not heard (channel down) is seen within unknownMaxAgeMs.
   */
  cache?: { maxEntries?: number; maxAgeMs?: number; maxUnknown?: number; unknownMaxAgeMs?: number };
  lastUsed?: { flushIntervalMs?: number; maxPending?: number };
  /** A background failure (last-used flush, lost channel): for a log line. Never holds a secret. */
  onError?: (err: unknown) => void;
  now?: () => number;
}

/** A new key: the only time `key` (and its signing secret) exists outside the client. */
export interface CreatedKey {
  key: string;
  record: ApiKeyRecord;
  /** The HMAC signing secret, when one was asked for: shown once, stored only sealed. */
  signingSecret?: string;
}

/** A key that may sign requests now: its record, its lookup digest and its unsealed HMAC key. */
export interface SigningApiKey {
  record: ApiKeyRecord;
  digest: string;
  secret: KeyObject;
}

/** Prefix of issued signing secrets (the client uses the whole text, UTF-8, as its HMAC key). */
export const SIGNING_SECRET_PREFIX = 'ksig_';

export interface VerifiedKey {
  record: ApiKeyRecord;
  /** Set while the key is in its rotation grace period: when it stops working (epoch ms). */
  sunset?: number;
  /** For keys with a quota: uses left after this one. */
  remainingUses?: number;
}

export interface CreateOptions {
  /** The creator's scopes (msg.auth.scopes): a key never gets more. undefined = no limit (a trusted flow). */
  creatorScopes?: readonly string[];
  /** Issue a signing secret whatever the body says (the keys node's option). */
  signing?: boolean;
}

export class ApiKeyService {
  readonly prefix: string;
  readonly graceMs: number;
  private readonly repo: KeyRepository;
  /** The store behind the repository, when one was given: revocations wait for its replicas (Store.confirmReplicated). */
  private readonly store?: Store;
  private readonly hasher: KeyHasher;
  /** Seals signing secrets at rest; derived from the installation secret, so the store alone cannot open them. */
  private readonly sealer: DataKey;
  private readonly policy: KeyPolicy;
  private readonly maxKeysPerOwner: number;
  private readonly cache: KeyCache;
  /** Digests of well-formed keys the store did not hold (anyone can compute a checksum): one read per TTL, not per request. */
  private readonly unknown: LruCache<string, true>;
  private readonly unknownMaxAgeMs: number;
  private readonly lastUsed: LastUsedBatcher;
  private readonly inflight = new Map<string, { epoch: number; read: Promise<CachedKey | undefined> }>();
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;
  private stopWatching: (() => Promise<void>) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private trusted = false;

  constructor(opts: ApiKeyServiceOptions) {
    this.hasher = new KeyHasher(opts.secret);
    this.sealer = DataKey.derive(typeof opts.secret === 'string' ? Buffer.from(opts.secret, 'utf8') : opts.secret, 'api-key-signing-secret');
    this.prefix = checkKeyPrefix(opts.prefix ?? 'kapi');
    this.now = opts.now ?? Date.now;
    this.onError = opts.onError ?? (() => undefined);
    const defaultEnv = opts.defaultEnv ?? 'prod';
    if (!KEY_ENVS.includes(defaultEnv)) throw new Error(`defaultEnv must be one of ${KEY_ENVS.join(', ')}`);
    this.policy = {
      defaultEnv,
      defaultLifetimeMs: nonNegative(opts.defaultLifetimeMs ?? 90 * DAY, 'defaultLifetimeMs'),
      maxLifetimeMs: nonNegative(opts.maxLifetimeMs ?? 365 * DAY, 'maxLifetimeMs'),
    };
    if (this.policy.maxLifetimeMs > 0 && (this.policy.defaultLifetimeMs === 0 || this.policy.defaultLifetimeMs > this.policy.maxLifetimeMs)) {
      throw new Error('the default key lifetime must be set and at most the maximum lifetime');
    }
    this.graceMs = nonNegative(opts.graceMs ?? DAY, 'graceMs');
    this.maxKeysPerOwner = opts.maxKeysPerOwner ?? 100;
    this.store = opts.store;
    if (opts.repository) this.repo = opts.repository;
    else if (opts.store instanceof PostgresStore) this.repo = new PgKeyRepository(opts.store, opts.table);
    else if (opts.store) this.repo = new KvKeyRepository(opts.store, this.now);
    else throw new TypeError('ApiKeyService: a store or a repository is required');
    this.cache = new KeyCache({ ...opts.cache, now: this.now });
    this.unknown = new LruCache(opts.cache?.maxUnknown ?? 10_000, this.now);
    this.unknownMaxAgeMs = nonNegative(opts.cache?.unknownMaxAgeMs ?? 5_000, 'unknownMaxAgeMs');
    this.lastUsed = new LastUsedBatcher({ write: (t) => this.repo.writeLastUsed(t), onError: this.onError, ...opts.lastUsed });
    this.watch();
  }

  /** Whether the invalidation channel is up (then warm checks are served from memory). */
  get cacheTrusted(): boolean {
    return this.trusted;
  }

  /** How many digests are remembered as unknown (bounded by maxUnknown). */
  get unknownKeysCached(): number {
    return this.unknown.size;
  }

  // --- management (the authflow-keys node, behind a bearer check) ---

  async create(owner: string, body: unknown, opts: CreateOptions = {}): Promise<CreatedKey> {
    const spec = readKeySpec(body, this.policy, this.now());
    const creatorScopes = opts.creatorScopes;
    if (creatorScopes !== undefined) {
      // No scopes asked for: the creator's own (a snapshot). Never more than the creator has.
      if (spec.scopes.length === 0) spec.scopes = [...creatorScopes];
      else if (!scopesCover(creatorScopes, spec.scopes)) throw new RequestFieldError('scopes may not exceed your own');
    }
    const live = (await this.repo.listByOwner(owner)).filter((r) => r.revokedAt === undefined && (r.expiresAt === undefined || r.expiresAt > this.now()));
    if (live.length >= this.maxKeysPerOwner) throw new RequestFieldError(`at most ${this.maxKeysPerOwner} active keys per user: revoke one first`);
    if (opts.signing) spec.signing = true;
    return this.issue(owner, spec);
  }

  list(owner: string): Promise<ApiKeyRecord[]> {
    return this.repo.listByOwner(owner);
  }

  /** The owner's key; another owner's key is "not found" (AUTH_004, 404), never "forbidden". */
  async get(owner: string, id: unknown): Promise<ApiKeyRecord> {
    const record = typeof id === 'string' ? await this.repo.byId(id) : undefined;
    if (!record || record.owner !== owner) throw new KeyRejectedError('no such key for this owner', { status: 404 });
    return record;
  }

  /** Revokes at once; revoking a revoked key changes nothing. Resolves once every cache on this instance forgot it. */
  async revoke(owner: string, id: unknown): Promise<ApiKeyRecord> {
    const record = await this.get(owner, id);
    const at = this.now();
    const updated = await this.repo.update(record.id, (r) => (r.revokedAt === undefined ? { ...r, revokedAt: at } : undefined));
    if (!updated) throw new KeyRejectedError('no such key for this owner', { status: 404 });
    await this.announce(record.id);
    if (this.store) await replicated(this.store);
    return updated;
  }

  /** A new key with the old one's settings; the old one works `graceMs` more (or less, if it expires sooner). */
  async rotate(owner: string, id: unknown, body?: unknown, opts: CreateOptions = {}): Promise<CreatedKey & { previous: ApiKeyRecord }> {
    const old = await this.get(owner, id);
    // As at create: a rotation mints a fresh key, so an owner whose scopes were reduced cannot keep the old ones by rotating.
    if (opts.creatorScopes !== undefined && !scopesCover(opts.creatorScopes, old.scopes)) throw new RequestFieldError('scopes may not exceed your own: create a new key instead');
    const now = this.now();
    if (old.revokedAt !== undefined || (old.expiresAt !== undefined && old.expiresAt <= now)) {
      throw new KeyRejectedError('a revoked or expired key cannot be rotated', { status: 404 });
    }
    if (old.rotatedTo) throw new RequestFieldError('this key was already rotated: rotate its successor');
    const graceMs = readGrace(body, this.graceMs);
    const lifetime = old.expiresAt === undefined ? undefined : old.expiresAt - old.createdAt;
    const spec: KeySpec = {
      name: old.name, env: old.env, scopes: old.scopes, allowedIps: old.allowedIps, deniedIps: old.deniedIps,
      maxUses: old.maxUses, metadata: old.metadata,
      // A key that signed keeps signing: its successor gets a fresh secret (the old one ends with the old key).
      signing: old.signingSecret !== undefined || opts.signing === true || readSigning(body && typeof body === 'object' ? (body as Record<string, unknown>).signing : undefined),
      expiresAt: lifetime === undefined ? undefined : now + Math.min(lifetime, this.policy.maxLifetimeMs || lifetime),
    };
    const created = await this.issue(owner, spec, old.id);
    const sunset = now + graceMs;
    const previous = await this.repo.update(old.id, (r) => ({ ...r, rotatedTo: created.record.id, expiresAt: Math.min(r.expiresAt ?? Infinity, sunset) }));
    await this.announce(old.id);
    if (this.store) await replicated(this.store);
    return { ...created, previous: previous ?? old };
  }

  // --- verification (the token node's key-store source) ---

  /**
   * The key's record when it may be used now from `ip` (text, as msg.auth.ip);
   * else a typed refusal: AUTH_003 not a key of this grammar, AUTH_004
   * wrong checksum / unknown / revoked / expired / quota spent, AUTH_005
   * refused address, AUTH_011 store unavailable.
   */
  async verify(presented: string, ip: string | undefined, envs: readonly KeyEnv[] = KEY_ENVS): Promise<VerifiedKey> {
    return this.verifyNow(presented, ip, envs);
  }

  /**
   * verify(), answered at once when it can be: a cached key with no quota
   * needs no store and no promise (the check nodes' hot path, lib/util/maybe.ts).
   */
  verifyNow(presented: string, ip: string | undefined, envs: readonly KeyEnv[] = KEY_ENVS): Maybe<VerifiedKey> {
    return then(this.lookup(presented, ip, envs), (found) => this.spend(found.entry.record));
  }

  /**
   * The key behind a signed request (the authflow-hmac node's "API key store"
   * source): the checks of verify() that write nothing (checksum, keyed-hash
   * lookup through the cache, revoked/expired, IP rules), then its signing
   * secret, unsealed once per cached entry. AUTH_004 when the key has none.
   * Counts no use: call consume() once the signature matched and the nonce
   * was claimed, so whoever merely saw the key cannot spend its quota.
   */
  async signingKey(presented: string, ip: string | undefined, envs: readonly KeyEnv[] = KEY_ENVS): Promise<SigningApiKey> {
    const { entry, digest } = await this.find(presented, ip, envs);
    const r = entry.record;
    if (!entry.signing) {
      if (r.signingSecret === undefined) throw new KeyRejectedError(`API key ${r.id} has no signing secret`);
      const plain = this.sealer.open(r.signingSecret, r.id);
      // A sealed value that does not open (another installation secret, or moved to another key) is a store fault, not a wrong signature.
      if (!plain) throw new StoreUnavailableError(`signing secret of API key ${r.id} does not open with this key store's secret`);
      entry.signing = createSecretKey(plain);
    }
    return { record: r, digest, secret: entry.signing };
  }

  private async find(presented: string, ip: string | undefined, envs: readonly KeyEnv[]): Promise<{ entry: CachedKey; digest: string }> {
    return this.lookup(presented, ip, envs);
  }

  /** Everything verify() checks that needs no store write: a refusal here costs at most one store read, a cached key none. */
  private lookup(presented: string, ip: string | undefined, envs: readonly KeyEnv[]): Maybe<{ entry: CachedKey; digest: string }> {
    const parsed = parseApiKey(presented, this.prefix);
    if (!parsed.ok) {
      if (parsed.why === 'malformed') throw new KeyRejectedError('not an API key of this key store (prefix, env or length)');
      throw new KeyRejectedError('API key checksum mismatch (mistyped or made up): no lookup');
    }
    if (!envs.includes(parsed.env)) throw new KeyRejectedError(`${parsed.env} keys are not accepted here`);
    const digest = this.hasher.digest(presented);
    const cached = this.cache.get(digest);
    if (cached) return this.admit(cached, digest, ip);
    if (this.unknown.get(digest)) throw new KeyRejectedError('unknown API key');
    return this.load(digest).then((entry) => this.admit(entry, digest, ip));
  }

  /** The per-request rules on a found key: revoked, expired, IP lists. */
  private admit(entry: CachedKey | undefined, digest: string, ip: string | undefined): { entry: CachedKey; digest: string } {
    if (!entry) throw new KeyRejectedError('unknown API key');
    const r = entry.record;
    if (r.revokedAt !== undefined) throw new KeyRejectedError(`API key ${r.id} revoked`);
    if (r.expiresAt !== undefined && r.expiresAt <= this.now()) throw new KeyRejectedError(`API key ${r.id} ${r.rotatedTo ? 'rotated and past its grace period' : 'expired'}`);
    if (entry.access) entry.access.check(ip === undefined ? undefined : parseAddress(ip));
    return { entry, digest };
  }

  /**
   * Spends one use of a key that passed find() (and, for a signed request,
   * its signature and nonce): the quota counter (AUTH_004 once spent) and
   * the batched last-used time.
   */
  async consume(r: ApiKeyRecord): Promise<VerifiedKey> {
    return this.spend(r);
  }

  private spend(r: ApiKeyRecord): Maybe<VerifiedKey> {
    const verified = (remainingUses?: number): VerifiedKey => {
      this.lastUsed.touch(r.id, this.now());
      return { record: r, sunset: r.rotatedTo ? r.expiresAt : undefined, remainingUses };
    };
    if (r.maxUses === undefined) return verified();
    const max = r.maxUses;
    // A quota is the one case that writes per request: an atomic counter in the store.
    return this.repo.countUse(r.id, r.expiresAt).then((used) => {
      if (used > max) throw new KeyRejectedError(`API key ${r.id} used up (${max} uses)`);
      return verified(max - used);
    });
  }

  /** Writes pending last-used times now (tests, shutdown). */
  flushLastUsed(): Promise<void> {
    return this.lastUsed.flush();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.lastUsed.close().catch(this.onError);
    await this.stopWatching?.().catch(() => undefined);
    this.setTrusted(false);
  }

  private async issue(owner: string, spec: KeySpec, rotatedFrom?: string): Promise<CreatedKey> {
    const minted = mintApiKey(this.prefix, spec.env);
    const record: ApiKeyRecord = {
      id: randomUUID(), name: spec.name, owner, env: spec.env, start: minted.start, scopes: spec.scopes,
      allowedIps: spec.allowedIps, deniedIps: spec.deniedIps, createdAt: this.now(), expiresAt: spec.expiresAt,
      maxUses: spec.maxUses, metadata: spec.metadata, rotatedFrom,
    };
    let signingSecret: string | undefined;
    if (spec.signing) {
      signingSecret = SIGNING_SECRET_PREFIX + randomBytes(32).toString('base64url');
      record.signingSecret = this.sealer.seal(Buffer.from(signingSecret, 'utf8'), record.id);
    }
    const digest = this.hasher.digest(minted.key);
    await this.repo.insert(record, digest);
    // Usable at once here (the epoch bump keeps an "unknown" read in flight from being cached);
    // other instances forget their "unknown" on the announcement, or within unknownMaxAgeMs if it is lost.
    this.cache.invalidate(record.id);
    this.unknown.delete(digest);
    await this.repo.announce(record.id).catch(this.onError);
    return signingSecret === undefined ? { key: minted.key, record } : { key: minted.key, record, signingSecret };
  }

  /** One store read per digest at a time; re-read when the key changed while the read was in flight. */
  private async load(digest: string): Promise<CachedKey | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const epoch = this.cache.epoch;
      let flight = this.inflight.get(digest);
      if (!flight || flight.epoch !== epoch) {
        const read = this.repo.byDigest(digest).then((record) => (record ? { record, access: compileAccess(record) } : undefined));
        flight = { epoch, read };
        this.inflight.set(digest, flight);
        const mine = flight;
        read.finally(() => { if (this.inflight.get(digest) === mine) this.inflight.delete(digest); }).catch(() => undefined);
      }
      const entry = await flight.read;
      if (!entry) {
        // Not when anything was announced meanwhile: that may have been this key's creation.
        if (this.unknownMaxAgeMs > 0 && this.cache.epoch === flight.epoch) this.unknown.set(digest, true, this.unknownMaxAgeMs);
        return undefined;
      }
      if (this.cache.changedSince(entry.record.id, flight.epoch)) continue; // announced meanwhile: read what the store says now
      this.cache.put(digest, entry, flight.epoch);
      return entry;
    }
    throw new StoreUnavailableError('API key changed during every read');
  }

  private async announce(id: string): Promise<void> {
    this.cache.invalidate(id); // this instance forgets before the operation returns
    await this.repo.announce(id);
  }

  private setTrusted(up: boolean): void {
    this.trusted = up;
    this.cache.setTrusted(up);
  }

  /** Listens for changes; until that works (and whenever it breaks) the cache is off. */
  private watch(): void {
    if (this.closed) return;
    this.repo.watch((id) => {
      this.cache.invalidate(id);
      this.unknown.clear(); // it may announce a creation, whose digest we cannot know: changes are rare, a clear is cheap
    }, (up) => {
      this.setTrusted(up);
      if (!up) this.onError(new StoreUnavailableError('API key change channel lost: checks read the store until it is back'));
    }).then((stop) => {
      if (this.closed) { void stop(); return; }
      this.stopWatching = stop;
    }, (err) => {
      this.onError(err);
      this.retryTimer = setTimeout(() => this.watch(), 5000);
      this.retryTimer.unref();
    });
  }
}

function nonNegative(v: number, name: string): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a number ≥ 0`);
  return v;
}

/** Optional `grace_hours` of a rotate request (0-720). */
function readGrace(body: unknown, fallback: number): number {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>).grace_hours : undefined;
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 720) throw new RequestFieldError('grace_hours must be a number from 0 to 720');
  return v * 3_600_000;
}
