/**
 * Worker thread body for password checks (scrypt and bcrypt). A hash holds
 * its thread for tens of milliseconds (bcryptjs is pure JavaScript even in
 * its "async" form), so none runs on Node-RED's event loop.
 *
 * The thread lowers its own scheduling priority first: when the machine is
 * busy, a login storm's hashing yields the CPU to the event loop that
 * answers every other route (measured: docs/BENCHMARKS.md, login storm).
 */
import { parentPort } from 'worker_threads';
import { readlinkSync } from 'fs';
import { setPriority } from 'os';
import { performance } from 'perf_hooks';
import { scryptSync, timingSafeEqual } from 'crypto';
import bcrypt from 'bcryptjs';
import { parseScryptHash, scryptOptions } from './scrypt';

/** Niceness of hashing threads: weight 110 against the event loop's 1024 under Linux CFS. */
const HASH_THREAD_NICENESS = 10;

export interface HashJob { id: number; kind: 'scrypt' | 'bcrypt'; password: string; hash: string }
/** ms: this thread's wall time for the hash alone (no queueing, no messaging): what calibration measures. */
export interface HashReply { id: number; ok: boolean; ms: number }

/** Linux: nice is per thread; /proc/thread-self names this one. Elsewhere the thread keeps its priority. */
function lowerOwnPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, HASH_THREAD_NICENESS);
  } catch {
    // not Linux, or not permitted: hashing still runs off the event loop
  }
}

function verify(job: HashJob): boolean {
  if (job.kind === 'bcrypt') return bcrypt.compareSync(job.password, job.hash);
  const h = parseScryptHash(job.hash);
  if (!h) return false;
  const key = scryptSync(job.password, h.salt, h.key.length, scryptOptions(h.ln, h.r, h.p));
  return timingSafeEqual(key, h.key);
}

lowerOwnPriority();
parentPort?.on('message', (job: HashJob) => {
  let ok = false;
  const started = performance.now();
  try {
    ok = verify(job);
  } catch {
    ok = false; // a malformed hash never verifies (fail closed)
  }
  const reply: HashReply = { id: job.id, ok, ms: performance.now() - started };
  parentPort?.postMessage(reply);
});
