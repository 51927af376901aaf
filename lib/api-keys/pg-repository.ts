/**
 * API keys in a PostgreSQL table of their own, so operators can query them
 * with SQL (who owns which key, what expires this week, what was never used):
 *
 *   SELECT name, owner, key_prefix, expires_at, last_used_at
 *     FROM authflow_api_keys WHERE revoked_at IS NULL ORDER BY expires_at;
 *
 * key_hash is the HMAC-SHA-256 of the key (never the key); the unique index
 * on it is the verification lookup. Updates are optimistic (a version
 * column), announcements go out with NOTIFY, instances hear them by LISTEN.
 */
import { StoreUnavailableError } from '../errors';
import type { PostgresStore, TableMigration } from '../store/postgres-store';
import type { ApiKeyRecord } from './record';
import type { KeyEnv } from './format';
import { type KeyRepository, RETENTION_MS, localBus, watchLocal } from './repository';

export const DEFAULT_KEY_TABLE = 'authflow_api_keys';

/** Append only; never edit a shipped step. */
const MIGRATIONS: TableMigration[] = [
  {
    version: 1,
    up: (t) => {
      const bare = t.replace(/^.*\./, '').replace(/"/g, '');
      return [
        `CREATE TABLE ${t} (
          id uuid PRIMARY KEY,
          key_hash text NOT NULL,
          key_prefix text NOT NULL,
          name text NOT NULL,
          owner text NOT NULL,
          env text NOT NULL CHECK (env IN ('prod', 'test', 'dev')),
          scopes text[] NOT NULL DEFAULT '{}',
          allowed_ips text[] NOT NULL DEFAULT '{}',
          denied_ips text[] NOT NULL DEFAULT '{}',
          created_at timestamptz NOT NULL DEFAULT now(),
          expires_at timestamptz NULL,
          revoked_at timestamptz NULL,
          last_used_at timestamptz NULL,
          max_uses bigint NULL CHECK (max_uses IS NULL OR max_uses > 0),
          use_count bigint NOT NULL DEFAULT 0,
          metadata jsonb NOT NULL DEFAULT '{}',
          rotated_from uuid NULL,
          rotated_to uuid NULL,
          version integer NOT NULL DEFAULT 0
        )`,
        `CREATE UNIQUE INDEX "${bare}_hash_idx" ON ${t} (key_hash)`,
        `CREATE INDEX "${bare}_owner_idx" ON ${t} (owner, created_at DESC)`,
        `CREATE INDEX "${bare}_expires_idx" ON ${t} (expires_at) WHERE expires_at IS NOT NULL`,
        `COMMENT ON COLUMN ${t}.key_hash IS 'HMAC-SHA-256 (base64url) of the key under the installation secret; the key itself is never stored'`,
      ];
    },
  },
  {
    version: 2,
    // The sealed HMAC signing secret (AES-256-GCM under a key derived from the installation secret); NULL = none.
    up: (t) => [`ALTER TABLE ${t} ADD COLUMN signing_secret text NULL`],
  },
];

const ms = (col: string) => `(EXTRACT(EPOCH FROM ${col}) * 1000)::float8 AS ${col}`;
const COLUMNS = `id, key_prefix, name, owner, env, scopes, allowed_ips, denied_ips, ${ms('created_at')}, ${ms('expires_at')},
  ${ms('revoked_at')}, ${ms('last_used_at')}, max_uses, metadata, rotated_from, rotated_to, signing_secret, version`;
const TS = (n: number) => `to_timestamp($${n}::float8 / 1000)`;
const PURGE_EVERY_MS = 3_600_000;

interface Row {
  id: string; key_prefix: string; name: string; owner: string; env: string; scopes: string[];
  allowed_ips: string[]; denied_ips: string[]; created_at: number; expires_at: number | null; revoked_at: number | null;
  last_used_at: number | null; max_uses: string | null; metadata: Record<string, unknown>; rotated_from: string | null;
  rotated_to: string | null; signing_secret: string | null; version: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class PgKeyRepository implements KeyRepository {
  readonly sharedAcrossProcesses = true;
  private table: Promise<string> | undefined;
  private lastPurge = 0;
  private readonly versions = new WeakMap<ApiKeyRecord, number>();

  private readonly tableName: string;

  /** The table: `table`, else authflow_api_keys beside the default store table, else `<store table>_api_keys`. */
  constructor(private readonly store: PostgresStore, table?: string) {
    this.tableName = table ?? (store.tableName === 'authflow_kv' ? DEFAULT_KEY_TABLE : `${store.tableName}_api_keys`);
  }

  async insert(r: ApiKeyRecord, digest: string): Promise<void> {
    const t = await this.ready();
    await this.store.sql(
      `INSERT INTO ${t} (id, key_hash, key_prefix, name, owner, env, scopes, allowed_ips, denied_ips, created_at, expires_at,
         max_uses, metadata, rotated_from, signing_secret)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ${TS(10)}, ${TS(11)}, $12, $13, $14, $15)`,
      [r.id, digest, r.start, r.name, r.owner, r.env, r.scopes, r.allowedIps, r.deniedIps, r.createdAt, r.expiresAt ?? null,
        r.maxUses ?? null, JSON.stringify(r.metadata ?? {}), r.rotatedFrom ?? null, r.signingSecret ?? null]);
  }

  async byDigest(digest: string): Promise<ApiKeyRecord | undefined> {
    const t = await this.ready();
    const { rows } = await this.store.sql<Row>(`SELECT ${COLUMNS} FROM ${t} WHERE key_hash = $1`, [digest]);
    return rows[0] && this.toRecord(rows[0]);
  }

  async byId(id: string): Promise<ApiKeyRecord | undefined> {
    if (!UUID.test(id)) return undefined;
    const t = await this.ready();
    const { rows } = await this.store.sql<Row>(`SELECT ${COLUMNS} FROM ${t} WHERE id = $1`, [id]);
    return rows[0] && this.toRecord(rows[0]);
  }

  async listByOwner(owner: string): Promise<ApiKeyRecord[]> {
    const t = await this.ready();
    const { rows } = await this.store.sql<Row>(
      `SELECT ${COLUMNS} FROM ${t} WHERE owner = $1
         AND COALESCE(revoked_at, expires_at, 'infinity') > now() - $2::bigint * interval '1 millisecond'
       ORDER BY created_at DESC LIMIT 1000`, [owner, RETENTION_MS]);
    return rows.map((row) => this.toRecord(row));
  }

  async update(id: string, change: (r: ApiKeyRecord) => ApiKeyRecord | undefined): Promise<ApiKeyRecord | undefined> {
    const t = await this.ready();
    for (let i = 0; i < 8; i++) {
      const current = await this.byId(id);
      if (!current) return undefined;
      const next = change(current);
      if (!next) return current;
      const { rowCount } = await this.store.sql(
        `UPDATE ${t} SET name = $3, scopes = $4, allowed_ips = $5, denied_ips = $6, expires_at = ${TS(7)}, revoked_at = ${TS(8)},
           max_uses = $9, metadata = $10, rotated_to = $11, version = version + 1
         WHERE id = $1 AND version = $2`,
        [id, this.versions.get(current), next.name, next.scopes, next.allowedIps, next.deniedIps, next.expiresAt ?? null,
          next.revokedAt ?? null, next.maxUses ?? null, JSON.stringify(next.metadata ?? {}), next.rotatedTo ?? null]);
      if (rowCount === 1) return next;
    }
    throw new StoreUnavailableError('API key record changed too often to update');
  }

  async countUse(id: string): Promise<number> {
    const t = await this.ready();
    const { rows } = await this.store.sql<{ use_count: string }>(`UPDATE ${t} SET use_count = use_count + 1 WHERE id = $1 RETURNING use_count`, [id]);
    return rows[0] ? Number(rows[0].use_count) : Number.MAX_SAFE_INTEGER;
  }

  async writeLastUsed(times: ReadonlyMap<string, number>): Promise<void> {
    const t = await this.ready();
    // One statement per flush, whatever the number of keys used since the last one.
    await this.store.sql(
      `UPDATE ${t} AS k SET last_used_at = GREATEST(k.last_used_at, to_timestamp(v.at / 1000))
       FROM unnest($1::uuid[], $2::float8[]) AS v(id, at) WHERE k.id = v.id`,
      [[...times.keys()], [...times.values()]]);
    if (Date.now() - this.lastPurge > PURGE_EVERY_MS) {
      this.lastPurge = Date.now();
      await this.store.sql(`DELETE FROM ${t} WHERE COALESCE(revoked_at, expires_at) < now() - $1::bigint * interval '1 millisecond'`, [RETENTION_MS]);
    }
  }

  async announce(id: string): Promise<void> {
    localBus.emit('changed', id);
    await this.store.publish('api_keys', id);
  }

  async watch(listener: (id: string) => void, onState: (up: boolean) => void): Promise<() => Promise<void>> {
    const stopLocal = watchLocal(listener, () => undefined);
    try {
      const stopRemote = await this.store.subscribe('api_keys', listener, onState);
      return async () => { await stopLocal(); await stopRemote(); };
    } catch (err) {
      await stopLocal();
      throw err;
    }
  }

  /** The table, created or migrated on first use; a failure is retried by the next call. */
  private ready(): Promise<string> {
    if (!this.table) {
      this.table = this.store.migrateTable(this.tableName, MIGRATIONS);
      this.table.catch(() => { this.table = undefined; });
    }
    return this.table;
  }

  private toRecord(row: Row): ApiKeyRecord {
    const opt = (v: number | null) => (v === null ? undefined : Math.round(v));
    const r: ApiKeyRecord = {
      id: row.id, name: row.name, owner: row.owner, env: row.env as KeyEnv, start: row.key_prefix,
      scopes: row.scopes, allowedIps: row.allowed_ips, deniedIps: row.denied_ips, createdAt: Math.round(row.created_at),
      expiresAt: opt(row.expires_at), revokedAt: opt(row.revoked_at), lastUsedAt: opt(row.last_used_at),
      maxUses: row.max_uses === null ? undefined : Number(row.max_uses),
      metadata: row.metadata, rotatedFrom: row.rotated_from ?? undefined, rotatedTo: row.rotated_to ?? undefined,
      signingSecret: row.signing_secret ?? undefined,
    };
    this.versions.set(r, row.version);
    return r;
  }
}
