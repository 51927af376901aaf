import type { StoreStatus } from './store';

/**
 * Health reporting for the networked adapters (Redis, PostgreSQL), which
 * extend it: `status` and `onStatus` are their public Store API.
 */
export class StatusEmitter {
  private readonly listeners = new Set<(status: StoreStatus) => void>();
  private current: StoreStatus;
  private silenced = false;

  constructor(initial: StoreStatus) {
    this.current = initial;
  }

  /** Current backend health. */
  get status(): StoreStatus {
    return this.current;
  }

  /** Called when the state or its reason changes (not on every retry); returns an unsubscribe function. */
  onStatus(cb: (status: StoreStatus) => void): () => void {
    this.listeners.add(cb);
    return () => { this.listeners.delete(cb); };
  }

  protected setStatus(next: StoreStatus): void {
    // A closing store's teardown errors are not news; the last status stays.
    if (this.silenced) return;
    // Notify on a new state or a new reason (connecting -> ECONNREFUSED), not on every retry.
    const changed = next.state !== this.current.state || next.reason !== this.current.reason;
    this.current = next;
    if (!changed) return;
    for (const cb of this.listeners) {
      try { cb(next); } catch { /* a listener's bug must not break the store */ }
    }
  }

  /** On close: drop listeners and ignore later status changes. */
  protected stopStatus(): void {
    this.silenced = true;
    this.listeners.clear();
  }
}
