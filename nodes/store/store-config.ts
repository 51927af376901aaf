import type { StoreConfig, ContextLike } from '../../lib/internal';
import type { ClusterNode, ClusterOptions, RedisOptions } from 'ioredis';

/** The authflow-store node's properties as saved in the flow (no secrets here). */
export interface StoreNodeConfig {
  name?: string;
  backend?: string;
  /** Context store name from settings.js contextStorage; '' = the default store. */
  contextStore?: string;
  /** '' = the backend's default (context 'authflow_', Redis 'authflow:'). */
  keyPrefix?: string;
  redisTls?: boolean;
  /** JSON text passed to ioredis (Sentinel: sentinels/name; Cluster: {"cluster":{"nodes":[…],"options":{…}}}). */
  redisOptions?: string;
  pgTable?: string;
  /** Milliseconds every store call answers or fails within; '' = the backend's default. */
  timeout?: string | number;
}

/** Secrets live in the node's credentials (flows_cred.json, encrypted), never in the flow. */
export interface StoreNodeCredentials {
  redisUrl?: string;
  redisPassword?: string;
  redisSentinelPassword?: string;
  pgConnectionString?: string;
}

export interface Environment {
  /** The config node's global context (node.context().global). */
  context: ContextLike;
  /** settings.js contextStorage, to refuse a store name Node-RED would silently replace by the default. */
  contextStorage?: Record<string, unknown>;
}

// Keys that would put a secret into the flow file; they have credential fields instead.
const SECRET_KEYS = new Set(['password', 'sentinelPassword']);

/**
 * Turns the node's properties and credentials into a lib StoreConfig.
 * Throws Error with a message fit for the log and the status: it never
 * echoes a URL, a connection string or the advanced JSON text.
 */
export function buildStoreConfig(config: StoreNodeConfig, credentials: StoreNodeCredentials, env: Environment): StoreConfig {
  const timeout = parseTimeout(config.timeout);
  const prefix = (config.keyPrefix ?? '').trim() || undefined;
  switch (config.backend || 'context') {
    case 'context': {
      const store = (config.contextStore ?? '').trim() || undefined;
      if (store !== undefined && !knownContextStore(store, env.contextStorage)) {
        throw new Error(`context store "${store}" is not configured in settings.js contextStorage`);
      }
      if (prefix !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) {
        throw new Error('context key prefix must be letters, digits and "_", not starting with a digit');
      }
      return { type: 'context', context: env.context, store, prefix, timeoutMs: timeout };
    }
    case 'redis':
      return redisConfig(config, credentials, prefix, timeout);
    case 'postgres': {
      const connectionString = (credentials.pgConnectionString ?? '').trim();
      if (!connectionString) throw new Error('a PostgreSQL connection string is required');
      if (!/^postgres(ql)?:\/\//i.test(connectionString)) throw new Error('the PostgreSQL connection string must start with postgres:// or postgresql://');
      const tableName = (config.pgTable ?? '').trim() || undefined;
      if (tableName !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,47}$/.test(tableName)) {
        throw new Error('table name must be letters, digits and "_" (at most 48), not starting with a digit');
      }
      return { type: 'postgres', connectionString, tableName, queryTimeoutMs: timeout };
    }
    default:
      throw new Error(`unknown backend "${String(config.backend).slice(0, 20)}"`);
  }
}

function redisConfig(config: StoreNodeConfig, credentials: StoreNodeCredentials, keyPrefix: string | undefined, timeout: number | undefined): StoreConfig {
  let url = (credentials.redisUrl ?? '').trim() || undefined;
  if (url !== undefined && !/^rediss?:\/\/[^\s]+$/i.test(url)) throw new Error('the Redis URL must start with redis:// or rediss://');
  if (keyPrefix !== undefined && /[\s\u0000-\u001f]/.test(keyPrefix)) throw new Error('Redis key prefix must not contain spaces or control characters');
  const advanced = parseAdvanced(config.redisOptions);
  const { cluster, ...redisOptions } = advanced as RedisOptions & { cluster?: { nodes?: ClusterNode[]; options?: ClusterOptions } };
  const secrets: RedisOptions = {};
  if (credentials.redisPassword) {
    secrets.password = credentials.redisPassword;
    // ioredis lets URL credentials win over options: move the user name out of the URL.
    if (url !== undefined) ({ url, username: secrets.username } = splitUserInfo(url));
  }
  if (credentials.redisSentinelPassword) secrets.sentinelPassword = credentials.redisSentinelPassword;
  // rediss:// turns TLS on by itself (ioredis); the checkbox turns it on for redis:// and Cluster.
  const tls = config.redisTls ? { tls: { ...(redisOptions.tls ?? {}) } } : {};
  if (cluster !== undefined) {
    if (!cluster || !Array.isArray(cluster.nodes) || cluster.nodes.length === 0) {
      throw new Error('advanced options: "cluster" needs a non-empty "nodes" list');
    }
    const options = cluster.options ?? {};
    return {
      type: 'redis', keyPrefix, commandTimeoutMs: timeout,
      cluster: { nodes: cluster.nodes, options: { ...options, redisOptions: { ...options.redisOptions, ...redisOptions, ...tls, ...secrets } } },
    };
  }
  return { type: 'redis', url, keyPrefix, commandTimeoutMs: timeout, redisOptions: { ...redisOptions, ...tls, ...secrets } };
}

/** The URL without user info, and its user name; a URL that also holds a password is ambiguous. */
function splitUserInfo(url: string): { url: string; username?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('the Redis URL is not a valid URL');
  }
  if (parsed.password) throw new Error('the Redis URL holds a password and the Password field is set too: keep one');
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  parsed.username = '';
  return { url: parsed.toString(), username };
}

function parseAdvanced(text: string | undefined): Record<string, unknown> {
  if (!text || !text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse messages quote the input: never show it.
    throw new Error('advanced Redis options are not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('advanced Redis options must be a JSON object');
  const found = findSecretKey(parsed);
  if (found) throw new Error(`advanced Redis options must not hold "${found}": the flow file is not encrypted — use the password fields`);
  return parsed as Record<string, unknown>;
}

function findSecretKey(value: unknown, depth = 0): string | undefined {
  if (!value || typeof value !== 'object' || depth > 8) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEYS.has(k)) return k;
    const nested = findSecretKey(v, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

function parseTimeout(value: string | number | undefined): number | undefined {
  if (value === undefined || value === null || String(value).trim() === '') return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 50 || ms > 60_000) throw new Error('timeout must be a whole number of milliseconds between 50 and 60000');
  return ms;
}

/** Without contextStorage Node-RED has a single store called "memory". */
function knownContextStore(name: string, storage: Record<string, unknown> | undefined): boolean {
  if (!storage || Object.keys(storage).length === 0) return name === 'memory';
  return Object.prototype.hasOwnProperty.call(storage, name);
}
