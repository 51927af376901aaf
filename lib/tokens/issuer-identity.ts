/**
 * Which issuer a piece of state belongs to (docs/THREAT-MODEL.md). Issuers
 * sharing a store keep their state apart by a short tag in every store key
 * and record, derived from what every instance of the same issuer agrees on:
 *
 *  - its name: `iss` (RFC 7519 §4.1.1, the principal that issued the token),
 *    or, when `iss` is left empty, the config node's id — which the instances
 *    behind a load balancer share because they run the same flows file;
 *  - for token state (refresh tokens, sessions, opaque tokens, revocations)
 *    also its audience (§4.1.3): a session granted for one API must not mint
 *    tokens for another.
 *
 * A second factor proves the user to the issuer, whatever API the tokens are
 * for: factor state is bound to the name alone, so adding an audience does not
 * drop anyone's enrolment.
 */
import { hash } from 'crypto';

export interface IssuerIdentityOptions {
  /** `iss` of the issued tokens. */
  issuer?: string;
  audience?: string | string[];
  /** Names the issuer when `iss` is empty (the config node id). */
  instanceId?: string;
}

export interface IssuerTags {
  /** Refresh tokens, sessions, opaque access tokens, revocations: name + audience. */
  tokens: string;
  /** TOTP enrolments: name only. */
  factors: string;
}

export function issuerTags(opts: IssuerIdentityOptions): IssuerTags {
  const name = opts.issuer ? `iss:${opts.issuer}` : opts.instanceId ? `node:${opts.instanceId}` : '';
  // 'a', ['a'] and ['a', 'a'] are one audience, in any order.
  const listed = opts.audience === undefined ? [] : Array.isArray(opts.audience) ? opts.audience : [opts.audience];
  const aud = [...new Set(listed.filter(Boolean))].sort();
  return { tokens: tag(JSON.stringify([name, aud])), factors: tag(JSON.stringify([name])) };
}

/** 96 bits of SHA-256, base64url: short in every key, and no collision between a handful of issuers. */
function tag(identity: string): string {
  return hash('sha256', `authflow issuer ${identity}`, 'base64url').slice(0, 16);
}
