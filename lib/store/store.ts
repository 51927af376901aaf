import type { Maybe } from '../util/maybe';

/**
 * Where token state lives (DESIGN.md §5): refresh tokens, revocations,
 * lockout counters, used TOTP codes, nonces, API keys. Values are strings
 * (callers JSON-encode); every TTL is in milliseconds. Every adapter must
 * fail closed: when the backend cannot answer it throws StoreUnavailableError
 * (AUTH_011) within a bounded time, never resolves with a guess.
 */
export interface Store {
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /**
   * Optional: get, answering without a promise when the value is at hand (an
   * in-process store: the request path then needs no microtask turn). Never
   * throws: a failure is a rejected promise, as from get.
   */
  read?(key: string): Maybe<string | undefined>;
  /** Set unconditionally; ttlMs undefined = no expiry. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Set only when absent (nonces, single-use TOTP codes). true = it was set. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  /** Optional: setIfAbsent answering without a promise (an in-process store), like read. Never throws. */
  claim?(key: string, value: string, ttlMs?: number): Maybe<boolean>;
  /** Remove; true when something was removed. */
  delete(key: string): Promise<boolean>;
  /**
   * Optional (Redis with replicas): resolves once every write this store sent
   * before the call is held by a replica too, so a failover cannot lose it;
   * fails with StoreUnavailableError (AUTH_011) when no replica confirmed in
   * time. Revocations wait for it before they report success. A store without
   * replicas resolves at once.
   */
  confirmReplicated?(): Promise<void>;
  /**
   * Atomic counter: adds 1 (creating it at 1 with ttlMs when absent; the TTL is
   * not extended by later increments — a fixed window). Returns the new value
   * and the milliseconds left before it expires.
   */
  increment(key: string, ttlMs: number): Promise<{ value: number; ttlMs: number }>;
  /**
   * Atomic compare-and-set (refresh-token rotation): replaces the value only
   * when the current value equals `expected`. true = replaced.
   */
  compareAndSet(key: string, expected: string, value: string, ttlMs?: number): Promise<boolean>;
  /** Optional (Redis PUBLISH, PostgreSQL NOTIFY): a message to every instance sharing the store (cache invalidation). */
  publish?(channel: string, message: string): Promise<void>;
  /**
   * Optional, with publish: hears a channel. `onState(false)` when messages may
   * be missed from then on (connection lost), `onState(true)` when listening
   * again. Resolves once listening, to a function that stops listening.
   */
  subscribe?(channel: string, listener: (message: string) => void, onState?: (up: boolean) => void): Promise<() => Promise<void>>;
  /** Networked backends report outages and recovery (for node status). Returns an unsubscribe function. */
  onStatus?(listener: (status: StoreStatus) => void): () => void;
  /** Release connections/timers. */
  close(): Promise<void>;
}

/** Backend health, for a node's status dot. `reason` never holds a secret. */
export interface StoreStatus {
  state: 'ready' | 'unavailable';
  reason?: string;
}

/** store.read where the store has it, else store.get. */
export function readNow(store: Store, key: string): Maybe<string | undefined> {
  return store.read ? store.read(key) : store.get(key);
}

/** A revocation is only reported once a failover cannot undo it (Store.confirmReplicated, where the store has replicas). */
export async function replicated(store: Store): Promise<void> {
  if (store.confirmReplicated) await store.confirmReplicated();
}

/** store.claim where the store has it, else store.setIfAbsent. */
export function claimNow(store: Store, key: string, value: string, ttlMs?: number): Maybe<boolean> {
  return store.claim ? store.claim(key, value, ttlMs) : store.setIfAbsent(key, value, ttlMs);
}
