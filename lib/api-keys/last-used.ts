/**
 * Last-used times, written off the request path: a check only notes the time
 * in memory; a timer writes every key used since the last flush in one batch
 * (one statement on PostgreSQL, one write per key elsewhere). Bounded: when
 * maxPending keys wait, a flush starts early instead of growing the map.
 * A failed flush keeps its times for the next one, as room allows.
 */
export interface LastUsedOptions {
  write: (times: ReadonlyMap<string, number>) => Promise<void>;
  /** Default 60000. */
  flushIntervalMs?: number;
  /** Default 10000. */
  maxPending?: number;
  onError?: (err: unknown) => void;
}

export class LastUsedBatcher {
  private pending = new Map<string, number>();
  private flushing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly maxPending: number;

  constructor(private readonly opts: LastUsedOptions) {
    this.maxPending = opts.maxPending ?? 10_000;
    this.timer = setInterval(() => { void this.flush(); }, opts.flushIntervalMs ?? 60_000);
    this.timer.unref();
  }

  /** O(1), no I/O: called on every successful check. */
  touch(id: string, at: number): void {
    this.pending.set(id, at);
    if (this.pending.size >= this.maxPending && !this.flushing) setImmediate(() => { void this.flush(); });
  }

  get size(): number {
    return this.pending.size;
  }

  flush(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return this.flushing ?? Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.opts.write(batch).catch((err) => {
      for (const [id, at] of batch) {
        if (this.pending.size >= this.maxPending) break;
        if (!this.pending.has(id)) this.pending.set(id, at);
      }
      this.opts.onError?.(err);
    }).finally(() => { this.flushing = undefined; });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }
}
