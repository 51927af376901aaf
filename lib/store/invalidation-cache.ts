/**
 * A local, bounded view of a few hot keys that the server invalidates
 * (Redis client tracking: lib/store/redis-store.ts). It answers only while
 * the invalidation channel is known to be up (`enable()`); whenever that
 * channel may have missed a message (`disable()`), it forgets everything and
 * every read goes to the server until it is armed again. It never answers
 * from an entry that an invalidation could have overtaken:
 *
 *   - a read takes a ticket (the generation) before asking the server and
 *     stores its answer only if no invalidation, own write, enable or
 *     disable happened meanwhile (the reply and the invalidation travel on
 *     different connections, so their order at the client is not the
 *     server's order);
 *   - a hit is answered after one turn of the event loop (setImmediate):
 *     an invalidation already on the socket when a request arrives is
 *     processed before the request is answered from the cache.
 */
export class InvalidationCache {
  private readonly entries = new Map<string, string | null>();
  private generation = 0;
  private armed = false;

  /**
   * `live()`: whether the channel has proved recently that it delivers (a
   * heartbeat answered on it); when not, nothing is answered from memory —
   * a connection that hangs without closing must not keep stale answers alive.
   */
  constructor(private readonly maxEntries: number, readonly cacheable: (key: string) => boolean, private readonly live: () => boolean = () => true) {
    if (!(Number.isInteger(maxEntries) && maxEntries > 0)) throw new RangeError('InvalidationCache: maxEntries must be a positive integer');
  }

  get enabled(): boolean {
    return this.armed;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The generation to hand back to remember(). */
  ticket(): number {
    return this.generation;
  }

  /** A cached answer: string, null (known absent), or undefined (ask the server). Resolves after one event-loop turn. */
  async lookup(key: string): Promise<string | null | undefined> {
    if (!this.armed || !this.entries.has(key) || !this.live()) return undefined;
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.armed ? this.entries.get(key) : undefined;
  }

  /** Keeps a server answer, unless anything happened since `ticket`. */
  remember(key: string, value: string | null, ticket: number): void {
    if (!this.armed || ticket !== this.generation) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      // Oldest first (Map order): bounded without bookkeeping per hit.
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(key, value);
  }

  /** A key changed (server message or own write). */
  invalidate(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  /** Everything may have changed (FLUSHALL, lost channel). */
  invalidateAll(): void {
    this.generation++;
    this.entries.clear();
  }

  /** The channel is up and subscribed: entries may be kept from now on. */
  enable(): void {
    this.invalidateAll();
    this.armed = true;
  }

  /** The channel may miss messages: forget all and answer nothing until enabled again. */
  disable(): void {
    this.armed = false;
    this.invalidateAll();
  }
}
