import { assertSupportedNode } from '../shared/supported-node';
import { ApiKeyService, KeyEnv } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import { resolveStore } from '../shared/store-ref';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-key-store.schema';
import type { KeyStoreProvider } from './key-store-provider';

interface KeyStoreConfig {
  name?: string;
  store?: string;
  prefix: string;
  defaultEnv: KeyEnv;
  lifetimeDays: number | string;
  maxLifetimeDays: number | string;
  graceHours: number | string;
  maxKeysPerOwner: number | string;
  secretEnv?: string;
}

const DAY = 86_400_000;
const num = (v: number | string, dflt: number) => (v === '' || v === undefined || v === null ? dflt : Number(v));

/**
 * authflow-key-store (config): where API keys live and how they are made —
 * the store, the key prefix, lifetimes, the rotation grace period, and the
 * per-installation hashing secret (never in the store: a dump alone cannot
 * test guesses). The authflow-keys node manages keys through it; the auth
 * token node verifies them through it ("key store" source).
 */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowKeyStore(this: RedNode & KeyStoreProvider, config: KeyStoreConfig) {
    RED.nodes.createNode(this, config);
    config = loadConfig(schema, config);
    const node = this;
    let service: ApiKeyService | undefined;
    let error = '';
    try {
      assertConfig(schema, config);
      const envName = (config.secretEnv || '').trim();
      const secret = envName ? process.env[envName] : node.credentials?.secret;
      if (!secret) throw new Error(envName ? `environment variable ${envName} (the hashing secret) is not set` : 'the hashing secret is empty: open the key store and generate one');
      service = new ApiKeyService({
        store: resolveStore(RED, node, config.store || undefined),
        secret,
        prefix: config.prefix,
        defaultEnv: config.defaultEnv,
        defaultLifetimeMs: num(config.lifetimeDays, 90) * DAY,
        maxLifetimeMs: num(config.maxLifetimeDays, 365) * DAY,
        graceMs: num(config.graceHours, 24) * 3_600_000,
        maxKeysPerOwner: num(config.maxKeysPerOwner, 100),
        onError: (err) => node.warn(`API keys: ${err instanceof Error ? err.message : String(err)}`),
      });
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      node.error(`key store configuration error: ${error}`);
    }
    node.apiKeys = () => {
      if (!service) throw new Error(`key store "${config.name || node.id}": ${error}`);
      return service;
    };
    node.on('close', (_removed, done) => {
      Promise.resolve(service?.close()).catch(() => undefined).finally(() => done());
    });
  }
  RED.nodes.registerType('authflow-key-store', AuthflowKeyStore, { credentials: schema.credentials });
};
