import { ApiKeyService } from '../../api-keys/service';
import { apiKeyStoreCheck, apiKeyResponseHeaders } from '../../api-keys/store-check';
import type { KeyEnv } from '../../api-keys/format';
import type { Store } from '../../store/store';
import type { AuthCheck, CheckContext } from '../types';
import { checkRequest } from '../request';
import { rejectUnknownKeys } from './options';

export interface ApiKeysCheckOptions {
  type?: 'api-keys';
  /** Where the keys live: the same store (Redis or PostgreSQL, from createStore) as the key store the keys were made with. */
  store: Store;
  /** The key store's hashing secret (≥ 32 bytes), e.g. `process.env.AUTHFLOW_KEY_SECRET`: the same on every instance, never in the store. */
  secret: string | Buffer;
  /** The key store's key prefix. Default `kapi`. */
  prefix?: string;
  /** The key store's PostgreSQL table. Default authflow_api_keys. */
  table?: string;
  /** Key envs accepted (a test instance may refuse prod keys). Default all. */
  envs?: KeyEnv[];
  /** Verified keys kept in memory (revocations reach it through the store's channel). */
  cache?: { maxEntries?: number; maxAgeMs?: number };
  /** Header carrying the key. Default `x-api-key`. */
  header?: string;
  /** Also accept `Authorization: Bearer <key>`. Default false. */
  allowBearer?: boolean;
  /** Also accept the key in the query (it ends up in access logs). Default false. */
  allowQuery?: boolean;
  /** Query parameter name when allowQuery. Default `api_key`. */
  queryParam?: string;
  /** Realm of the `ApiKey` challenge on 401. Default "api". */
  realm?: string;
}

const KEYS = ['type', 'store', 'secret', 'prefix', 'table', 'envs', 'cache', 'header', 'allowBearer', 'allowQuery', 'queryParam', 'realm'];

/**
 * Keys with a lifecycle (made by the authflow-keys node or ApiKeyService):
 * lib/api-keys/store-check.ts (the token node's "key store" source) behind the
 * middleware contract — checksum → keyed-hash lookup → revoked/expired → the
 * key's IP rules → quota. A rotated key in its grace period, or a key with a
 * quota, earns the same response headers as from the node.
 */
export function apiKeysCheck(opts: ApiKeysCheckOptions, ctx: CheckContext): AuthCheck {
  rejectUnknownKeys(opts, KEYS, 'api-keys');
  if (!opts.store || typeof opts.store !== 'object') throw new Error('api-keys: "store" is required (createStore({ type: \'redis\' | \'postgres\', … }))');
  // An unset env var stops startup here rather than refusing every key later.
  if (!opts.secret) throw new Error('api-keys: "secret" (the key store\'s hashing secret) is empty');
  let check;
  try {
    const service = new ApiKeyService({
      store: opts.store, secret: opts.secret, prefix: opts.prefix, table: opts.table, cache: opts.cache,
      onError: (err) => ctx.onWarning(`api-keys: ${err instanceof Error ? err.message : String(err)}`),
    });
    check = apiKeyStoreCheck(service, opts);
  } catch (e) {
    throw new Error(`api-keys: ${(e as Error).message}`);
  }
  const built = check;
  return {
    method: built.method,
    run: async (req, previous, res) => {
      const info = await built.run(checkRequest(req, previous));
      const headers = apiKeyResponseHeaders(info);
      if (res && !res.headersSent) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      return info;
    },
    challenge: (err) => built.challenge(err),
  };
}
