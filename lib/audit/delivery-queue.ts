/**
 * Hands items to a consumer that may be slower than the producer (an audit
 * node's downstream flow: a file, an HTTP collector) without ever making
 * the producer wait and without memory growing:
 *  - `push` only appends to a ring of `capacity` items (O(1), no await) and
 *    counts the item as dropped when the ring is full;
 *  - at most `maxInFlight` items are out with the consumer at a time; one
 *    is back when `ack` is called `acks` times for it (once per receiver),
 *    or after `ackTimeoutMs` — a receiver that never says it is done must
 *    not stall the stream for good;
 *  - items go out on a later turn of the event loop (setImmediate), at most
 *    `batch` per turn, never inside `push` — that runs on the request path.
 */
export interface DeliveryQueueOptions<T> {
  capacity: number;
  maxInFlight: number;
  ackTimeoutMs: number;
  /** Sends one item; returns its id and how many acks mean "done" (0: nothing to wait for). */
  send(item: T): { id: string; acks: number };
  batch?: number;
  now?: () => number;
  /**
   * Told of the first item `send` threw on (the item is dropped and counted);
   * later throws are only counted, so a broken consumer cannot flood the log.
   */
  onSendError?: (err: unknown) => void;
}

export interface DeliveryCounts {
  queued: number;
  inFlight: number;
  sent: number;
  dropped: number;
  /** Items released by the timeout rather than by acks. */
  timedOut: number;
}

export class DeliveryQueue<T> {
  private readonly ring: Array<T | undefined>;
  private head = 0;
  private size = 0;
  private readonly inFlight = new Map<string, { acks: number; at: number }>();
  private scheduled = false;
  private closed = false;
  private sweeper?: NodeJS.Timeout;
  private sent = 0;
  private dropped = 0;
  private timedOut = 0;
  private sendErrorReported = false;
  private readonly batch: number;
  private readonly now: () => number;

  constructor(private readonly opts: DeliveryQueueOptions<T>) {
    if (!(opts.capacity >= 1) || !(opts.maxInFlight >= 1)) throw new Error('capacity and maxInFlight must be at least 1');
    this.ring = new Array(opts.capacity);
    this.batch = opts.batch ?? 256;
    this.now = opts.now ?? Date.now;
  }

  /** Queues an item; false when the queue is full and the item was dropped (counted). */
  push(item: T): boolean {
    if (this.closed) return false;
    if (this.size >= this.ring.length) {
      this.dropped++;
      return false;
    }
    this.ring[(this.head + this.size) % this.ring.length] = item;
    this.size++;
    this.schedule();
    return true;
  }

  /** One receiver finished the item `id`. Unknown ids (not ours, already released) are ignored. */
  ack(id: string): void {
    const entry = this.inFlight.get(id);
    if (!entry) return;
    if (--entry.acks > 0) return;
    this.inFlight.delete(id);
    this.schedule();
  }

  counts(): DeliveryCounts {
    return { queued: this.size, inFlight: this.inFlight.size, sent: this.sent, dropped: this.dropped, timedOut: this.timedOut };
  }

  close(): void {
    this.closed = true;
    this.ring.fill(undefined);
    this.size = 0;
    this.inFlight.clear();
    if (this.sweeper) clearInterval(this.sweeper);
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    let n = 0;
    while (!this.closed && this.size > 0 && this.inFlight.size < this.opts.maxInFlight && n < this.batch) {
      const item = this.ring[this.head] as T;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.ring.length;
      this.size--;
      n++;
      let out: { id: string; acks: number };
      try {
        out = this.opts.send(item);
      } catch (err) {
        // pump runs in setImmediate: a throw here would be an uncaught
        // exception that stops the whole process. Drop and count instead.
        this.dropped++;
        this.reportSendError(err);
        continue;
      }
      this.sent++;
      const { id, acks } = out;
      if (acks > 0) {
        this.inFlight.set(id, { acks, at: this.now() });
        this.sweep();
      }
    }
    if (this.size > 0 && this.inFlight.size < this.opts.maxInFlight) this.schedule();
  }

  private reportSendError(err: unknown): void {
    if (this.sendErrorReported) return;
    this.sendErrorReported = true;
    try {
      this.opts.onSendError?.(err);
    } catch {
      // the reporter itself must not crash the process either
    }
  }

  /** Releases items no receiver acknowledged in time; runs while anything is in flight. */
  private sweep(): void {
    if (this.sweeper) return;
    const every = Math.max(10, Math.min(1000, this.opts.ackTimeoutMs / 2));
    this.sweeper = setInterval(() => {
      const oldest = this.now() - this.opts.ackTimeoutMs;
      for (const [id, entry] of this.inFlight) {
        if (entry.at > oldest) break; // insertion order = send order
        this.inFlight.delete(id);
        this.timedOut++;
      }
      if (this.inFlight.size === 0 && this.sweeper) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
      this.schedule();
    }, every);
    this.sweeper.unref?.();
  }
}
