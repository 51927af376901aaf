/**
 * Opaque access tokens (Kitewheel's style): 256 random bits from the CSPRNG
 * (ASVS 7.2.3 asks for at least 128), meaningless to the client, stored only
 * as their SHA-256 with the claims they stand for and a TTL ending at `exp`.
 * Bound to the issuer (docs/THREAT-MODEL.md): its tag is in the key and the
 * record, so another issuer on the same store never finds them.
 */
import { Store, replicated } from '../store/store';
import { sha256Hex } from '../crypto/secure-compare';
import { tokenKeys, TokenKeys } from '../store/keys';
import { isRandomToken, mintRandomToken } from '../crypto/random-token';
import { parseRecord } from '../session/session-subject';

/** What an opaque token stands for: the claims a JWT would carry. */
export interface OpaqueTokenRecord {
  claims: Record<string, unknown> & { sub: string; jti: string; exp: number; iat: number };
}

export class OpaqueAccessTokens {
  private readonly keys: TokenKeys;

  /** `issuerTag`: IssuerTags.tokens of the issuer minting them. */
  constructor(private readonly store: Store, private readonly issuerTag: string, private readonly now: () => number = Date.now) {
    this.keys = tokenKeys(issuerTag);
  }

  async issue(claims: OpaqueTokenRecord['claims']): Promise<string> {
    const token = mintRandomToken();
    const ttl = claims.exp * 1000 - this.now();
    await this.store.set(this.keys.opaqueToken(sha256Hex(token)), JSON.stringify({ isr: this.issuerTag, claims }), Math.max(1, ttl));
    return token;
  }

  /** The record, or undefined when unknown, expired, revoked or not one of this issuer's. */
  async lookup(token: string): Promise<OpaqueTokenRecord | undefined> {
    if (!looksOpaque(token)) return undefined;
    const record = parseRecord<OpaqueTokenRecord>(await this.store.get(this.keys.opaqueToken(sha256Hex(token))), (v) => {
      const c = v.claims as Record<string, unknown> | undefined;
      return v.isr === this.issuerTag && typeof c === 'object' && c !== null && typeof c.sub === 'string' &&
        typeof c.jti === 'string' && typeof c.exp === 'number' && typeof c.iat === 'number';
    });
    if (!record || record.claims.exp * 1000 <= this.now()) return undefined;
    return record;
  }

  async revoke(token: string): Promise<boolean> {
    if (!looksOpaque(token)) return false;
    const removed = await this.store.delete(this.keys.opaqueToken(sha256Hex(token)));
    await replicated(this.store);
    return removed;
  }
}

export function looksOpaque(token: string): boolean {
  return isRandomToken(token);
}
