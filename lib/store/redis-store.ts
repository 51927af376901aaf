import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../errors';
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
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly waiters = new Set<Waiter>();
  private readonly subscribers = new Set<Client>();
  private closed = false;

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
  }

  async get(key: string): Promise<string | undefined> {
    const k = this.key(key);
    const v = await this.run(() => this.client.get(k));
    return v ?? undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const k = this.key(key);
    checkValue(value);
    const px = optionalTtl(ttlMs);
    await this.run(() => (px === undefined ? this.client.set(k, value) : this.client.set(k, value, 'PX', px)));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const k = this.key(key);
    checkValue(value);
    const px = optionalTtl(ttlMs);
    const reply = await this.run(() =>
      px === undefined ? this.client.set(k, value, 'NX') : this.client.set(k, value, 'PX', px, 'NX'));
    return reply === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    const k = this.key(key);
    return (await this.run(() => this.client.del(k))) > 0;
  }

  async increment(key: string, ttlMs: number): Promise<{ value: number; ttlMs: number }> {
    const k = this.key(key);
    const px = requiredTtl(ttlMs);
    const [value, left] = await this.run(() => this.scripts.authflowIncr(k, px));
    return { value: Number(value), ttlMs: Math.max(0, Number(left)) };
  }

  async compareAndSet(key: string, expected: string, value: string, ttlMs?: number): Promise<boolean> {
    const k = this.key(key);
    checkValue(expected);
    checkValue(value);
    const px = optionalTtl(ttlMs);
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
    return this.run(() => this.client.evalsha(script.sha1, k.length, ...k, ...args).catch((err: unknown) => {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.client.eval(script.lua, k.length, ...k, ...args);
    }));
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
    for (const sub of this.subscribers) sub.disconnect();
    this.subscribers.clear();
    if (this.client.status === 'ready') {
      // Polite QUIT, bounded; a dead link falls through to disconnect().
      await withTimeout(this.client.quit(), this.timeoutMs, 'redis').catch(() => undefined);
    }
    this.client.disconnect();
  }

  private get scripts(): ScriptCommands {
    return this.client as unknown as ScriptCommands;
  }

  private key(key: string): string {
    checkKey(key);
    return this.prefix + key;
  }

  /** One command, answered or failed closed within the timeout. */
  private async run<T>(command: () => Promise<T>): Promise<T> {
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
