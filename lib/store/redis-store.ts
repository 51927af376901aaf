import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../errors';
import { InvalidationCache } from './invalidation-cache';
import { LOCALLY_CACHED_PREFIXES } from './keys';
import type { Store } from './store';
import { StatusEmitter } from './status-emitter';
import { checkKey, checkValue, notACounter, optionalTtl, requiredTtl } from './validate';
import { withTimeout } from './with-timeout';

/**
 * Shared state for several Node-RED instances behind a load balancer:
 * revocations, refresh tokens, rate-limit counters, nonces.
 */
export interface RedisStoreOptions {
  /** redis:// or rediss:// URL. Default: 127.0.0.1:6379 (or whatever redisOptions says). */
  url?: string;
  /** Passed through to ioredis (tls, password, sentinels, db, …). The fail-closed settings below always win. */
  redisOptions?: RedisOptions;
  /** Redis Cluster instead of a single server / sentinel group. */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /** Prepended to every key. Default 'authflow:'. */
  keyPrefix?: string;
  /** Every operation answers or throws StoreUnavailableError within this. Default 1000. */
  commandTimeoutMs?: number;
  /**
   * The per-request "still valid?" reads (revoked jti, session state: keys.ts
   * LOCALLY_CACHED_PREFIXES) answered from a local view that Redis invalidates
   * (client tracking, BCAST, redirected to a subscriber connection); while
   * that channel is down every read goes to Redis. Default on, at most 10000
   * entries; `false` turns it off. Not on Cluster (tracking is per node): reads go to Redis.
   * `maxSilenceMs` (default 1000): the view answers only while a heartbeat on
   * the invalidation connection was answered within this, so a connection
   * that hangs without closing (a partition) bounds how long it may be stale.
   */
  localCache?: boolean | { maxEntries?: number; maxSilenceMs?: number };
}

type Client = Redis | Cluster;

/** ioredis loads with the first RedisStore: installs that never use Redis never load it. */
const ioredis = (): typeof import('ioredis') => require('ioredis');

/** Scripts keep read-modify-write on the server, atomic for every client. */
interface ScriptCommands {
  authflowIncr(key: string, ttlMs: number): Promise<[number, number]>;
  authflowCas(key: string, expected: string, value: string, ttlMs: string): Promise<number>;
}

// INCR, then give the key this window only when it has no expiry yet (a new
// counter, or one written without TTL): later increments never extend it.
const INCR_LUA = `
local v = redis.call('INCR', KEYS[1])
local t = redis.call('PTTL', KEYS[1])
if t < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  t = tonumber(ARGV[1])
end
return {v, t}`;

// Replace only when the current value equals ARGV[1]; ARGV[3] '' = no expiry (as set()).
const CAS_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1`;

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class RedisStore extends StatusEmitter implements Store {
  private readonly client: Client;
  private readonly cluster: boolean;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly waiters = new Set<Waiter>();
  private readonly subscribers = new Set<Client>();
  private readonly cache?: InvalidationCache;
  private heartbeat?: NodeJS.Timeout;
  private closed = false;
  private corked = false;

  constructor(options: RedisStoreOptions = {}) {
    super({ state: 'unavailable', reason: 'connecting' });
    this.prefix = options.keyPrefix ?? 'authflow:';
    this.timeoutMs = options.commandTimeoutMs ?? 1000;
    if (!(this.timeoutMs > 0)) throw new RangeError('RedisStore: commandTimeoutMs must be positive');
    // Fail closed and recover by itself: commands never wait in an offline
    // queue and are never replayed after a reconnect (INCR twice would
    // double-count); the connection keeps retrying with capped backoff.
    const perConnection = { maxRetriesPerRequest: 0, commandTimeout: this.timeoutMs };
    const retry = (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000);
    this.cluster = !!options.cluster;
    if (options.cluster) {
      const clusterOptions = options.cluster.options ?? {};
      this.client = new (ioredis().Cluster)(options.cluster.nodes, {
        clusterRetryStrategy: retry,
        ...clusterOptions,
        enableOfflineQueue: false,
        lazyConnect: false,
        redisOptions: { connectTimeout: Math.max(this.timeoutMs, 1000), ...clusterOptions.redisOptions, ...perConnection },
      });
    } else {
      const redisOptions: RedisOptions = {
        connectTimeout: Math.max(this.timeoutMs, 1000),
        retryStrategy: retry,
        ...options.redisOptions,
        ...perConnection,
        enableOfflineQueue: false,
        // Connect now: with lazyConnect nothing would ever start the connection.
        lazyConnect: false,
      };
      const { Redis } = ioredis();
      this.client = options.url ? new Redis(options.url, redisOptions) : new Redis(redisOptions);
    }
    this.client.defineCommand('authflowIncr', { numberOfKeys: 1, lua: INCR_LUA });
    this.client.defineCommand('authflowCas', { numberOfKeys: 1, lua: CAS_LUA });
    // Handling 'error' also stops ioredis printing every reconnect failure.
    this.client.on('error', (err: Error) => this.setStatus({ state: 'unavailable', reason: describe(err) }));
    this.client.on('ready', () => {
      this.setStatus({ state: 'ready' });
      this.settleWaiters();
    });
    const down = () => {
      if (this.status.state === 'ready') this.setStatus({ state: 'unavailable', reason: 'connection lost' });
      this.settleWaiters(new StoreUnavailableError(`redis: ${this.status.reason ?? 'connection closed'}`));
    };
    this.client.on('close', down);
    this.client.on('end', down);
    if (options.localCache !== false && !options.cluster) {
      const settings = typeof options.localCache === 'object' ? options.localCache : {};
      const maxSilenceMs = settings.maxSilenceMs ?? 1000;
      if (!(maxSilenceMs > 0)) throw new RangeError('RedisStore: localCache.maxSilenceMs must be positive');
      const prefixes = LOCALLY_CACHED_PREFIXES.map((p) => this.prefix + p);
      this.cache = new InvalidationCache(settings.maxEntries ?? 10_000, (k) => prefixes.some((p) => k.startsWith(p)),
        () => Date.now() - this.channelAliveAt <= maxSilenceMs);
      this.trackInvalidations(this.client as Redis, prefixes, maxSilenceMs);
    }
  }

  /**
   * Redis client tracking in broadcast mode (Redis >= 6): every change of a
   * key under `prefixes` — by any client, or by expiry — is announced on a
   * subscriber connection of ours, before the writer gets its reply. The
   * cache is armed only once the data connection tracks with the current
   * subscriber's id; any drop of either connection disarms it (RESP2 gives no
   * notice when the redirect target goes away: we must see it ourselves).
   */
  /** When the latest answered heartbeat was sent: every notice Redis queued before it has arrived. */
  private channelAliveAt = 0;

  private trackInvalidations(data: Redis, prefixes: string[], maxSilenceMs: number): void {
    const cache = this.cache!;
    // RESP2 on this one: ioredis drops RESP3 'invalidate' pushes, a RESP2 redirect target gets them as pub/sub messages.
    const sub = data.duplicate({ autoResubscribe: false, lazyConnect: false, protocol: 2 });
    this.subscribers.add(sub);
    // The subscriber connection this id belongs to is subscribed: reset whenever it reconnects.
    let subId: number | undefined;
    let attempt = 0;
    let retry: NodeJS.Timeout | undefined;
    const disarm = () => {
      attempt++;
      cache.disable();
      // A 'ready' re-arms after a reconnect; this catches an error that left both connections up.
      clearTimeout(retry);
      if (!this.closed) retry = setTimeout(() => { arm().catch(() => undefined); }, 2000).unref();
    };
    // Idempotent; runs on every (re)connect of either connection, and again after a failure (busy server).
    const arm = async () => {
      const mine = ++attempt;
      cache.disable();
      clearTimeout(retry);
      if (this.closed || data.status !== 'ready' || sub.status !== 'ready') return;
      try {
        if (subId === undefined) {
          const id = Number(await withTimeout(sub.call('CLIENT', 'ID') as Promise<number>, this.timeoutMs, 'redis'));
          await withTimeout(sub.subscribe('__redis__:invalidate'), this.timeoutMs, 'redis');
          if (mine !== attempt) return;
          subId = id;
        }
        await withTimeout(data.call('CLIENT', 'TRACKING', 'off'), this.timeoutMs, 'redis');
        // NOLOOP: our own writes are forgotten locally before they are sent (wrote()), and a later read on this
        // same connection sees them, so their notices would only empty the view once more.
        const args = ['TRACKING', 'on', 'REDIRECT', String(subId), 'BCAST', ...prefixes.flatMap((p) => ['PREFIX', p]), 'NOLOOP'];
        const sent = Date.now();
        await withTimeout(data.call('CLIENT', ...args), this.timeoutMs, 'redis');
        await withTimeout(sub.ping(), this.timeoutMs, 'redis');
        if (mine === attempt && data.status === 'ready' && sub.status === 'ready') {
          this.channelAliveAt = Math.max(this.channelAliveAt, sent);
          cache.enable();
        }
      } catch {
        // Left disarmed (reads go to Redis); try again shortly. A server refusing CLIENT TRACKING (Redis < 6,
        // a proxy, an ACL) keeps failing here, and the store simply reads Redis every time.
        if (mine === attempt && !this.closed) retry = setTimeout(() => { arm().catch(() => undefined); }, 2000).unref();
      }
    };
    sub.on('ready', () => {
      subId = undefined;
      arm().catch(() => undefined);
    });
    // PING on the subscriber: its answer comes after every notice queued before it, so it proves the channel.
    this.heartbeat = setInterval(() => {
      if (this.closed || !cache.enabled || sub.status !== 'ready') return;
      const sent = Date.now();
      withTimeout(sub.ping(), this.timeoutMs, 'redis').then(() => {
        this.channelAliveAt = Math.max(this.channelAliveAt, sent);
      }, () => undefined);
    }, Math.max(50, Math.floor(maxSilenceMs / 4)));
    this.heartbeat.unref();
    sub.on('messageBuffer', (channel: Buffer, message: Buffer[] | Buffer | null) => {
      if (channel.toString() !== '__redis__:invalidate') return;
      // An array of keys; null after FLUSHALL/FLUSHDB.
      if (Array.isArray(message)) for (const k of message) cache.invalidate(k.toString());
      else cache.invalidateAll();
    });
    const subDown = () => { subId = undefined; disarm(); };
    sub.on('error', subDown);
    sub.on('close', subDown);
    sub.on('end', subDown);
    sub.on('reconnecting', subDown);
    for (const event of ['error', 'close', 'end', 'reconnecting']) data.on(event, disarm);
    data.on('ready', () => { arm().catch(() => undefined); });
  }

  async get(key: string): Promise<string | undefined> {
    const k = this.key(key);
    const cache = this.cache?.cacheable(k) ? this.cache : undefined;
    if (cache) {
      const hit = await cache.lookup(k);
      if (hit !== undefined) return hit ?? undefined;
    }
    const ticket = cache?.ticket() ?? 0;
    const v = await this.run(() => this.client.get(k));
    cache?.remember(k, v ?? null, ticket);
    return v ?? undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const k = this.key(key);
    checkValue(value);
    const px = optionalTtl(ttlMs);
    this.wrote(k);
    await this.run(() => (px === undefined ? this.client.set(k, value) : this.client.set(k, value, 'PX', px)));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const k = this.key(key);
    checkValue(value);
    const px = optionalTtl(ttlMs);
    this.wrote(k);
    const reply = await this.run(() =>
      px === undefined ? this.client.set(k, value, 'NX') : this.client.set(k, value, 'PX', px, 'NX'));
    return reply === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    const k = this.key(key);
    this.wrote(k);
    return (await this.run(() => this.client.del(k))) > 0;
  }

  async increment(key: string, ttlMs: number): Promise<{ value: number; ttlMs: number }> {
    const k = this.key(key);
    const px = requiredTtl(ttlMs);
    this.wrote(k);
    const [value, left] = await this.run(() => this.scripts.authflowIncr(k, px));
    return { value: Number(value), ttlMs: Math.max(0, Number(left)) };
  }

  async compareAndSet(key: string, expected: string, value: string, ttlMs?: number): Promise<boolean> {
    const k = this.key(key);
    checkValue(expected);
    checkValue(value);
    const px = optionalTtl(ttlMs);
    this.wrote(k);
    return (await this.run(() => this.scripts.authflowCas(k, expected, value, px === undefined ? '' : String(px)))) === 1;
  }

  /**
   * Runs a caller's Lua script atomically (rate limits: lib/limits/rate-limit-redis.ts):
   * EVALSHA, and EVAL only when the server answers NOSCRIPT. Keys get the
   * store prefix; bounded and failing closed (AUTH_011) like every command.
   * On Cluster, all keys must share a hash tag.
   */
  async evalScript(script: { lua: string; sha1: string }, keys: string[], args: Array<string | number>): Promise<unknown> {
    const k = keys.map((key) => this.key(key));
    for (const key of k) this.wrote(key);
    return this.run(() => this.client.evalsha(script.sha1, k.length, ...k, ...args).catch((err: unknown) => {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.client.eval(script.lua, k.length, ...k, ...args);
    }));
  }

  /**
   * Store.confirmReplicated: WAIT for one replica when the master has any
   * (ROLE lists them; a lone server has nothing to wait for). Redis
   * replicates asynchronously, so without it a revocation acknowledged in
   * the last moments before the master dies can be missing on the replica
   * Sentinel promotes. Not on Cluster: WAIT carries no key to route it to
   * the master that took the write. An ACL that refuses ROLE (an @admin
   * command) or WAIT leaves the replicas unknown: then nothing is waited
   * for, as before this check existed, like CLIENT TRACKING's fallback.
   */
  async confirmReplicated(): Promise<void> {
    if (this.cluster) return;
    const role = await this.run(() => permitted(this.client.call('ROLE') as Promise<unknown[]>, []));
    const replicas = role[0] === 'master' && Array.isArray(role[2]) ? role[2].length : 0;
    if (replicas === 0) return;
    // Within the command timeout, so WAIT itself answers rather than being cut off.
    const acked = await this.run(() => permitted(this.client.wait(1, Math.max(1, Math.floor(this.timeoutMs * 0.8))), 1));
    if (!(Number(acked) >= 1)) throw new StoreUnavailableError('redis: no replica confirmed the write in time');
  }

  /** Pub/sub for cache invalidation (lib/api-keys): PUBLISH, bounded and failing closed like every command. */
  async publish(channel: string, message: string): Promise<void> {
    const c = this.key(channel);
    await this.run(() => this.client.publish(c, message));
  }

  /**
   * Listens on a channel over a connection of its own (a subscribed
   * connection can send nothing else). `onState(false)` whenever that
   * connection drops — messages published meanwhile are lost, so a cache fed
   * by them must not be trusted — and `onState(true)` once subscribed again.
   * Resolves when subscribed; rejects with AUTH_011 when that fails in time.
   */
  async subscribe(channel: string, listener: (message: string) => void, onState: (up: boolean) => void = () => undefined): Promise<() => Promise<void>> {
    const c = this.key(channel);
    if (this.closed) throw new StoreUnavailableError('redis: store closed');
    const sub: Client = this.client instanceof ioredis().Cluster ? this.client.duplicate() : (this.client as Redis).duplicate();
    this.subscribers.add(sub);
    let up = false;
    const setUp = (next: boolean) => {
      if (next !== up) { up = next; onState(next); }
    };
    const subscribeNow = () => withTimeout(sub.subscribe(c), this.timeoutMs, 'redis').then(() => setUp(true));
    sub.on('error', () => setUp(false));
    sub.on('close', () => setUp(false));
    sub.on('message', (ch: string, message: string) => { if (ch === c) listener(message); });
    const stop = async () => {
      this.subscribers.delete(sub);
      setUp(false);
      sub.disconnect();
    };
    try {
      await withTimeout(new Promise<void>((resolve) => { if (sub.status === 'ready') resolve(); else sub.once('ready', () => resolve()); }), this.timeoutMs, 'redis');
      await subscribeNow();
    } catch (err) {
      await stop();
      throw mapError(err);
    }
    // After a reconnect: subscribed again (explicitly, whatever ioredis does on its own) before trusting the channel.
    sub.on('ready', () => { subscribeNow().catch(() => setUp(false)); });
    return stop;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopStatus();
    this.settleWaiters(new StoreUnavailableError('redis: store closed'));
    this.cache?.disable();
    clearInterval(this.heartbeat);
    for (const sub of this.subscribers) sub.disconnect();
    this.subscribers.clear();
    if (this.client.status === 'ready') {
      // Polite QUIT, bounded; a dead link falls through to disconnect().
      await withTimeout(this.client.quit(), this.timeoutMs, 'redis').catch(() => undefined);
    }
    this.client.disconnect();
  }

  /** Own write: the local view forgets the key before the command leaves (Redis's own notice may come after the reply). */
  private wrote(k: string): void {
    if (this.cache?.cacheable(k)) this.cache.invalidate(k);
  }

  private get scripts(): ScriptCommands {
    return this.client as unknown as ScriptCommands;
  }

  private key(key: string): string {
    checkKey(key);
    return this.prefix + key;
  }

  /** One command, answered or failed closed within the timeout. */
  private run<T>(command: () => Promise<T>): Promise<T> {
    // The hot path: a ready single-node link. ioredis's own commandTimeout (set
    // on every connection above) already bounds the command, so no second timer
    // and no extra await per request. Cluster commands may be redirected and
    // retried, so they keep the whole-call deadline below.
    if (!this.closed && !this.cluster && this.client.status === 'ready') {
      this.coalesceWrites();
      return command().catch((err: unknown) => { throw mapError(err); });
    }
    return this.runWhenReady(command);
  }

  /**
   * Commands sent while Node-RED works through one batch of messages go out
   * in one write: the socket is corked until the next turn of the event loop.
   * On 127.0.0.1 the write itself (the kernel's loopback delivery) is most of
   * what a round trip costs the event loop (docs/BENCHMARKS.md).
   */
  private coalesceWrites(): void {
    const stream = (this.client as Redis).stream;
    if (this.corked || !stream) return;
    this.corked = true;
    stream.cork();
    setImmediate(() => {
      this.corked = false;
      stream.uncork();
    });
  }

  private async runWhenReady<T>(command: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError('redis: store closed');
    const deadline = Date.now() + this.timeoutMs;
    await this.whenReady(deadline);
    try {
      return await withTimeout(command(), Math.max(1, deadline - Date.now()), 'redis');
    } catch (err) {
      throw mapError(err);
    }
  }

  /**
   * Commands are only sent on a ready link. While a connection attempt is
   * under way, wait for it (bounded); while the link is down between
   * reconnect attempts, fail at once rather than pile up callers.
   */
  private whenReady(deadline: number): Promise<void> {
    const status = this.client.status;
    if (status === 'ready') return Promise.resolve();
    if (status !== 'wait' && status !== 'connecting' && status !== 'connect') {
      return Promise.reject(new StoreUnavailableError(`redis: ${this.status.reason ?? status}`));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new StoreUnavailableError('redis: not connected within the command timeout'));
        }, Math.max(1, deadline - Date.now())),
      };
      this.waiters.add(waiter);
    });
  }

  private settleWaiters(err?: Error): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      if (err) w.reject(err);
      else w.resolve();
    }
    this.waiters.clear();
  }
}

/** A command the server's ACL refuses (NOPERM) answers `otherwise`; any other failure stays a failure. */
function permitted<T>(command: Promise<T>, otherwise: T): Promise<T> {
  return command.catch((err: unknown) => {
    if (err instanceof Error && err.message.startsWith('NOPERM')) return otherwise;
    throw err;
  });
}

/** Connection trouble, timeouts and server refusals all fail closed; a non-integer counter is the caller's bug. */
function mapError(err: unknown): Error {
  if (err instanceof StoreUnavailableError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/not an integer/i.test(message)) return notACounter();
  if (err instanceof Error && err.name === 'ReplyError') {
    // Server error replies can echo arguments; keep only the error code word.
    return new StoreUnavailableError(`redis: server replied ${message.split(/\s/)[0]}`);
  }
  return new StoreUnavailableError(`redis: ${redact(message)}`);
}

function describe(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return redact(code && !err.message.includes(code) ? `${code} ${err.message}` : err.message);
}

/** Belt and braces: never let URL credentials reach a status or audit line. */
function redact(message: string): string {
  return message.replace(/\/\/[^@\s/]*@/g, '//***@');
}
