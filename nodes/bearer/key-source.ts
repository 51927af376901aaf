import {
  AccessTokenSource, JwtSource, OwnTokenSource,
} from '../../lib/internal';
import {
  BoundKey, JwksKeyResolver, JwsAlg, KeyResolver, buildVerificationKey, isJwsAlg, parseJwks,
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
      const alg = oneAlg(config.alg, 'HS256');
      if (!alg.startsWith('HS')) throw new Error('a shared secret needs HS256, HS384 or HS512');
      if (!secret) throw new Error('the shared secret is empty');
      return { source: new JwtSource({ ...common, keys: [buildVerificationKey({ alg, secret })] }), label: alg };
    }
    case 'key': {
      const keys = staticKeys(config.publicKey ?? '', config.alg, config.algorithms);
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

/** PEM → one key bound to `alg`; JSON → a JWK (bound to `alg`) or a JWK Set (each key to its own alg within the allow-list). */
function staticKeys(text: string, alg: string | undefined, algorithms: string | undefined): BoundKey[] {
  const t = text.trim();
  if (!t) throw new Error('a public key (PEM, JWK or JWK Set) is required');
  if (t.startsWith('{')) {
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(t);
    } catch {
      throw new Error('the key is not valid JSON');
    }
    if (Array.isArray(doc.keys)) {
      const keys = parseJwks(t, new Set(algList(algorithms)));
      if (keys.length === 0) throw new Error('the JWK Set has no usable key for the allowed algorithms');
      return keys;
    }
    return [buildVerificationKey({ alg: oneAlg(alg, typeof doc.alg === 'string' ? doc.alg : 'RS256'), jwk: doc })];
  }
  return [buildVerificationKey({ alg: oneAlg(alg, 'RS256'), pem: t })];
}

function oneAlg(v: string | undefined, dflt: string): JwsAlg {
  const alg = (v || dflt).trim();
  if (!isJwsAlg(alg)) throw new Error(`unsupported algorithm "${alg}"`);
  return alg;
}

function algList(v: string | undefined): JwsAlg[] {
  const algs = list(v) ?? ['RS256', 'ES256', 'EdDSA'];
  for (const a of algs) if (!isJwsAlg(a)) throw new Error(`unsupported algorithm "${a}"`);
  return algs as JwsAlg[];
}

function num(v: string | number | undefined, dflt: number, what: string): number {
  return numberValue(v, dflt, '>= 0', `${what} must be a number >= 0`);
}
