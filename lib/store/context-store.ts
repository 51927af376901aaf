import { StoreUnavailableError } from '../errors';
import type { Store } from './store';
import type { Maybe } from '../util/maybe';
import { checkKey, checkValue, optionalTtl, parseCounter, requiredTtl } from './validate';
import { withTimeout } from './with-timeout';

/**
 * The part of a Node-RED context object (node.context().global / .flow) this
 * store needs, duck-typed so lib/ never imports node-red. Always the
 * asynchronous (callback) form, so every context store works: memory,
 * localfilesystem, or a third-party plugin.
 */
export interface ContextLike {
  get(key: string, store: string | undefined, cb: (err?: unknown, value?: unknown) => void): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err?: unknown) => void): void;
  keys?(store: string | undefined, cb: (err?: unknown, keys?: string[]) => void): void;
}

export interface ContextStoreOptions {
  /** Context store name from settings.contextStorage (e.g. 'file'); undefined = the default store. */
  store?: string;
  /** Prefix of every context key this store writes. Default 'authflow_'. */
  prefix?: string;
  /** A context call that has not called back by then fails closed. Default 2000. */
  timeoutMs?: number;
  /** Period of the expired-entry sweep (needs context.keys); 0 disables it. Default 60000. */
  sweepIntervalMs?: number;
  /** Keys examined per sweep run, so one run never walks a huge context at once. Default 500. */
  sweepBatch?: number;
  /** Clock in epoch ms; injectable for tests. */
  now?: () => number;
}

/** A key character outside these is escaped (contextKey). */
const NEEDS_ESCAPE = /[^A-Za-z0-9_:-]/;
const NEEDS_ESCAPE_ALL = /[^A-Za-z0-9_:-]/g;

/** What is stored under each context key. Plain JSON, so localfilesystem can persist it. */
interface Entry {
  v: string;
  /** Expiry in epoch ms; null = never. */
  exp: number | null;
}

/**
 * Per-key mutex chains, keyed by the context object itself: Node-RED hands
 * every node the same global/flow context object, so two ContextStores over
 * it still serialise their read-modify-write cycles. Atomic within one
 * Node-RED process only — several processes sharing state need Redis.
 */
const lockTables = new WeakMap<object, Map<string, Promise<void>>>();

export class ContextStore implements Store {
  private readonly context: ContextLike;
  private readonly storeName: string | undefined;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly sweepBatch: number;
  private readonly now: () => number;
  private readonly locks: Map<string, Promise<void>>;
  private readonly timer: NodeJS.Timeout | undefined;
  private sweepCursor = 0;
  private sweeping: Promise<number> | undefined;
  private closed = false;

  constructor(context: ContextLike, options: ContextStoreOptions = {}) {
    if (!context || typeof context.get !== 'function' || typeof context.set !== 'function') {
      throw new TypeError('ContextStore: a context object with get/set is required');
    }
    this.context = context;
    this.storeName = options.store || undefined;
    this.prefix = options.prefix ?? 'authflow_';
    // A plain identifier: no '.', '[' or quotes (Node-RED would read a path),
    // not '#:(' (a store selector) and not '$parent'.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(this.prefix)) {
      throw new TypeError('ContextStore: prefix must match /^[A-Za-z_][A-Za-z0-9_]*$/');
    }
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.sweepBatch = options.sweepBatch ?? 500;
    this.now = options.now ?? Date.now;
    let table = lockTables.get(context);
    if (!table) lockTables.set(context, (table = new Map()));
    this.locks = table;
    const interval = options.sweepIntervalMs ?? 60_000;
    if (interval > 0 && typeof context.keys === 'function') {
      this.timer = setInterval(() => { this.sweep().catch(() => { /* next run retries */ }); }, interval);
      this.timer.unref();
    }
  }

  async get(key: string): Promise<string | undefined> {
    const ck = this.contextKey(key);
    // Lock-free read for the hot path; only the lazy removal takes the lock.
    const entry = decode(await this.readRaw(ck));
    if (!entry) return undefined;
    if (!this.expired(entry)) return entry.v;
    await this.withLock(ck, () => this.removeIfExpired(ck));
    return undefined;
  }

  /**
   * get without a promise when the context answers at once (the memory
   * context, the localfilesystem cache) and the entry is live; anything else
   * (an asynchronous context, an error, an expired entry to remove) takes get().
   */
  read(key: string): Maybe<string | undefined> {
    if (this.closed) return this.get(key);
    let ck: string;
    try {
      ck = this.contextKey(key);
    } catch (e) {
      return Promise.reject(e);
    }
    let answered = false;
    let failed = false;
    let raw: unknown;
    try {
      this.context.get(ck, this.storeName, (err, value) => {
        if (answered) return;
        answered = true;
        failed = !!err;
        raw = value;
      });
    } catch {
      failed = true;
    }
    if (!answered || failed) {
      answered = true; // a late answer to the call above is ignored: get() asks again
      return this.get(key);
    }
    if (raw === undefined || raw === null) return undefined;
    const entry = decodeLoose(raw);
    return entry && !this.expired(entry) ? entry.v : this.get(key);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const ck = this.contextKey(key);
    checkValue(value);
    const ms = optionalTtl(ttlMs);
    await this.withLock(ck, () => this.write(ck, { v: value, exp: this.expiry(ms) }));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const ck = this.contextKey(key);
    checkValue(value);
    const ms = optionalTtl(ttlMs);
    return this.withLock(ck, async () => {
      if (await this.live(ck)) return false;
      await this.write(ck, { v: value, exp: this.expiry(ms) });
      return true;
    });
  }

  async delete(key: string): Promise<boolean> {
    const ck = this.contextKey(key);
    return this.withLock(ck, async () => {
      const raw = await this.readRaw(ck);
      if (raw === undefined || raw === null) return false;
      const entry = decodeLoose(raw);
      await this.write(ck, undefined);
      return entry !== undefined && !this.expired(entry);
    });
  }

  async increment(key: string, ttlMs: number): Promise<{ value: number; ttlMs: number }> {
    const ck = this.contextKey(key);
    const windowMs = requiredTtl(ttlMs);
    return this.withLock(ck, async () => {
      const now = this.now();
      const current = await this.live(ck);
      let value = 1;
      let exp = now + windowMs;
      if (current) {
        value = parseCounter(current.v) + 1;
        // Fixed window: keep the existing expiry; a counter set without one gets this window.
        if (current.exp !== null) exp = current.exp;
      }
      await this.write(ck, { v: String(value), exp });
      return { value, ttlMs: Math.max(0, exp - now) };
    });
  }

  async compareAndSet(key: string, expected: string, value: string, ttlMs?: number): Promise<boolean> {
    const ck = this.contextKey(key);
    checkValue(expected);
    checkValue(value);
    const ms = optionalTtl(ttlMs);
    return this.withLock(ck, async () => {
      const current = await this.live(ck);
      if (!current || current.v !== expected) return false;
      await this.write(ck, { v: value, exp: this.expiry(ms) });
      return true;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    // Entries stay in the context on purpose: with localfilesystem they
    // survive a restart (refresh tokens, revocations).
  }

  /**
   * Remove expired entries among the next `sweepBatch` keys carrying our
   * prefix (a rotating window, so large contexts are covered over several
   * runs). Returns how many were removed. Needs context.keys.
   */
  async sweep(): Promise<number> {
    if (!this.context.keys || this.closed) return 0;
    // One run at a time: a slow context must not stack up sweeps.
    if (!this.sweeping) {
      this.sweeping = this.sweepOnce().finally(() => { this.sweeping = undefined; });
    }
    return this.sweeping;
  }

  private async sweepOnce(): Promise<number> {
    const keysFn = this.context.keys!.bind(this.context);
    const all = await this.call<string[] | undefined>('keys', (cb) => keysFn(this.storeName, cb));
    const ours = (all ?? []).filter((k) => typeof k === 'string' && k.startsWith(this.prefix));
    if (this.sweepCursor >= ours.length) this.sweepCursor = 0;
    const batch = ours.slice(this.sweepCursor, this.sweepCursor + this.sweepBatch);
    this.sweepCursor += batch.length;
    let removed = 0;
    for (const ck of batch) {
      if (await this.withLock(ck, () => this.removeIfExpired(ck))) removed++;
    }
    return removed;
  }

  /** Prefix + an injective escape of everything but [A-Za-z0-9_:-], so a key never reads as a Node-RED property path. */
  private contextKey(key: string): string {
    checkKey(key);
    // Most keys need no escape: test first, as the replace with a callback costs on every request.
    if (!NEEDS_ESCAPE.test(key)) return this.prefix + key;
    return this.prefix + key.replace(NEEDS_ESCAPE_ALL, (c) => '%' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  }

  /** ms: a TTL already checked and rounded by optionalTtl. */
  private expiry(ms: number | undefined): number | null {
    return ms === undefined ? null : this.now() + ms;
  }

  private expired(entry: Entry): boolean {
    return entry.exp !== null && entry.exp <= this.now();
  }

  /** The unexpired entry or undefined; removes an expired one. Call under the key's lock. */
  private async live(ck: string): Promise<Entry | undefined> {
    const entry = decode(await this.readRaw(ck));
    if (!entry) return undefined;
    if (this.expired(entry)) {
      await this.write(ck, undefined);
      return undefined;
    }
    return entry;
  }

  private async removeIfExpired(ck: string): Promise<boolean> {
    const entry = decodeLoose(await this.readRaw(ck));
    if (!entry || !this.expired(entry)) return false;
    await this.write(ck, undefined);
    return true;
  }

  private readRaw(ck: string): Promise<unknown> {
    return this.call<unknown>('get', (cb) => this.context.get(ck, this.storeName, cb));
  }

  /** Writing undefined deletes the key (Node-RED semantics). */
  private write(ck: string, entry: Entry | undefined): Promise<void> {
    return this.call<void>('set', (cb) => this.context.set(ck, entry, this.storeName, cb));
  }

  /** Promise around a context callback, failing closed on error, throw or silence. */
  private call<T>(what: string, invoke: (cb: (err?: unknown, value?: unknown) => void) => void): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('context: store closed'));
    let settled = false;
    const answer = new Promise<T>((resolve, reject) => {
      // A promise settles once, so a callback fired twice (or after a throw) is ignored.
      const finish = (err: unknown, value?: unknown) => {
        settled = true;
        if (err) reject(new StoreUnavailableError(`context: ${what} failed: ${describe(err)}`));
        else resolve(value as T);
      };
      try {
        invoke(finish);
      } catch (err) {
        finish(err ?? new Error('threw'));
      }
    });
    // The memory context answers at once: no timer for a call that is already over (the hot path).
    return settled ? answer : withTimeout(answer, this.timeoutMs, `context: ${what} failed`);
  }

  /** Run fn after every earlier holder of this key's lock has finished. */
  private async withLock<T>(ck: string, fn: () => Promise<T>): Promise<T> {
    const lockKey = (this.storeName ?? '') + '\u0000' + ck;
    const previous = this.locks.get(lockKey) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => { release = resolve; });
    const tail = previous.then(() => mine);
    this.locks.set(lockKey, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(lockKey) === tail) this.locks.delete(lockKey);
    }
  }
}

/** A stored entry, undefined when absent; anything else under our key fails closed rather than reading as "absent". */
function decode(raw: unknown): Entry | undefined {
  if (raw === undefined || raw === null) return undefined;
  const entry = decodeLoose(raw);
  if (!entry) throw new StoreUnavailableError('context: malformed entry');
  return entry;
}

function decodeLoose(raw: unknown): Entry | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { v, exp } = raw as { v?: unknown; exp?: unknown };
  if (typeof v !== 'string') return undefined;
  if (exp === null || exp === undefined) return { v, exp: null };
  if (typeof exp === 'number' && Number.isFinite(exp)) return { v, exp };
  return undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
