/**
 * Store key names for session state, in one place so every module (and every
 * node sharing a store) agrees on them. Attacker-chosen parts (usernames,
 * IPs, token ids) are hashed: keys stay short, fit every backend, and never
 * spell a username or a token in the store.
 *
 * What is bound to what (docs/THREAT-MODEL.md): token state carries its
 * issuer's tag (lib/tokens/issuer-identity.ts) in the key, so issuers sharing
 * a store never find each other's; lockout counters and used TOTP codes are
 * shared by every issuer on the store on purpose.
 */
import { sha256Parts as digest } from '../crypto/secure-compare';

/** Identifiers we mint ourselves are base64url; anything else (an external jti) is hashed. */
function idPart(id: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : 'h' + digest(id);
}

function checkTag(tag: string): string {
  if (typeof tag !== 'string' || !/^[A-Za-z0-9_-]{16}$/.test(tag)) throw new Error('an issuer tag (issuerTags) is required');
  return tag;
}

/** One issuer's token state (tag: IssuerTags.tokens). */
export function tokenKeys(tag: string) {
  checkTag(tag);
  return {
    /** One refresh token (by digest) → its family and state. */
    refreshToken: (tokenHash: string) => `af:rt:${tag}:${tokenHash}`,
    /** One refresh family (= one login session, `sid`) → subject, absolute expiry, state. */
    family: (familyId: string) => `af:rf:${tag}:${idPart(familyId)}`,
    /** A revoked access-token `jti`, kept until the token's `exp`. */
    revokedJti: (jti: string) => `af:rv:${tag}:${idPart(jti)}`,
    /** An opaque access token (by digest) → its claims. */
    opaqueToken: (tokenHash: string) => `af:at:${tag}:${tokenHash}`,
    /** A client assertion's `jti` already used by this client (RFC 7523 §3 item 7), kept until its `exp`. */
    usedAssertion: (clientId: string, jti: string) => `af:ja:${tag}:${digest(clientId, jti)}`,
    /** The issuer's signing keys under rotation (lib/oauth2/key-rotation.ts) and the lock of the one instance rotating them. */
    signingKeys: () => `af:sk:${tag}`,
    signingKeysLock: () => `af:sl:${tag}`,
  };
}

/** One issuer's TOTP enrolments (tag: IssuerTags.factors). */
export function factorKeys(tag: string) {
  checkTag(tag);
  return {
    /** A user's confirmed TOTP seed (sealed), and one awaiting confirmation. */
    totpSecret: (user: string) => `af:ts:${tag}:${digest(user)}`,
    totpPending: (user: string) => `af:tp:${tag}:${digest(user)}`,
  };
}

export type TokenKeys = ReturnType<typeof tokenKeys>;
export type FactorKeys = ReturnType<typeof factorKeys>;

/** State shared by every issuer on a store. */
export const keys = {
  /** Failure counters and bans (RFC-free, Authelia-style regulation): they protect the password, whichever issuer checks it. */
  failUserIp: (user: string, ip: string) => `af:lf:u:${digest(user, ip)}`,
  failIp: (ip: string) => `af:lf:i:${digest(ip)}`,
  banUserIp: (user: string, ip: string) => `af:lb:u:${digest(user, ip)}`,
  banIp: (ip: string) => `af:lb:i:${digest(ip)}`,
  /** Present while any counter or ban above may exist for this IP: the one read a clean request pays. */
  lockMark: (ip: string) => `af:lm:${digest(ip)}`,
  /**
   * A TOTP code already used by this user at this step (ASVS 6.5.1: single
   * use). Keyed by the code, not the issuer: a seed shared by issuers (from a
   * user list) yields the same code at both, and it is spent at both; seeds
   * of different issuers yield different codes that never block each other.
   */
  totpUsed: (user: string, code: string, step: number) => `af:tu:${digest(user, code)}:${step}`,
  /** Written before state was bound to an issuer; read only (see TotpEnrolment and Revocations). */
  legacyTotpSecret: (user: string) => `af:ts:${digest(user)}`,
  legacyRevokedJti: (jti: string) => `af:rv:${idPart(jti)}`,
  legacyFamily: (familyId: string) => `af:rf:${idPart(familyId)}`,
  /** Epoch seconds when issuer-bound keys were first written to this store: older tokens may have unbound revocations. */
  boundSince: 'af:bound-since',
};

/**
 * Keys read on every request by the bearer check of our own tokens (revoked
 * jti, session state, their pre-binding forms, opaque access tokens) and
 * written rarely: a Redis store keeps a local view of them that Redis
 * invalidates (redis-store.ts).
 */
export const LOCALLY_CACHED_PREFIXES: readonly string[] = ['af:rv:', 'af:rf:', 'af:at:'];
