import { assertSupportedNode } from '../shared/supported-node';
import { createStore } from '../../lib/internal';
import type { Store, StoreStatus } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import type { StoreProvider } from '../shared/store-ref';
import { buildStoreConfig, StoreNodeConfig, StoreNodeCredentials } from './store-config';
import { ManagedStore, UnavailableStore } from './store-provider';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-store.schema';

type StoreNode = RedNode & StoreProvider & { backend: string };
type REDWithSettings = RED & { settings?: { contextStorage?: Record<string, unknown> } };

/**
 * authflow-store (config node): where stateful nodes keep token state —
 * Node-RED context, Redis or PostgreSQL (DESIGN.md §5).
 *
 * Runtime API for the nodes that select it (see StoreProvider in
 * nodes/shared/store-ref.ts; use resolveStore + watchStoreStatus there):
 *   node.store                 Store, created once at deploy, closed on close/redeploy
 *   node.storeStatus           last known StoreStatus; undefined until the backend answered
 *   node.onStatus(listener)    outage/recovery changes; returns an unsubscribe function
 *   node.backend               'context' | 'redis' | 'postgres'
 * Node-RED starts config nodes before the nodes that use them, and restarts
 * those users when this node changes, so a user reads `store` in its setup.
 */
export = function register(RED: REDWithSettings) {
  assertSupportedNode();
  function AuthflowStore(this: StoreNode, config: StoreNodeConfig) {
    RED.nodes.createNode(this, config);
    config = loadConfig(schema, config); // migrated, defaults filled
    const node = this;
    const credentials = (node.credentials ?? {}) as StoreNodeCredentials;
    node.backend = config.backend || 'context';
    let store: Store;
    try {
      assertConfig(schema, config);
      store = createStore(buildStoreConfig(config, credentials, {
        context: node.context().global,
        contextStorage: RED.settings?.contextStorage,
      }));
    } catch (e) {
      // Fail closed: users get AUTH_011 until the configuration is fixed.
      const message = e instanceof Error ? e.message : String(e);
      node.error(`configuration error: ${message}`);
      store = new UnavailableStore(`store config error: ${message}`);
    }
    const managed = new ManagedStore(store, {
      onTransition: (s: StoreStatus) => {
        if (s.state === 'unavailable') node.warn(`store unavailable: ${s.reason ?? 'unknown reason'}`);
        else node.log('store available');
      },
    });
    node.store = managed.store;
    Object.defineProperty(node, 'storeStatus', { get: () => managed.status, enumerable: true, configurable: true });
    node.onStatus = (listener) => managed.onStatus(listener);
    node.on('close', (_removed, done) => {
      managed.close().finally(() => done());
    });
  }
  RED.nodes.registerType('authflow-store', AuthflowStore, { credentials: schema.credentials });
};
