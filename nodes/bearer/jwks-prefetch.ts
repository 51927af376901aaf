import type { JwksKeyResolver } from '../../lib/internal';
import type { StatusReporter } from '../shared/status';

/**
 * Fetches a JWKS at deploy, so the first request does not wait and the node
 * status tells whether the provider answers. At Node-RED start-up the
 * provider may be this very instance, not listening yet: retries with
 * backoff (1 s … 32 s) until the first success. Returns the stop function.
 */
export function prefetchJwks(jwks: JwksKeyResolver, status: StatusReporter, warn: (text: string) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = (n: number): void => {
    jwks.refresh().then(() => {
      if (stopped) return;
      const s = jwks.status();
      if (s.keys > 0 && !s.lastError) {
        status.ready(`JWKS: ${s.keys} keys`);
        return;
      }
      status.ready('JWKS unavailable');
      if (n === 3) warn(`JWKS not loaded yet: ${s.lastError ?? 'no usable keys'}`);
      if (n < 6) {
        timer = setTimeout(() => attempt(n + 1), 1000 * 2 ** n);
        timer.unref();
      }
    }, () => undefined);
  };
  attempt(0);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
