import { ContextStore, Store, StoreStatus, StoreUnavailableError } from '../../lib/internal';
import type { RED, RedNode } from './red-types';
import type { StatusReporter } from './status';

/**
 * What an authflow-store config node exposes to the nodes that select it
 * (nodes/store/store-provider.ts implements it):
 *  - `store`: created once at deploy, closed on close/redeploy. Always set:
 *    an invalid store configuration gives a store that fails every call
 *    with StoreUnavailableError (AUTH_011), so requests fail closed.
 *  - `storeStatus`: last known health; undefined until the backend first
 *    answered (not `status`: that is every Node-RED node's status method).
 *  - `onStatus(listener)`: outage/recovery changes; returns an unsubscribe
 *    function — call it on close. Prefer `watchStoreStatus` below.
 */
export interface StoreProvider {
  store: Store;
  storeStatus?: StoreStatus;
  onStatus?(listener: (status: StoreStatus) => void): () => void;
}

// One default store per Node-RED runtime: the global context (memory or the
// default context store), so refresh tokens and revocations issued by one
// node are seen by every other node.
const defaults = new WeakMap<object, Store>();

function provider(RED: RED, storeNodeId: string): StoreProvider {
  const found = RED.nodes.getNode(storeNodeId) as StoreProvider | null;
  if (!found?.store) throw new Error('the selected authflow-store config node is missing or not deployed');
  return found;
}

/**
 * The Store a stateful node uses: the selected authflow-store config node,
 * or the embedded default (Node-RED global context, key prefix `authflow_`).
 */
export function resolveStore(RED: RED, node: RedNode, storeNodeId: string | undefined): Store {
  if (storeNodeId) return provider(RED, storeNodeId).store;
  const global = node.context().global;
  let store = defaults.get(global);
  if (!store) {
    store = new ContextStore(global);
    defaults.set(global, store);
  }
  return store;
}

/**
 * How a node shows the store's health. `ready`: the text once the store is
 * back, the node's normal label (default "store ready"). `degraded`: for a
 * node that keeps answering during an outage (fail open): a yellow warning
 * instead of the red AUTH_011 dot, cleared on recovery.
 */
export interface StoreStatusView {
  ready?: string;
  degraded?: string;
}

/**
 * Mirrors the selected store's outages and recoveries in `node`'s status:
 * red dot "AUTH_011 <reason>" while it cannot answer, grey ring "store ready"
 * (or `view.ready`) when it is back. Unsubscribes on the node's close. Call it
 * once in setup, after resolveStore; a node on the embedded default store gets
 * no watcher (its failures still show per request). Returns the unsubscribe function.
 */
export function watchStoreStatus(RED: RED, node: RedNode, storeNodeId: string | undefined, status: StatusReporter, view: StoreStatusView = {}): () => void {
  if (!storeNodeId) return () => undefined;
  const source = provider(RED, storeNodeId);
  if (!source.onStatus) return () => undefined;
  const show = (s: StoreStatus) => {
    if (s.state === 'unavailable') {
      if (view.degraded) status.warn(view.degraded);
      else status.denied(new StoreUnavailableError(s.reason ?? 'store unavailable'));
      return;
    }
    if (view.degraded) status.warn(undefined);
    status.ready(view.ready ?? 'store ready');
  };
  // A node (re)deployed during an outage shows it at once.
  if (source.storeStatus?.state === 'unavailable') show(source.storeStatus);
  const unsubscribe = source.onStatus(show);
  node.on('close', (_removed, done) => {
    unsubscribe();
    done();
  });
  return unsubscribe;
}
