import {
  AccessTokenSource, JwtSource, OwnTokenSource,
} from '../../lib/internal';
import {
  JwksKeyResolver, KeyResolver, algList, hmacKey, keysFromText,
} from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import type { StatusReporter } from '../shared/status';
import { issuerTokens } from '../login/issuer-provider';
import { list, numberValue } from '../shared/config-values';

export interface BearerKeyConfig {
  keySource?: 'issuer' | 'secret' | 'key' | 'jwks';
  issuer?: string;
  alg?: string;
  algorithms?: string;
  publicKey?: string;
  jwksUrl?: string;
  allowHttp?: boolean;
  /** Minimum seconds between two JWKS fetches (also bounds refetches on an unknown kid). */
  jwksCooldown?: string | number;
  iss?: string;
  aud?: string;
  leeway?: string | number;
  requireExp?: boolean;
  maxTokenAge?: string | number;
  typ?: string;
  requiredClaims?: string;
}

/**
 * Builds, once at deploy, where the bearer node's tokens are verified:
 *  - issuer: our own login tokens (JWT or opaque) with revocation;
 *  - secret: an HS* shared secret (node credentials);
 *  - key:    a PEM public key, a JWK, or a static JWK Set;
 *  - jwks:   an identity provider's JWKS URL (kid selection, refresh on unknown kid).
 * Each key is bound to one algorithm (RFC 8725 §3.1): the allow-list is the keys.
 */
export function buildKeySource(
  RED: RED, config: BearerKeyConfig, secret: string | undefined, node: RedNode, status: StatusReporter,
): { source: AccessTokenSource; jwks?: JwksKeyResolver; label: string } {
  const common = {
    issuer: list(config.iss),
    audience: list(config.aud),
    leewaySec: num(config.leeway, 30, 'leeway'),
    requireExp: config.requireExp !== false,
    maxTokenAgeSec: config.maxTokenAge === undefined || config.maxTokenAge === '' ? undefined : num(config.maxTokenAge, 0, 'max token age'),
    typ: (config.typ || '').trim() || undefined,
    requiredClaims: list(config.requiredClaims),
  };
  switch (config.keySource ?? 'issuer') {
    case 'issuer': {
      const tokens = issuerTokens(RED, config.issuer, node, status);
      return { source: new OwnTokenSource({ issuer: tokens.issuer, revocations: tokens.revocations, leewaySec: common.leewaySec }), label: 'own tokens' };
    }
    case 'secret': {
      const key = hmacKey(config.alg, secret);
      return { source: new JwtSource({ ...common, keys: [key] }), label: key.alg };
    }
    case 'key': {
      const keys = keysFromText(config.publicKey ?? '', config.alg, config.algorithms);
      return { source: new JwtSource({ ...common, keys }), label: [...new Set(keys.map((k) => k.alg))].join(',') };
    }
    case 'jwks': {
      const jwks = new JwksKeyResolver({
        url: (config.jwksUrl || '').trim(), algorithms: algList(config.algorithms), allowHttp: !!config.allowHttp,
        cooldownMs: num(config.jwksCooldown, 30, 'JWKS cooldown') * 1000,
      });
      const resolver: KeyResolver = jwks;
      return { source: new JwtSource({ ...common, keys: resolver }), jwks, label: 'JWKS' };
    }
    default:
      throw new Error(`unknown key source "${String(config.keySource)}"`);
  }
}

function num(v: string | number | undefined, dflt: number, what: string): number {
  return numberValue(v, dflt, '>= 0', `${what} must be a number >= 0`);
}
