/**
 * One issuer's token machinery over one store, built once at deploy: the
 * access-token issuer, refresh families, revocations, and the verifier of
 * its own tokens. Login, refresh, logout and Bearer nodes that select the
 * same issuer share one of these. All its state in the store is bound to
 * the issuer's identity (lib/tokens/issuer-identity.ts).
 */
import type { Store } from '../store/store';
import { buildSigningKey, JwsAlg } from '../jwt/keys';
import { TokenIssuer, AccessTokenFormat } from '../tokens/issuer';
import { Families } from './families';
import { RefreshTokens } from './refresh-tokens';
import { Revocations } from '../tokens/revocation';
import { OwnTokenSource } from '../tokens/access-tokens';
import { DataKey } from '../crypto/data-key';
import { issuerTags, IssuerTags } from '../tokens/issuer-identity';
import type { SessionTokens } from './login-service';
import { KeyRing, RotatingAlg } from '../tokens/key-ring';

export interface SessionTokensOptions {
  store: Store;
  format?: AccessTokenFormat;
  /** JWT: HS256 (default) / HS384 / HS512 with `secret`; RS256 / ES256 / EdDSA / … with `privateKeyPem`. */
  alg?: JwsAlg;
  /** HS secret: ≥ 32 bytes for HS256 (RFC 7518 §3.2), refused otherwise. `base64:`/`base64url:` prefixes decode. */
  secret?: string;
  privateKeyPem?: string;
  kid?: string;
  issuer?: string;
  audience?: string | string[];
  /**
   * Names the issuer when `issuer` is empty (Node-RED: the config node id).
   * Without either, every issuer on the store is the same unnamed one.
   */
  instanceId?: string;
  /** Default 900 (15 min). */
  accessTtlSec?: number;
  /** Absolute refresh-family lifetime. Default 86400 (24 h). */
  refreshTtlSec?: number;
  extraClaims?: Record<string, unknown>;
  /** Key material for at-rest encryption of TOTP seeds; default derived from the signing key (or the opaque secret). */
  dataKey?: string;
  /** Verifier leeway for our own JWTs, seconds. Default 30. */
  leewaySec?: number;
  /**
   * JWT signing keys generated and rotated in the store (lib/tokens/key-ring.ts)
   * instead of `secret` / `privateKeyPem`; needs `dataKey` (it seals them).
   */
  rotation?: { alg?: RotatingAlg; rotateEverySec?: number; refreshMs?: number };
  now?: () => number;
}

export interface SessionTokensBundle extends SessionTokens {
  store: Store;
  /** What binds this issuer's state in the store (TOTP enrolments use `factors`). */
  tags: IssuerTags;
  /** Seals TOTP seeds at rest; undefined for opaque tokens without a configured data key (store enrolment then off). */
  dataKey?: DataKey;
}

export const SESSION_DEFAULTS = Object.freeze({ accessTtlSec: 900, refreshTtlSec: 86_400 });

export function createSessionTokens(opts: SessionTokensOptions): SessionTokensBundle {
  const format = opts.format ?? 'jwt';
  const now = opts.now ?? Date.now;
  const accessTtlSec = opts.accessTtlSec ?? SESSION_DEFAULTS.accessTtlSec;
  const refreshTtlSec = opts.refreshTtlSec ?? SESSION_DEFAULTS.refreshTtlSec;
  const alg = opts.alg ?? 'HS256';
  let signingKey;
  let keyRing: KeyRing | undefined;
  const tags = issuerTags({ issuer: opts.issuer || undefined, audience: opts.audience, instanceId: opts.instanceId || undefined });
  if (format === 'jwt' && opts.rotation) {
    const material = requireText(opts.dataKey, 'rotating signing keys need a data key (it seals them in the store)');
    keyRing = new KeyRing({
      store: opts.store, issuerTag: tags.tokens, dataKey: DataKey.derive(Buffer.from(material, 'utf8'), 'signing-keys'),
      alg: opts.rotation.alg, rotateEverySec: opts.rotation.rotateEverySec, refreshMs: opts.rotation.refreshMs,
      maxTokenTtlSec: Math.max(accessTtlSec, 86_400), now,
    });
  } else if (format === 'jwt') {
    signingKey = alg.startsWith('HS')
      ? buildSigningKey({ alg, secret: requireText(opts.secret, `${alg} needs a secret`), kid: opts.kid || undefined })
      : buildSigningKey({ alg, pem: requireText(opts.privateKeyPem, `${alg} needs a private key (PEM)`), kid: opts.kid || undefined });
  }
  const issuer = new TokenIssuer({
    format, signingKey, keyRing, store: opts.store, stateTag: tags.tokens, issuer: opts.issuer, audience: opts.audience,
    accessTtlSec, extraClaims: opts.extraClaims, now,
  });
  const families = new Families(opts.store, { issuerTag: tags.tokens, accessTtlSec, now });
  const refreshTokens = new RefreshTokens(opts.store, families, { lifetimeSec: refreshTtlSec, now });
  const revocations = new Revocations(opts.store, families, { now });
  const ownTokens = new OwnTokenSource({ issuer, revocations, leewaySec: opts.leewaySec, now });
  let dataKey: DataKey | undefined;
  if (opts.dataKey) dataKey = DataKey.derive(Buffer.from(opts.dataKey, 'utf8'), 'totp-seed');
  else if (signingKey) dataKey = DataKey.fromKeyObject(signingKey.key, 'totp-seed');
  return { store: opts.store, tags, issuer, families, refreshTokens, revocations, ownTokens, dataKey };
}

function requireText(v: string | undefined, message: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new Error(message);
  return v;
}
