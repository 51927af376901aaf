import { assertSupportedNode } from '../shared/supported-node';
import { createSessionTokens, SessionTokensBundle, KeyRing, RotatingAlg, ROTATING_ALGS, emitDecision } from '../../lib/internal';
import type { JwsAlg } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import { resolveStore } from '../shared/store-ref';
import { list, numberValue } from '../shared/config-values';
import type { IssuerProvider } from './issuer-provider';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-issuer.schema';

interface IssuerConfig {
  name?: string;
  iss?: string;
  aud?: string;
  format?: string;
  alg?: string;
  kid?: string;
  keyMode?: string;
  rotateDays?: string | number;
  accessTtl?: string | number;
  refreshTtl?: string | number;
  extraClaims?: string;
  store?: string;
}


/**
 * authflow-issuer (config): how a login session's tokens look and where their
 * state lives — signing key, iss/aud, lifetimes, store. Built once at deploy;
 * a bad key (e.g. an HS256 secret under 32 bytes) is refused here, and every
 * node using this issuer then refuses requests (fail closed).
 */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowIssuer(this: RedNode & IssuerProvider, config: IssuerConfig) {
    RED.nodes.createNode(this, config);
    config = loadConfig(schema, config); // migrated, defaults filled
    const node = this;
    let bundle: SessionTokensBundle | undefined;
    let error: string | undefined;
    try {
      assertConfig(schema, config);
      bundle = createSessionTokens({
        store: resolveStore(RED, node, config.store),
        format: config.format === 'opaque' ? 'opaque' : 'jwt',
        alg: (config.alg || 'HS256') as JwsAlg,
        secret: node.credentials?.secret,
        privateKeyPem: node.credentials?.privateKey,
        kid: config.kid || undefined,
        issuer: (config.iss || '').trim() || undefined,
        audience: list(config.aud),
        // Without an iss, the node id names the issuer: instances running the same flows agree on it.
        instanceId: node.id,
        accessTtlSec: seconds(config.accessTtl, 900, 'access token lifetime'),
        refreshTtlSec: seconds(config.refreshTtl, 86_400, 'refresh token lifetime'),
        extraClaims: json(config.extraClaims),
        dataKey: node.credentials?.dataKey || undefined,
        rotation: config.keyMode === 'rotating' ? rotation(config) : undefined,
      });
      if (bundle.issuer.keyRing) watchRotation(node, bundle.issuer.keyRing);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      node.error(`issuer configuration error: ${error}`);
    }
    node.storeId = config.store || undefined;
    node.tokens = () => {
      if (!bundle) throw new Error(`issuer "${config.name || node.id}": ${error}`);
      return bundle;
    };
  }
  RED.nodes.registerType('authflow-issuer', AuthflowIssuer, { credentials: schema.credentials });
};

/** Rotating keys are published (JWKS), so asymmetric: the chosen alg when it is one, else ES256. */
function rotation(config: IssuerConfig): { alg: RotatingAlg; rotateEverySec: number } {
  const alg = ROTATING_ALGS.includes(config.alg as RotatingAlg) ? (config.alg as RotatingAlg) : 'ES256';
  const days = numberValue(config.rotateDays, 30, 'whole > 0', 'the rotation period must be a whole number of days > 0');
  return { alg, rotateEverySec: days * 86_400 };
}

/** Loads the keys now, logs and audits every rotation, stops the refresh timer on close. */
function watchRotation(node: RedNode, ring: KeyRing): void {
  ring.start().catch((e: unknown) => node.error(`signing keys: ${e instanceof Error ? e.message : String(e)}`));
  ring.on('failure', (e: unknown) => node.warn(`signing keys: ${e instanceof Error ? e.message : String(e)}`));
  ring.on('rotation', (event: { reason: string }) => {
    node.log(`signing keys: ${event.reason}`);
    emitDecision(() => ({
      time: new Date().toISOString(), outcome: 'allow', method: 'key-rotation', reason: event.reason,
      node: { id: node.id, type: node.type, name: node.name || undefined, z: node.z },
    }));
  });
  node.on('close', (_removed, done) => {
    ring.stop();
    done();
  });
}

function seconds(v: string | number | undefined, dflt: number, what: string): number {
  return numberValue(v, dflt, 'whole > 0', `${what} must be a whole number of seconds > 0`);
}

function json(v: string | undefined): Record<string, unknown> | undefined {
  if (!v || !v.trim()) return undefined;
  try {
    return JSON.parse(v);
  } catch {
    throw new Error('extra claims are not valid JSON');
  }
}
