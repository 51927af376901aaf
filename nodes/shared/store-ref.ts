import { ContextStore, Store } from '../../lib';
import type { RED, RedNode } from './red-types';

/** What an authflow-store config node exposes to the nodes that select it. */
export interface StoreProvider {
  store: Store;
}

// One default store per Node-RED runtime: the global context (memory or the
// default context store), so refresh tokens and revocations issued by one
// node are seen by every other node.
const defaults = new WeakMap<object, Store>();

/**
 * The Store a stateful node uses: the selected authflow-store config node,
 * or the embedded default (Node-RED global context, key prefix `authflow_`).
 */
export function resolveStore(RED: RED, node: RedNode, storeNodeId: string | undefined): Store {
  if (storeNodeId) {
    const provider = RED.nodes.getNode(storeNodeId) as StoreProvider | null;
    if (!provider?.store) throw new Error('the selected authflow-store config node is missing or not deployed');
    return provider.store;
  }
  const global = node.context().global;
  let store = defaults.get(global);
  if (!store) {
    store = new ContextStore(global);
    defaults.set(global, store);
  }
  return store;
}
