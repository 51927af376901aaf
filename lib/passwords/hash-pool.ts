import { Worker } from 'worker_threads';
import { availableParallelism } from 'os';
import path from 'path';
import type { HashJob, HashReply } from './hash-worker';

/**
 * A small pool of worker threads running password checks (hash-worker.ts:
 * scrypt and bcryptjs, at a lowered thread priority). Workers start on
 * first use and are unref'ed so they never keep a process alive.
 */
export const BCRYPT_PATTERN = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

interface Pending { worker: Worker; resolve: (reply: HashReply) => void; reject: (e: Error) => void }

class HashPool {
  private workers: Worker[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly size: number) {}

  private spawn(): Worker {
    const worker = new Worker(path.join(__dirname, 'hash-worker.js'));
    worker.unref();
    worker.on('message', (m: HashReply) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m);
    });
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', () => this.fail(worker, new Error('password worker exited')));
    return worker;
  }

  /** An idle worker, a new one while the pool is not full, else the one with the fewest jobs. */
  private leastBusy(): Worker {
    const load = new Map(this.workers.map((w) => [w, 0]));
    for (const p of this.pending.values()) load.set(p.worker, (load.get(p.worker) ?? 0) + 1);
    let best: Worker | undefined;
    for (const [w, n] of load) if (best === undefined || n < load.get(best)!) best = w;
    if (best !== undefined && load.get(best) === 0) return best;
    if (this.workers.length < this.size) {
      const fresh = this.spawn();
      this.workers.push(fresh);
      return fresh;
    }
    return best!;
  }

  /** A crashed worker fails the jobs it held (fail closed) and is replaced on next use; other workers' jobs go on. */
  private fail(worker: Worker, err: Error): void {
    this.workers = this.workers.filter((w) => w !== worker);
    for (const [id, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.pending.delete(id);
      p.reject(err);
    }
  }

  run(kind: HashJob['kind'], password: string, hash: string): Promise<HashReply> {
    const worker = this.leastBusy();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      const job: HashJob = { id, kind, password: password.normalize('NFC'), hash };
      worker.postMessage(job);
    });
  }
}

let pool: HashPool | undefined;

/** As many workers as PasswordChecker lets hash at once (cores − 1, at least 1). */
function hashPool(): HashPool {
  pool ??= new HashPool(Math.max(1, Math.min(8, availableParallelism() - 1)));
  return pool;
}

/** Checks `password` against a scrypt or bcrypt `hash` in a worker thread. */
export async function checkInWorker(kind: HashJob['kind'], password: string, hash: string): Promise<boolean> {
  return (await hashPool().run(kind, password, hash)).ok;
}

/** Milliseconds the worker spent on one such check (its own time: waiting in line is not counted). */
export async function timeInWorker(kind: HashJob['kind'], password: string, hash: string): Promise<number> {
  return (await hashPool().run(kind, password, hash)).ms;
}

export function compareBcrypt(password: string, hash: string): Promise<boolean> {
  return checkInWorker('bcrypt', password, hash);
}
