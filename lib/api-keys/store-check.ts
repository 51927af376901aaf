/**
 * The token node's "key store" source and the middleware's equivalent: the
 * key found once in the request (same places and rules as the list check,
 * lib/api-keys/extract.ts), verified against an ApiKeyService.
 *
 * Response headers a client can notice (the node puts them on the response):
 *  - `X-API-Key-Deprecated: true` and `X-API-Key-Sunset: <HTTP-date>` while a
 *    rotated key is in its grace period (HTTP-date as in RFC 9110 §5.6.7,
 *    the format of the Sunset header, RFC 8594, which names a resource's end
 *    and so is not reused for a credential's);
 *  - `X-Auth-Remaining-Quota: <n>` for keys with a quota (the Kindly guide's header).
 */
import type { AuthInfo } from '../auth-info';
import { emitDecision } from '../audit';
import type { Check } from '../checks/check';
import { CheckRequest, clientAddress, headerLines, queryValues } from '../checks/request';
import { apiKeyChallenge, apiKeySettings, ApiKeyCheckOptions } from './check';
import { extractApiToken } from './extract';
import { KEY_ENVS, KeyEnv } from './format';
import type { ApiKeyService } from './service';
import { then } from '../util/maybe';

export interface KeyStoreCheckOptions extends ApiKeyCheckOptions {
  /** Key envs this check accepts (a test route may refuse prod keys). Default all. */
  envs?: readonly KeyEnv[];
}

/** `keys` may be a getter: a node resolves its key store config node when the check runs. */
export function apiKeyStoreCheck<R extends CheckRequest>(keys: ApiKeyService | (() => ApiKeyService), opts: KeyStoreCheckOptions = {}): Check<R> {
  const s = apiKeySettings({ header: 'x-api-key', ...opts });
  const envs = opts.envs && opts.envs.length > 0 ? [...opts.envs] : [...KEY_ENVS];
  for (const e of envs) if (!KEY_ENVS.includes(e)) throw new Error(`unknown key env ${JSON.stringify(e)}`);
  const service = typeof keys === 'function' ? keys : () => keys;
  const challenge = { 'WWW-Authenticate': apiKeyChallenge(s) };
  return {
    method: 'api_key',
    challenge: (err) => (err.status === 401 ? challenge : {}),
    run(req) {
      const presented = extractApiToken({
        header: headerLines(req, s.header),
        authorization: s.allowBearer ? headerLines(req, 'authorization') : undefined,
        query: s.queryParam ? queryValues(req, s.queryParam) : undefined,
      });
      const ip = clientAddress(req);
      // At once for a cached key without a quota: no promise per request (lib/util/maybe.ts).
      return then(service().verifyNow(presented, ip, envs), ({ record: r, sunset, remainingUses }) => {
        const claims: Record<string, unknown> = { key_name: r.name, env: r.env };
        if (sunset !== undefined) {
          claims.sunset = new Date(sunset).toISOString();
          claims.rotated_to = r.rotatedTo;
          // Using a rotated key is worth an operator's attention (the client should have switched).
          emitDecision(() => ({
            time: new Date().toISOString(), outcome: 'allow', method: 'api_key', subject: r.owner, keyId: r.id, ip,
            reason: `rotated API key used during its grace period (works until ${claims.sunset})`,
          }));
        }
        if (remainingUses !== undefined) claims.remaining_uses = remainingUses;
        const info: AuthInfo = { method: 'api_key', subject: r.owner, keyId: r.id, scopes: [...r.scopes], ip, claims };
        if (r.expiresAt !== undefined) info.expiresAt = r.expiresAt;
        return info;
      });
    },
  };
}

/** The headers a successful key check adds to the response (see above); {} for most keys. */
export function apiKeyResponseHeaders(info: AuthInfo | undefined): Record<string, string> {
  const claims = info?.method === 'api_key' ? info.claims : undefined;
  if (!claims) return {};
  const headers: Record<string, string> = {};
  if (typeof claims.sunset === 'string') {
    headers['X-API-Key-Deprecated'] = 'true';
    headers['X-API-Key-Sunset'] = new Date(claims.sunset).toUTCString();
  }
  if (typeof claims.remaining_uses === 'number') headers['X-Auth-Remaining-Quota'] = String(claims.remaining_uses);
  return headers;
}
