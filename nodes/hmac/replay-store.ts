import { MemoryStore, Store } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import { resolveStore } from '../shared/store-ref';

/**
 * Where used nonces and webhook deliveries go: the selected authflow-store,
 * or else one bounded in-process store per Node-RED runtime. A signature
 * check writes once per accepted request, and the global context (the other
 * nodes' embedded default) sweeps expired keys too slowly for that rate; a
 * MemoryStore holds each entry for its TTL and at most MAX_ENTRIES at once.
 * Full of live nonces, it refuses new ones (503 AUTH_011) rather than forget
 * one that could still be replayed inside its window: use Redis for
 * sustained high rates, and whenever several instances serve the route.
 */
export const MAX_ENTRIES = 500_000;
const embedded = new WeakMap<object, Store>();

export function replayStore(RED: RED, node: RedNode, storeNodeId: string | undefined): Store {
  if (storeNodeId) return resolveStore(RED, node, storeNodeId);
  const runtime = node.context().global;
  let store = embedded.get(runtime);
  if (!store) embedded.set(runtime, (store = new MemoryStore({ maxEntries: MAX_ENTRIES, whenFull: 'refuse' })));
  return store;
}
