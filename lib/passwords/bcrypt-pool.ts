import { Worker } from 'worker_threads';
import { availableParallelism } from 'os';
import path from 'path';

/**
 * A small pool of worker threads running bcryptjs (see bcrypt-worker.ts).
 * Workers start on first use and are unref'ed so they never keep a process alive.
 */
export const BCRYPT_PATTERN = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

interface Pending { worker: Worker; resolve: (ok: boolean) => void; reject: (e: Error) => void }

class BcryptPool {
  private workers: Worker[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private turn = 0;

  constructor(private readonly size: number) {}

  private spawn(): Worker {
    const worker = new Worker(path.join(__dirname, 'bcrypt-worker.js'));
    worker.unref();
    worker.on('message', (m: { id: number; ok: boolean }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m.ok);
    });
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', () => this.fail(worker, new Error('bcrypt worker exited')));
    return worker;
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

  compare(password: string, hash: string): Promise<boolean> {
    if (this.workers.length < this.size) this.workers.push(this.spawn());
    const worker = this.workers[this.turn++ % this.workers.length];
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      worker.postMessage({ id, password: password.normalize('NFC'), hash });
    });
  }
}

let pool: BcryptPool | undefined;

export function compareBcrypt(password: string, hash: string): Promise<boolean> {
  pool ??= new BcryptPool(Math.max(1, Math.min(2, availableParallelism() - 1)));
  return pool.compare(password, hash);
}
