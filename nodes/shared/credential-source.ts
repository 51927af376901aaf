import { StoreUnavailableError, Maybe, listMissing } from '../../lib/internal';
import type { RED, RedNode, RedMsg } from './red-types';

/**
 * Where a node reads its credential list (DESIGN.md §4), chosen with a
 * typedInput in the editor:
 *  - `cred`: the node's own credentials (encrypted flows_cred.json);
 *  - `flow` / `global`: a context key (`#:(file)::users` selects a store),
 *    read synchronously where the store allows it, else asynchronously;
 *  - `env`: an environment variable (also credential-type flow env vars);
 *  - `msg`: a msg property filled by an upstream DB node;
 *  - `json`: a literal value in the flow (not secret: IP rules and the like).
 * Read on every request, so a context change applies without redeploy.
 */
export type SourceType = 'cred' | 'flow' | 'global' | 'env' | 'msg' | 'json';
/** The list now when the source can answer at once, else a promise of it. */
export type CredentialSource = (msg: RedMsg) => Maybe<unknown>;

export function createCredentialSource(RED: RED, node: RedNode, type: string, value: string, credentialField: string): CredentialSource {
  const read = sourceReader(RED, node, type, value, credentialField);
  // A context store that cannot answer fails closed with 503 AUTH_011, like any other store.
  const unavailable = (e: unknown) => new StoreUnavailableError(`${type} credential source unavailable: ${e instanceof Error ? e.name : 'error'}`, { retryAfter: 1 });
  // A list read per request that is missing (a key not set, an unset env var) fails closed: lib's one rule
  // (lib/checks/check.ts), applied here so every node reading a list through this source keeps it (login too).
  // What is typed into the node (credentials, json) is a choice and is taken as it is.
  const live = type !== 'cred' && type !== 'json';
  const present = (v: unknown) => {
    if (live && (v === undefined || v === null)) throw listMissing(`${type}.${value}`);
    return v;
  };
  return (msg) => {
    let result: Maybe<unknown>;
    try {
      result = read(msg);
    } catch (e) {
      throw unavailable(e);
    }
    return result instanceof Promise ? result.then(present, (e: unknown) => { throw unavailable(e); }) : present(result);
  };
}

function sourceReader(RED: RED, node: RedNode, type: string, value: string, credentialField: string): CredentialSource {
  switch (type as SourceType) {
    case 'cred':
      return () => node.credentials?.[credentialField];
    case 'flow':
    case 'global':
      if (!value) throw new Error(`a ${type} context key is required`);
      return contextReader(RED, node, type as 'flow' | 'global', value);
    case 'env': {
      if (!value) throw new Error('an environment variable name is required');
      // `NAME` or `${NAME}` is read with getSetting, which tells an unset variable (undefined: the
      // check fails closed) from an empty one; evaluateNodeProperty answers "" for both.
      const name = /^\$\{([^}]+)\}$/.exec(value)?.[1] ?? (/\$\{/.test(value) ? undefined : value);
      const getSetting = RED.util.getSetting;
      if (name !== undefined && typeof getSetting === 'function') return () => getSetting(node, name);
      return (msg) => RED.util.evaluateNodeProperty(value, 'env', node, msg);
    }
    case 'msg':
      if (!value) throw new Error('a msg property is required');
      return (msg) => RED.util.getMessageProperty(msg, value);
    case 'json': {
      const parsed = value ? JSON.parse(value) : [];
      return () => parsed;
    }
    default:
      throw new Error(`unknown credential source "${type}"`);
  }
}

/**
 * A context key, read synchronously while the store allows it (memory, and
 * the file store with its cache), else through the asynchronous API, which
 * every store supports. A store refuses synchronous access by throwing
 * (Node-RED's store contract); from then on this reader stays asynchronous.
 */
function contextReader(RED: RED, node: RedNode, type: 'flow' | 'global', value: string): CredentialSource {
  let sync = true;
  const later = (msg: RedMsg) =>
    new Promise((resolve, reject) =>
      RED.util.evaluateNodeProperty(value, type, node, msg, (err, v) => (err ? reject(err) : resolve(v))),
    );
  // A key without a msg reference is parsed once, here, and read straight from the scope.
  const { key, store } = RED.util.parseContextStore(value);
  const now = /\[msg/.test(key)
    ? (msg: RedMsg) => RED.util.evaluateNodeProperty(value, type, node, msg)
    : () => node.context()[type].get(key, store);
  return (msg) => {
    if (sync) {
      try {
        return now(msg);
      } catch {
        sync = false;
      }
    }
    return later(msg);
  };
}
