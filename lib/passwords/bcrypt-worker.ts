/**
 * Worker thread body for bcrypt checks. bcryptjs is pure JavaScript and
 * holds the thread for the whole hash (~90 ms at cost 10) even in its "async"
 * form, so it must never run on Node-RED's event loop.
 */
import { parentPort } from 'worker_threads';
import bcrypt from 'bcryptjs';

parentPort?.on('message', (job: { id: number; password: string; hash: string }) => {
  let ok = false;
  try {
    ok = bcrypt.compareSync(job.password, job.hash);
  } catch {
    ok = false;
  }
  parentPort?.postMessage({ id: job.id, ok });
});
