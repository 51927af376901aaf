/**
 * OAuth clients kept in the Store (context, memory, Redis, PostgreSQL through
 * the generic ops), managed like API keys: create (a client id and a 256-bit
 * secret shown once), list/get (never a secret or hash), add a secret
 * (rotation: the secrets live until now get an expiry = the grace period),
 * revoke a secret, enable/disable, delete.
 *
 *   af:oc:<ns>:c:<sha256(client id)>  → the client record: the same JSON as a
 *                                       credential-source client (clients.ts),
 *                                       secrets as {id, hash, created_at, expires_at}
 *   af:oc:<ns>:ids                    → the client ids (JSON array), for list
 *
 * Token, revoke and introspect read the record per request (one store read:
 * token issuance is not the hot path, and a disable or a revoked secret
 * applies on every instance at the next request, no invalidation needed);
 * only the compile step is cached, by the record's exact text, bounded.
 * Records change only by compare-and-set, so two admins racing never lose a
 * change. Only keyed hashes are stored (client-secrets.ts).
 */
import { randomBytes } from 'crypto';
import { StoreUnavailableError } from '../errors';
import { Store, replicated } from '../store/store';
import { sha256Parts } from '../crypto/secure-compare';
import { ClientSecretHasher } from './client-secrets';
import { ClientLookup, OAuthClient, parseClient } from './clients';

/** A refusal of a management call: 400 bad input, 404 no such client/secret, 409 conflict. */
export class ClientRegistryError extends Error {
  constructor(message: string, readonly status: 400 | 404 | 409) {
    super(message);
    this.name = 'ClientRegistryError';
  }
}

interface StoredSecret {
  id: string;
  hash: string;
  created_at: string;
  expires_at?: string;
}

type StoredClient = Record<string, unknown> & { client_id: string; client_secrets: StoredSecret[]; created_at: string };

/** What list/get answer: the record without hashes. */
export type ClientView = Record<string, unknown> & { client_id: string; created_at: string; secrets: Array<Omit<StoredSecret, 'hash'>> };

/** Client metadata a caller may set (clients.ts documents each). */
const SETTABLE = [
  'client_name', 'enabled', 'scope', 'default_scope', 'resources', 'access_token_lifetime',
  'token_endpoint_auth_method', 'grant_types', 'jwks', 'jwks_uri', 'public_key', 'introspection',
] as const;

const CAS_ATTEMPTS = 8;
const PARSED_CACHE_MAX = 256;
const MAX_SECRETS = 5; // live at once: rotation needs two; more is a mistake
const MAX_GRACE_SEC = 30 * 86_400;

export interface ClientRegistryOptions {
  store: Store;
  hasher: ClientSecretHasher;
  /** Separates registries sharing a store (the issuer's tag). */
  namespace: string;
  now?: () => number;
}

export class ClientRegistry implements ClientLookup {
  private readonly store: Store;
  private readonly hasher: ClientSecretHasher;
  private readonly prefix: string;
  private readonly now: () => number;
  /** Compiled records by their exact stored text (bounded, oldest dropped first). */
  private readonly parsed = new Map<string, OAuthClient>();

  constructor(opts: ClientRegistryOptions) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(opts.namespace)) throw new Error('a client registry namespace is 1-64 base64url characters');
    this.store = opts.store;
    this.hasher = opts.hasher;
    this.prefix = `af:oc:${opts.namespace}:`;
    this.now = opts.now ?? Date.now;
  }

  /** For the token endpoints: the compiled client, or undefined. A record that does not compile fails closed (503). */
  async get(id: string): Promise<OAuthClient | undefined> {
    const raw = await this.store.get(this.key(id));
    if (raw === undefined) return undefined;
    let client = this.parsed.get(raw);
    if (!client) {
      try {
        client = parseClient(decode(raw), undefined);
      } catch (e) {
        if (e instanceof StoreUnavailableError) throw e;
        throw new StoreUnavailableError(`stored OAuth client record does not compile: ${(e as Error).message}`);
      }
      if (this.parsed.size >= PARSED_CACHE_MAX) this.parsed.delete(this.parsed.keys().next().value as string);
      this.parsed.set(raw, client);
    }
    return client.id === id ? client : undefined;
  }

  /**
   * A new client. `client_id` is generated unless given; a secret (shown once,
   * only its hash kept) unless the client authenticates with private_key_jwt.
   */
  async create(input: Record<string, unknown>): Promise<{ client: ClientView; client_secret?: string }> {
    const id = input.client_id === undefined ? 'afc_' + randomBytes(12).toString('base64url') : input.client_id;
    if (typeof id !== 'string' || !/^[\x20-\x7e]{1,128}$/.test(id)) throw new ClientRegistryError('client_id must be 1-128 printable ASCII characters (RFC 6749 App. A.1)', 400);
    const at = new Date(this.now()).toISOString();
    const record: StoredClient = { client_id: id, ...pick(input), client_secrets: [], created_at: at };
    let secret: string | undefined;
    if (record.token_endpoint_auth_method !== 'private_key_jwt') {
      const made = this.hasher.generate(id);
      secret = made.secret;
      record.client_secrets.push({ id: secretId(), hash: made.hash, created_at: at });
    }
    check(record);
    if (!(await this.store.setIfAbsent(this.key(id), JSON.stringify(record)))) throw new ClientRegistryError(`client ${id} already exists`, 409);
    await this.casIds((ids) => (ids.includes(id) ? ids : [...ids, id]));
    return { client: view(record), client_secret: secret };
  }

  async list(): Promise<ClientView[]> {
    const ids = (await this.readIds()) ?? [];
    const found = await Promise.all(ids.map((id) => this.view(id)));
    return found.filter((c): c is ClientView => c !== undefined);
  }

  async view(id: string): Promise<ClientView | undefined> {
    const raw = await this.store.get(this.key(id));
    return raw === undefined ? undefined : view(decode(raw));
  }

  /** Changes metadata (scopes, lifetime, enabled, keys…); never secrets. */
  async update(id: string, changes: Record<string, unknown>): Promise<ClientView> {
    if ('client_secrets' in changes || ('client_id' in changes && changes.client_id !== id)) throw new ClientRegistryError('client_id and secrets are not changed here', 400);
    return view(await this.change(id, (r) => ({ ...r, ...pick(changes) })));
  }

  async setEnabled(id: string, enabled: boolean): Promise<ClientView> {
    const changed = await this.update(id, { enabled });
    if (!enabled) await replicated(this.store); // disabling is a revocation
    return changed;
  }

  /**
   * Rotation: a new secret (shown once); every secret live until now expires
   * after `graceSec` (default 24 h), so callers switch without an outage.
   * graceSec 0 ends the old secrets at once.
   */
  async addSecret(id: string, graceSec = 86_400): Promise<{ secret_id: string; client_secret: string; client: ClientView }> {
    if (!Number.isInteger(graceSec) || graceSec < 0 || graceSec > MAX_GRACE_SEC) throw new ClientRegistryError(`graceSec must be whole seconds, 0-${MAX_GRACE_SEC}`, 400);
    const made = this.hasher.generate(id);
    const sid = secretId();
    const record = await this.change(id, (r) => {
      const now = this.now();
      const end = now + graceSec * 1000;
      const kept = r.client_secrets
        .filter((s) => s.expires_at === undefined || Date.parse(s.expires_at) > now)
        .map((s) => (s.expires_at === undefined || Date.parse(s.expires_at) > end ? { ...s, expires_at: new Date(end).toISOString() } : s));
      if (kept.length >= MAX_SECRETS) throw new ClientRegistryError(`client ${id} has ${kept.length} live secrets: revoke one first`, 409);
      return { ...r, client_secrets: [...kept, { id: sid, hash: made.hash, created_at: new Date(now).toISOString() }] };
    });
    return { secret_id: sid, client_secret: made.secret, client: view(record) };
  }

  async revokeSecret(id: string, secretIdToRevoke: string): Promise<ClientView> {
    const changed = await this.change(id, (r) => {
      const kept = r.client_secrets.filter((s) => s.id !== secretIdToRevoke);
      if (kept.length === r.client_secrets.length) throw new ClientRegistryError(`client ${id} has no secret ${String(secretIdToRevoke).slice(0, 40)}`, 404);
      return { ...r, client_secrets: kept };
    });
    await replicated(this.store);
    return view(changed);
  }

  async delete(id: string): Promise<boolean> {
    const removed = await this.store.delete(this.key(id));
    await this.casIds((ids) => ids.filter((x) => x !== id));
    await replicated(this.store);
    return removed;
  }

  private key(id: string): string {
    return `${this.prefix}c:${sha256Parts(id)}`;
  }

  /** Read-modify-write of one record by compare-and-set; the result must still compile. */
  private async change(id: string, edit: (r: StoredClient) => StoredClient): Promise<StoredClient> {
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const raw = await this.store.get(this.key(id));
      if (raw === undefined) throw new ClientRegistryError(`no client ${id.slice(0, 128)}`, 404);
      const next = edit(decode(raw));
      check(next);
      if (await this.store.compareAndSet(this.key(id), raw, JSON.stringify(next))) return next;
    }
    throw new StoreUnavailableError('OAuth client record changed too often to update');
  }

  private async readIds(): Promise<string[] | undefined> {
    const raw = await this.store.get(this.prefix + 'ids');
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as string[];
    } catch {
      throw new StoreUnavailableError('malformed OAuth client index in the store');
    }
  }

  private async casIds(edit: (ids: string[]) => string[]): Promise<void> {
    const key = this.prefix + 'ids';
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const raw = await this.store.get(key);
      const next = JSON.stringify(edit(raw === undefined ? [] : (JSON.parse(raw) as string[])));
      if (raw === undefined ? await this.store.setIfAbsent(key, next) : await this.store.compareAndSet(key, raw, next)) return;
    }
    throw new StoreUnavailableError('OAuth client index changed too often to update');
  }
}

function pick(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of SETTABLE) if (input[k] !== undefined) out[k] = input[k];
  return out;
}

/** The record must compile as a credential-source client would; its problem is the caller's 400. */
function check(record: StoredClient): void {
  try {
    parseClient(record, undefined);
  } catch (e) {
    throw new ClientRegistryError((e as Error).message, 400);
  }
}

function view(r: StoredClient): ClientView {
  const { client_secrets: secrets, ...rest } = r;
  return { ...rest, secrets: secrets.map(({ hash: _hash, ...s }) => s) };
}

function secretId(): string {
  return 'cs_' + randomBytes(8).toString('base64url');
}

function decode(raw: string): StoredClient {
  try {
    const r = JSON.parse(raw) as StoredClient;
    if (!r || typeof r.client_id !== 'string' || !Array.isArray(r.client_secrets)) throw new Error('shape');
    return r;
  } catch {
    // Unreadable state fails closed, as "could not check", never as "unknown client".
    throw new StoreUnavailableError('malformed OAuth client record in the store');
  }
}
