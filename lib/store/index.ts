import type { Store, StoreStatus } from './store';
import { MemoryStore } from './memory-store';
import type { MemoryStoreOptions } from './memory-store';
import { ContextStore } from './context-store';
import type { ContextLike, ContextStoreOptions } from './context-store';
import { RedisStore } from './redis-store';
import type { RedisStoreOptions } from './redis-store';
import { PostgresStore } from './postgres-store';
import type { PostgresStoreOptions } from './postgres-store';

export type { Store, MemoryStoreOptions, ContextLike, ContextStoreOptions, RedisStoreOptions, PostgresStoreOptions, StoreStatus };
export { MemoryStore, ContextStore, RedisStore, PostgresStore };

/** What an authflow-store config node (or middleware setup) asks for. */
export type StoreConfig =
  | ({ type: 'memory' } & MemoryStoreOptions)
  | ({ type: 'context'; context: ContextLike } & ContextStoreOptions)
  | ({ type: 'redis' } & RedisStoreOptions)
  | ({ type: 'postgres' } & PostgresStoreOptions);

/**
 * Build the adapter for a config. Connections open lazily or in the background; errors surface per call as AUTH_011.
 * The Redis and PostgreSQL drivers (ioredis, pg) load with the first store of their kind, not with this module.
 */
export function createStore(config: StoreConfig): Store {
  switch (config.type) {
    case 'memory': return new MemoryStore(config);
    case 'context': return new ContextStore(config.context, config);
    case 'redis': return new RedisStore(config);
    case 'postgres': return new PostgresStore(config);
    default: throw new TypeError(`createStore: unknown store type ${JSON.stringify((config as { type?: unknown }).type)}`);
  }
}
