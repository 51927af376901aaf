/**
 * Where API keys live, behind one small interface with two implementations:
 * any key-value Store (context, memory, Redis: kv-repository.ts) and a real
 * PostgreSQL table operators can query with SQL (pg-repository.ts).
 */
import { EventEmitter } from 'events';
import type { ApiKeyRecord } from './record';

export interface KeyRepository {
  /** Stores a new key under its digest. */
  insert(record: ApiKeyRecord, digest: string): Promise<void>;
  /** The verification read: one round trip. */
  byDigest(digest: string): Promise<ApiKeyRecord | undefined>;
  byId(id: string): Promise<ApiKeyRecord | undefined>;
  /** Every key of an owner that is still kept (revoked/expired ones for the retention period), newest first. */
  listByOwner(owner: string): Promise<ApiKeyRecord[]>;
  /** Atomic read-modify-write of one record; `change` returning undefined leaves it as it is. Resolves to the stored record. */
  update(id: string, change: (r: ApiKeyRecord) => ApiKeyRecord | undefined): Promise<ApiKeyRecord | undefined>;
  /** Counts one use of a key with a quota; resolves to the uses so far (this one included). */
  countUse(id: string, expiresAt: number | undefined): Promise<number>;
  /** Last-used times, batched (last-used.ts): one call per flush, never per request. */
  writeLastUsed(times: ReadonlyMap<string, number>): Promise<void>;
  /** Tells every instance sharing the store that a key changed (revoked, rotated). */
  announce(id: string): Promise<void>;
  /**
   * Hears announcements. `onState(false)`: messages may be missed from now
   * on (a lost connection), so cached answers must not be trusted;
   * `onState(true)`: listening again. Resolves once listening.
   */
  watch(listener: (id: string) => void, onState: (up: boolean) => void): Promise<() => Promise<void>>;
  /** Whether announcements reach other processes (Redis pub/sub, PostgreSQL LISTEN/NOTIFY) or only this one. */
  readonly sharedAcrossProcesses: boolean;
}

/** Kept this long after a key is revoked or expires, so its owner still sees it in the list. */
export const RETENTION_MS = 30 * 86_400_000;

/** In-process announcements for stores without a channel of their own (context, memory): one Node-RED process. */
const LOCAL_BUS_KEY = Symbol.for('authflow.api-keys.bus');
const holder = globalThis as unknown as Record<symbol, EventEmitter | undefined>;
export const localBus: EventEmitter = holder[LOCAL_BUS_KEY] ?? (holder[LOCAL_BUS_KEY] = new EventEmitter().setMaxListeners(0));

export function watchLocal(listener: (id: string) => void, onState: (up: boolean) => void): () => Promise<void> {
  localBus.on('changed', listener);
  onState(true);
  return async () => { localBus.off('changed', listener); };
}
