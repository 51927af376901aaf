import { StoreUnavailableError } from '../errors';

/**
 * Fail closed when a backend stays silent: rejects with AUTH_011
 * `<label>: no answer within <ms> ms` unless `promise` settles first.
 * The timer is always cleared, so a settled call leaves nothing pending.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreUnavailableError(`${label}: no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (e) => { clearTimeout(timer); reject(e); },
    );
  });
}
