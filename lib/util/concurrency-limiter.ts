import { RateLimitedError } from '../errors';

/**
 * Bounded concurrency with a bounded queue for expensive work (password
 * hashing). A flood of logins queues up to `maxQueue` and is then refused
 * with 429 instead of growing memory or starving the thread pool.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly maxConcurrent: number, private readonly maxQueue: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxConcurrent) {
      if (this.queue.length >= this.maxQueue) {
        throw new RateLimitedError('password check queue full', { retryAfter: 1 });
      }
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next(); // hand the slot over directly
      else this.running--;
    }
  }
}
