/**
 * API keys in any key-value Store (context, memory, Redis):
 *
 *   af:ak:h:<digest>  → the record (JSON): the one read a verification pays
 *   af:ak:i:<id>      → the digest, for get / revoke / rotate by id
 *   af:ak:o:<owner>   → the owner's key ids (JSON array; owner hashed)
 *   af:ak:u:<id>      → last used (epoch ms), written in batches
 *   af:ak:n:<id>      → uses so far, for keys with a quota
 *
 * Records are rewritten only by compare-and-set, so a revoke and a rotate
 * racing never lose each other's change. Revoked and expired keys are kept
 * RETENTION_MS for the owner's list, then expire from the store.
 */
import { StoreUnavailableError } from '../errors';
import type { Store } from '../store/store';
import { sha256Parts } from '../crypto/secure-compare';
import { decodeRecord, type ApiKeyRecord } from './record';
import { type KeyRepository, RETENTION_MS, localBus, watchLocal } from './repository';

const K = {
  byDigest: (d: string) => `af:ak:h:${d}`,
  digestOf: (id: string) => `af:ak:i:${id}`,
  owner: (owner: string) => `af:ak:o:${sha256Parts(owner)}`,
  lastUsed: (id: string) => `af:ak:u:${id}`,
  uses: (id: string) => `af:ak:n:${id}`,
};
const CHANNEL = 'api-keys';
const CAS_ATTEMPTS = 8;

/** How long the store keeps a record: until expiry or revocation plus the retention; undefined = for good. */
function ttlOf(r: ApiKeyRecord, now: number): number | undefined {
  const end = r.revokedAt ?? r.expiresAt;
  return end === undefined ? undefined : Math.max(1, end + RETENTION_MS - now);
}

export class KvKeyRepository implements KeyRepository {
  readonly sharedAcrossProcesses: boolean;

  constructor(private readonly store: Store, private readonly now: () => number = Date.now) {
    this.sharedAcrossProcesses = typeof store.subscribe === 'function' && typeof store.publish === 'function';
  }

  async insert(record: ApiKeyRecord, digest: string): Promise<void> {
    const ttl = ttlOf(record, this.now());
    // The id index first: a record is never reachable without it.
    await this.store.set(K.digestOf(record.id), digest, ttl);
    if (!(await this.store.setIfAbsent(K.byDigest(digest), JSON.stringify(record), ttl))) {
      throw new Error('API key digest collision'); // 2^-128: a bug, never a real collision
    }
    await this.casJson<string[]>(K.owner(record.owner), (ids) => [record.id, ...(ids ?? []).filter((x) => x !== record.id)]);
  }

  async byDigest(digest: string): Promise<ApiKeyRecord | undefined> {
    const raw = await this.store.get(K.byDigest(digest));
    return raw === undefined ? undefined : decode(raw);
  }

  async byId(id: string): Promise<ApiKeyRecord | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    const digest = await this.store.get(K.digestOf(id));
    if (digest === undefined) return undefined;
    const raw = await this.store.get(K.byDigest(digest));
    if (raw === undefined) return undefined;
    return this.withLastUsed(decode(raw));
  }

  async listByOwner(owner: string): Promise<ApiKeyRecord[]> {
    const ids = await this.readJson<string[]>(K.owner(owner)) ?? [];
    const found = await Promise.all(ids.map((id) => this.byId(id)));
    const mine = found.filter((r): r is ApiKeyRecord => r !== undefined && r.owner === owner);
    if (mine.length < ids.length) {
      // Forget ids whose record has left the store (retention over).
      const kept = new Set(mine.map((r) => r.id));
      await this.casJson<string[]>(K.owner(owner), (now) => (now ?? []).filter((id) => kept.has(id) || !ids.includes(id)));
    }
    return mine.sort((a, b) => b.createdAt - a.createdAt);
  }

  async update(id: string, change: (r: ApiKeyRecord) => ApiKeyRecord | undefined): Promise<ApiKeyRecord | undefined> {
    const digest = await this.store.get(K.digestOf(id));
    if (digest === undefined) return undefined;
    const key = K.byDigest(digest);
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const raw = await this.store.get(key);
      if (raw === undefined) return undefined;
      const next = change(decode(raw));
      if (!next) return decode(raw);
      const ttl = ttlOf(next, this.now());
      if (await this.store.compareAndSet(key, raw, JSON.stringify(next), ttl)) {
        await this.store.set(K.digestOf(id), digest, ttl);
        return next;
      }
    }
    throw new StoreUnavailableError('API key record changed too often to update');
  }

  async countUse(id: string, expiresAt: number | undefined): Promise<number> {
    const now = this.now();
    const ttl = (expiresAt ?? now + 10 * 365 * 86_400_000) + RETENTION_MS - now;
    return (await this.store.increment(K.uses(id), Math.max(1, ttl))).value;
  }

  async writeLastUsed(times: ReadonlyMap<string, number>): Promise<void> {
    // One write per key that was used since the last flush; never per request.
    for (const [id, at] of times) await this.store.set(K.lastUsed(id), String(at), RETENTION_MS * 13);
  }

  async announce(id: string): Promise<void> {
    localBus.emit('changed', id);
    if (this.sharedAcrossProcesses) await this.store.publish!(CHANNEL, id);
  }

  async watch(listener: (id: string) => void, onState: (up: boolean) => void): Promise<() => Promise<void>> {
    if (!this.sharedAcrossProcesses) return watchLocal(listener, onState);
    // Other processes through the store's channel; this one through the local bus (announce reaches it at once).
    const stopLocal = watchLocal(listener, () => undefined);
    try {
      const stopRemote = await this.store.subscribe!(CHANNEL, listener, onState);
      return async () => { await stopLocal(); await stopRemote(); };
    } catch (err) {
      await stopLocal();
      throw err;
    }
  }

  private async withLastUsed(r: ApiKeyRecord): Promise<ApiKeyRecord> {
    const at = await this.store.get(K.lastUsed(r.id));
    return at === undefined ? r : { ...r, lastUsedAt: Number(at) };
  }

  private async readJson<T>(key: string): Promise<T | undefined> {
    const raw = await this.store.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  /** Read-modify-write of a JSON value by compare-and-set (setIfAbsent when new). */
  private async casJson<T>(key: string, change: (current: T | undefined) => T): Promise<void> {
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const raw = await this.store.get(key);
      const next = JSON.stringify(change(raw === undefined ? undefined : (JSON.parse(raw) as T)));
      if (raw === undefined ? await this.store.setIfAbsent(key, next) : await this.store.compareAndSet(key, raw, next)) return;
    }
    throw new StoreUnavailableError('API key index changed too often to update');
  }
}

function decode(raw: string): ApiKeyRecord {
  try {
    return decodeRecord(raw);
  } catch {
    // Unreadable state fails closed, as "could not check", never as "unknown key".
    throw new StoreUnavailableError('malformed API key record in the store');
  }
}
