import { StoreUnavailableError } from '../../lib/internal';
import type { Store, StoreStatus } from '../../lib/internal';
import type { StoreProvider } from '../shared/store-ref';

export interface ProviderOptions {
  /** While unavailable, probe the backend this often so recovery shows without traffic. Default 5000. */
  probeIntervalMs?: number;
  /** Close gives up waiting for the backend after this. Default 5000. */
  closeTimeoutMs?: number;
  /** State transitions, for the config node's log. */
  onTransition?: (status: StoreStatus) => void;
}

const PROBE_KEY = 'health:probe';

/**
 * Owns one Store for the life of a deploy and relays its health to the nodes
 * that use it (StoreProvider, nodes/shared/store-ref.ts). Health comes from
 * the adapter's own onStatus (Redis, PostgreSQL) or, for adapters without
 * one (context), from a probe read. While unavailable a probe runs every
 * probeIntervalMs: PostgreSQL reports recovery only when a query succeeds.
 */
export class ManagedStore implements StoreProvider {
  private current: StoreStatus | undefined;
  private readonly listeners = new Set<(status: StoreStatus) => void>();
  private readonly unsubscribeStore: () => void;
  private readonly probeIntervalMs: number;
  private readonly closeTimeoutMs: number;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(readonly store: Store, private readonly options: ProviderOptions = {}) {
    this.probeIntervalMs = options.probeIntervalMs ?? 5000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    this.unsubscribeStore = store.onStatus ? store.onStatus((s) => this.update(s)) : () => undefined;
    // First contact at deploy: runs PostgreSQL migrations, connects Redis,
    // and makes a broken configuration visible before the first request.
    this.probe();
  }

  /** Last known health; undefined until the backend first answered. */
  get status(): StoreStatus | undefined {
    return this.current;
  }

  /** Outage/recovery changes (state or reason); returns an unsubscribe function. */
  onStatus(listener: (status: StoreStatus) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** Stops probing, drops listeners and closes the backend, bounded by closeTimeoutMs. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopProbing();
    this.unsubscribeStore();
    this.listeners.clear();
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.closeTimeoutMs); });
    await Promise.race([this.store.close().catch(() => undefined), giveUp]);
    clearTimeout(timer);
  }

  private probe(): void {
    if (this.closed) return;
    this.store.get(PROBE_KEY).then(
      () => { if (!this.store.onStatus) this.update({ state: 'ready' }); },
      (err: unknown) => {
        if (this.store.onStatus && err instanceof StoreUnavailableError) return; // the adapter reports it itself
        this.update({ state: 'unavailable', reason: err instanceof StoreUnavailableError ? err.reason : 'probe failed' });
      },
    );
  }

  private update(next: StoreStatus): void {
    if (this.closed) return;
    const previous = this.current;
    if (previous && previous.state === next.state && previous.reason === next.reason) return;
    this.current = next;
    if (next.state === 'unavailable') this.startProbing();
    else this.stopProbing();
    if (previous?.state !== next.state) this.options.onTransition?.(next);
    for (const listener of this.listeners) {
      try { listener(next); } catch { /* one node's bug must not silence the others */ }
    }
  }

  private startProbing(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setInterval(() => this.probe(), this.probeIntervalMs);
    this.probeTimer.unref();
  }

  private stopProbing(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }
}

/** Stands in for the store when the configuration is invalid: every call fails closed (AUTH_011). */
export class UnavailableStore implements Store {
  constructor(private readonly reason: string) {}
  private fail(): Promise<never> {
    return Promise.reject(new StoreUnavailableError(this.reason));
  }
  get(): Promise<string | undefined> { return this.fail(); }
  set(): Promise<void> { return this.fail(); }
  setIfAbsent(): Promise<boolean> { return this.fail(); }
  delete(): Promise<boolean> { return this.fail(); }
  increment(): Promise<{ value: number; ttlMs: number }> { return this.fail(); }
  compareAndSet(): Promise<boolean> { return this.fail(); }
  async close(): Promise<void> { /* nothing to release */ }
}
