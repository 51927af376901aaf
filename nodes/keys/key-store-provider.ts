import { ApiKeyService, apiKeyStoreCheck, apiKeyResponseHeaders, KeyEnv, KeyStoreCheckOptions, Check, then } from '../../lib/internal';
import type { RED } from '../shared/red-types';
import type { MsgRequest } from '../shared/msg-request';
import { setHeaders } from '../shared/response-headers';

/** What the authflow-key-store config node offers the nodes that select it. */
export interface KeyStoreProvider {
  /** The key service, or a throw carrying the key store's configuration error (fail closed). */
  apiKeys(): ApiKeyService;
}

/** The selected key store's service; a missing or broken one is a configuration error (503 AUTH_011). */
export function keyService(RED: RED, id: string | undefined): ApiKeyService {
  const provider = id ? (RED.nodes.getNode(id) as unknown as KeyStoreProvider | null) : null;
  if (!provider || typeof provider.apiKeys !== 'function') throw new Error('select an API key store (authflow-key-store config node)');
  return provider.apiKeys();
}

/**
 * The token node's "key store" source: the lib check over the selected key
 * store, plus the response headers a rotated key (or a quota) earns, put on
 * the response itself so they reach the client whatever later nodes set.
 */
export function keyStoreCheck(RED: RED, keyStoreId: string | undefined, opts: KeyStoreCheckOptions & { keyEnvs?: string }): Check<MsgRequest> {
  keyService(RED, keyStoreId); // a missing key store fails at deploy
  const envs = (opts.keyEnvs || '').split(/[\s,]+/).filter(Boolean) as KeyEnv[];
  const check = apiKeyStoreCheck<MsgRequest>(() => keyService(RED, keyStoreId), { ...opts, envs });
  return {
    method: check.method,
    challenge: check.challenge,
    run(req) {
      return then(check.run(req), (info) => {
        const headers = apiKeyResponseHeaders(info);
        // Most keys earn no header: then the response object is not touched at all.
        if (Object.keys(headers).length === 0) return info;
        const res = req.msg.res?._res;
        if (res && !res.headersSent) setHeaders(res, headers);
        return info;
      });
    },
  };
}
