import { StoreUnavailableError } from '../../lib';
import type { RED, RedNode, RedMsg } from './red-types';

/**
 * Where a node reads its credential list (DESIGN.md §4), chosen with a
 * typedInput in the editor:
 *  - `cred`: the node's own credentials (encrypted flows_cred.json);
 *  - `flow` / `global`: a context key, read with the asynchronous context API
 *    so every context store works (`#:(file)::users` selects a store);
 *  - `env`: an environment variable (also credential-type flow env vars);
 *  - `msg`: a msg property filled by an upstream DB node;
 *  - `json`: a literal value in the flow (not secret: IP rules and the like).
 * Read on every request, so a context change applies without redeploy.
 */
export type SourceType = 'cred' | 'flow' | 'global' | 'env' | 'msg' | 'json';
export type CredentialSource = (msg: RedMsg) => Promise<unknown>;

export function createCredentialSource(RED: RED, node: RedNode, type: string, value: string, credentialField: string): CredentialSource {
  const read = sourceReader(RED, node, type, value, credentialField);
  // A context store that cannot answer fails closed with 503 AUTH_011, like any other store.
  return (msg) =>
    read(msg).catch((e: unknown) => {
      throw new StoreUnavailableError(`${type} credential source unavailable: ${e instanceof Error ? e.name : 'error'}`, { retryAfter: 1 });
    });
}

function sourceReader(RED: RED, node: RedNode, type: string, value: string, credentialField: string): CredentialSource {
  switch (type as SourceType) {
    case 'cred':
      return async () => node.credentials?.[credentialField];
    case 'flow':
    case 'global':
      if (!value) throw new Error(`a ${type} context key is required`);
      return (msg) =>
        new Promise((resolve, reject) =>
          RED.util.evaluateNodeProperty(value, type, node, msg, (err, v) => (err ? reject(err) : resolve(v))),
        );
    case 'env': {
      if (!value) throw new Error('an environment variable name is required');
      return async (msg) => RED.util.evaluateNodeProperty(value, 'env', node, msg);
    }
    case 'msg':
      if (!value) throw new Error('a msg property is required');
      return async (msg) => RED.util.getMessageProperty(msg, value);
    case 'json': {
      const parsed = value ? JSON.parse(value) : [];
      return async () => parsed;
    }
    default:
      throw new Error(`unknown credential source "${type}"`);
  }
}
