/**
 * Store key names for session state, in one place so every module (and every
 * node sharing a store) agrees on them. Attacker-chosen parts (usernames,
 * IPs, token ids) are hashed: keys stay short, fit every backend, and never
 * spell a username or a token in the store.
 */
import { sha256Parts as digest } from '../crypto/secure-compare';

/** Identifiers we mint ourselves are base64url; anything else (an external jti) is hashed. */
function idPart(id: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : 'h' + digest(id);
}

export const keys = {
  /** One refresh token (by digest) → its family and state. */
  refreshToken: (tokenHash: string) => `af:rt:${tokenHash}`,
  /** One refresh family (= one login session, `sid`) → subject, absolute expiry, state. */
  family: (familyId: string) => `af:rf:${idPart(familyId)}`,
  /** A revoked access-token `jti`, kept until the token's `exp`. */
  revokedJti: (jti: string) => `af:rv:${idPart(jti)}`,
  /** An opaque access token (by digest) → its claims. */
  opaqueToken: (tokenHash: string) => `af:at:${tokenHash}`,
  /** Failure counters and bans (RFC-free, Authelia-style regulation). */
  failUserIp: (user: string, ip: string) => `af:lf:u:${digest(user, ip)}`,
  failIp: (ip: string) => `af:lf:i:${digest(ip)}`,
  banUserIp: (user: string, ip: string) => `af:lb:u:${digest(user, ip)}`,
  banIp: (ip: string) => `af:lb:i:${digest(ip)}`,
  /** Present while any counter or ban above may exist for this IP: the one read a clean request pays. */
  lockMark: (ip: string) => `af:lm:${digest(ip)}`,
  /** A TOTP step already used by this user (ASVS 6.5.1: single use). */
  totpUsed: (user: string, step: number) => `af:tu:${digest(user)}:${step}`,
  /** A user's confirmed TOTP seed (encrypted), and one awaiting confirmation. */
  totpSecret: (user: string) => `af:ts:${digest(user)}`,
  totpPending: (user: string) => `af:tp:${digest(user)}`,
};
