/**
 * The authflow-hmac node's "API key store" source: the key header of a signed
 * request (Kindly's X-API-Key; our strict scheme's X-Key-Id) carries the API
 * key, resolved through the key store like an X-API-Key check (checksum →
 * keyed-hash lookup through the verified-key cache → revoked/expired → IP
 * rules), then its sealed signing secret. The quota and last-used time are
 * spent by `consume`, which the signed-request check calls only after the
 * signature matched and the nonce was claimed.
 */
import type { SigningKey, SigningKeyResolver } from '../signatures/signing-keys';
import { KEY_ENVS } from './format';
import type { ApiKeyService } from './service';

/** `keys` may be a getter: a node resolves its key store config node per request. */
export function apiKeySigningKeys(keys: ApiKeyService | (() => ApiKeyService)): SigningKeyResolver {
  const service = typeof keys === 'function' ? keys : () => keys;
  return {
    async resolve(presented, ip): Promise<SigningKey> {
      const svc = service();
      const { record: r, digest, secret } = await svc.signingKey(presented, ip, KEY_ENVS);
      return {
        id: r.id,
        subject: r.owner,
        scopes: [...r.scopes],
        expiresAt: r.expiresAt,
        // 32 random bytes behind a prefix: never short (RFC 2104 §3).
        secrets: { keys: [{ key: secret }], short: false },
        digest,
        consume: () => svc.consume(r),
      };
    },
  };
}
