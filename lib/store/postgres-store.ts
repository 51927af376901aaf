import type { Pool, PoolClient, PoolConfig } from 'pg';
import { StoreUnavailableError } from '../errors';
import type { Store } from './store';
import { StatusEmitter } from './status-emitter';
import { checkKey, checkValue, notACounter, optionalTtl, requiredTtl } from './validate';
import { withTimeout } from './with-timeout';

/**
 * Durable credential state in PostgreSQL. Expiry uses the database clock
 * (now()), so every instance agrees on it whatever its own clock says.
 */
export interface PostgresStoreOptions {
  /** postgres://user:pass@host:port/db?sslmode=… */
  connectionString: string;
  /** Default 'authflow_kv'. Letters, digits and '_', at most 48 characters. */
  tableName?: string;
  /** Schema holding the table and authflow_migrations; created when missing. Default: the search_path's first schema. */
  schema?: string;
  /** Every operation answers or throws StoreUnavailableError within this. Default 2000. */
  queryTimeoutMs?: number;
  /** Maximum pooled connections. Default 10. */
  poolSize?: number;
  /** Passed through to pg.Pool (ssl, …). The timeouts above always win. */
  poolOptions?: PoolConfig;
  /** Period of the expired-row cleanup; 0 disables it. Default 60000. */
  cleanupIntervalMs?: number;
  /** Rows deleted per cleanup run, so one run never holds long locks. Default 1000. */
  cleanupBatch?: number;
}

/** Ordered schema changes for the store table. Append only; never edit a shipped step. */
const MIGRATIONS: { version: number; up: (table: string, indexName: string) => string[] }[] = [
  {
    version: 1,
    up: (table, indexName) => [
      `CREATE TABLE ${table} (key text PRIMARY KEY, value text NOT NULL, expires_at timestamptz NULL)`,
      `CREATE INDEX ${indexName} ON ${table} (expires_at) WHERE expires_at IS NOT NULL`,
    ],
  },
];

/** A module's own table (lib/api-keys): ordered steps, each given the table's qualified name. Append only. */
export interface TableMigration {
  version: number;
  up: (qualified: string) => string[];
}

/** Advisory-lock namespace ("AFLW"), paired with a hash of the schema name. */
const LOCK_NAMESPACE = 0x41464c57;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/** `now() + $n ms`, or NULL when the parameter is NULL. */
const EXPIRY = (n: number) => `now() + $${n}::bigint * interval '1 millisecond'`;
const LIVE = `(expires_at IS NULL OR expires_at > now())`;

export class PostgresStore extends StatusEmitter implements Store {
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  private readonly schema: string | undefined;
  private readonly table: string;
  private readonly qualified: string;
  private readonly migrationsTable: string;
  private readonly cleanupIntervalMs: number;
  private readonly cleanupBatch: number;
  private readonly clientConfig: PoolConfig;
  private readonly listenStops = new Set<() => Promise<void>>();
  private migrated: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private cleaning = false;
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    super({ state: 'unavailable', reason: 'not connected yet' });
    if (!options || typeof options.connectionString !== 'string' || !options.connectionString) {
      throw new TypeError('PostgresStore: connectionString is required');
    }
    this.table = options.tableName ?? 'authflow_kv';
    this.schema = options.schema || undefined;
    if (!IDENTIFIER.test(this.table) || (this.schema !== undefined && !IDENTIFIER.test(this.schema))) {
      throw new TypeError('PostgresStore: tableName/schema must match /^[A-Za-z_][A-Za-z0-9_]{0,47}$/');
    }
    const prefix = this.schema ? `"${this.schema}".` : '';
    this.qualified = `${prefix}"${this.table}"`;
    this.migrationsTable = `${prefix}"authflow_migrations"`;
    this.timeoutMs = options.queryTimeoutMs ?? 2000;
    if (!(this.timeoutMs > 0)) throw new RangeError('PostgresStore: queryTimeoutMs must be positive');
    this.cleanupIntervalMs = options.cleanupIntervalMs ?? 60_000;
    this.cleanupBatch = options.cleanupBatch ?? 1000;
    // pg loads with the first PostgresStore: installs that never use PostgreSQL never load it.
    const pg: typeof import('pg') = require('pg');
    this.clientConfig = { ...options.poolOptions, connectionString: options.connectionString, connectionTimeoutMillis: this.timeoutMs, application_name: 'authflow' };
    this.pool = new pg.Pool({
      max: options.poolSize ?? 10,
      idleTimeoutMillis: 30_000,
      application_name: 'authflow',
      ...options.poolOptions,
      connectionString: options.connectionString,
      // Bounded everywhere: getting a connection, the server's work, the wire.
      connectionTimeoutMillis: this.timeoutMs,
      statement_timeout: this.timeoutMs,
      query_timeout: this.timeoutMs,
      lock_timeout: this.timeoutMs,
    });
    // An idle client losing its server emits here; unhandled it would crash Node-RED.
    this.pool.on('error', (err) => this.setStatus({ state: 'unavailable', reason: describe(err) }));
  }

  async get(key: string): Promise<string | undefined> {
    checkKey(key);
    const { rows } = await this.query<{ value: string }>(
      `SELECT value FROM ${this.qualified} WHERE key = $1 AND ${LIVE}`, [key]);
    return rows[0]?.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    checkKey(key);
    checkValue(value);
    await this.query(
      `INSERT INTO ${this.qualified} (key, value, expires_at) VALUES ($1, $2, ${EXPIRY(3)})
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
      [key, value, optionalTtl(ttlMs) ?? null]);
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    checkKey(key);
    checkValue(value);
    // An expired row counts as absent: overwrite it in the same statement.
    const { rowCount } = await this.query(
      `INSERT INTO ${this.qualified} AS s (key, value, expires_at) VALUES ($1, $2, ${EXPIRY(3)})
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
       WHERE s.expires_at IS NOT NULL AND s.expires_at <= now()`,
      [key, value, optionalTtl(ttlMs) ?? null]);
    return rowCount === 1;
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    // An expired row is already "absent": removing it does not count.
    const { rows } = await this.query<{ live: boolean }>(
      `DELETE FROM ${this.qualified} WHERE key = $1 RETURNING ${LIVE} AS live`, [key]);
    return rows.length > 0 && rows[0].live;
  }

  async increment(key: string, ttlMs: number): Promise<{ value: number; ttlMs: number }> {
    checkKey(key);
    const px = requiredTtl(ttlMs);
    // One upsert: a new or expired row restarts at 1 with a fresh window;
    // a live row counts up and keeps its expiry (fixed window); a row
    // without expiry gets this window. The time left is measured against
    // clock_timestamp(): now() is this transaction's start, which can be
    // earlier than that of the concurrent caller who created the row.
    const { rows } = await this.query<{ value: string; ttl_ms: string }>(
      `INSERT INTO ${this.qualified} AS s (key, value, expires_at) VALUES ($1, '1', ${EXPIRY(2)})
       ON CONFLICT (key) DO UPDATE SET
         value = CASE WHEN s.expires_at <= now() THEN '1' ELSE (s.value::bigint + 1)::text END,
         expires_at = CASE WHEN s.expires_at > now() THEN s.expires_at ELSE EXCLUDED.expires_at END
       RETURNING value, GREATEST(0, CEIL(EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000))::bigint AS ttl_ms`,
      [key, px], true);
    return { value: Number(rows[0].value), ttlMs: Number(rows[0].ttl_ms) };
  }

  async compareAndSet(key: string, expected: string, value: string, ttlMs?: number): Promise<boolean> {
    checkKey(key);
    checkValue(expected);
    checkValue(value);
    // Concurrent rotations queue on the row lock; READ COMMITTED re-checks
    // the WHERE against the winner's row, so exactly one matches.
    const { rowCount } = await this.query(
      `UPDATE ${this.qualified} SET value = $3, expires_at = ${EXPIRY(4)}
       WHERE key = $1 AND value = $2 AND ${LIVE}`,
      [key, expected, value, optionalTtl(ttlMs) ?? null]);
    return rowCount === 1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopStatus();
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.listenStops].map((stop) => stop()));
    await this.pool.end().catch(() => undefined);
  }

  /** The key-value table's name (modules name their own tables after it: lib/api-keys). */
  get tableName(): string {
    return this.table;
  }

  /**
   * One statement for a module with a table of its own (lib/api-keys):
   * after the store's migrations, bounded and failing closed (AUTH_011) like
   * every call. Parameters always travel separately from the text.
   */
  sql<R extends object = object>(text: string, params: unknown[]): Promise<{ rows: R[]; rowCount: number | null }> {
    return this.query<R>(text, params);
  }

  /**
   * Brings a module's own table (`name`, in this store's schema) to its last
   * version with the store's migration machinery (advisory lock, the
   * authflow_migrations table). Returns the table's quoted, qualified name.
   */
  async migrateTable(name: string, steps: TableMigration[]): Promise<string> {
    if (!IDENTIFIER.test(name)) throw new TypeError('PostgresStore: table names must match /^[A-Za-z_][A-Za-z0-9_]{0,47}$/');
    const qualified = (this.schema ? `"${this.schema}".` : '') + `"${name}"`;
    await withTimeout((async () => {
      await this.ensureMigrated();
      await this.runMigrations(name, steps.map((st) => ({ version: st.version, up: () => st.up(qualified) })));
    })(), this.timeoutMs * 3, 'postgres').catch((err) => {
      throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`postgres: ${describe(err)}`);
    });
    return qualified;
  }

  /** NOTIFY (cache invalidation): delivered to every listener when the statement commits. */
  async publish(channel: string, message: string): Promise<void> {
    await this.query('SELECT pg_notify($1, $2)', [this.channelName(channel), message]);
  }

  /**
   * LISTEN on a connection of its own, reconnecting with backoff.
   * `onState(false)` whenever it drops (notifications sent meanwhile are
   * lost), `onState(true)` once listening again. Resolves when listening.
   */
  async subscribe(channel: string, listener: (message: string) => void, onState: (up: boolean) => void = () => undefined): Promise<() => Promise<void>> {
    if (this.closed) throw new StoreUnavailableError('postgres: store closed');
    const pg: typeof import('pg') = require('pg');
    const name = this.channelName(channel);
    let client: import('pg').Client | undefined;
    let up = false;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    let attempt = 0;
    const setUp = (next: boolean) => { if (next !== up) { up = next; onState(next); } };
    const connect = async () => {
      const c = new pg.Client(this.clientConfig);
      client = c;
      c.on('error', () => undefined); // 'end' follows; handled there
      c.on('notification', (n) => { if (n.channel === name && typeof n.payload === 'string') listener(n.payload); });
      c.on('end', () => {
        setUp(false);
        if (!stopped && client === c) {
          retry = setTimeout(() => { connect().catch(() => undefined); }, Math.min(100 * 2 ** Math.min(++attempt, 5), 2000));
          retry.unref();
        }
      });
      try {
        await withTimeout(c.connect().then(() => c.query(`LISTEN "${name}"`)), this.timeoutMs, 'postgres');
      } catch (err) {
        c.end().catch(() => undefined);
        throw err;
      }
      if (stopped) { c.end().catch(() => undefined); return; }
      attempt = 0;
      setUp(true);
    };
    const stop = async () => {
      stopped = true;
      this.listenStops.delete(stop);
      if (retry) clearTimeout(retry);
      setUp(false);
      await client?.end().catch(() => undefined);
    };
    this.listenStops.add(stop);
    try {
      await connect();
    } catch (err) {
      await stop();
      throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`postgres: ${describe(err)}`);
    }
    return stop;
  }

  /** Channel names are identifiers: the store's table names the namespace, so stores on one database do not hear each other. */
  private channelName(channel: string): string {
    const name = `${this.table}_${channel}`.replace(/[^A-Za-z0-9_]/g, '_');
    return name.slice(0, 63);
  }

  /** Delete up to cleanupBatch expired rows; returns how many. Runs periodically once the table exists. */
  async cleanup(): Promise<number> {
    const { rowCount } = await this.query(
      `DELETE FROM ${this.qualified} WHERE key IN (
         SELECT key FROM ${this.qualified} WHERE expires_at <= now()
         LIMIT $1 FOR UPDATE SKIP LOCKED)
       AND expires_at <= now()`,
      [this.cleanupBatch]);
    return rowCount ?? 0;
  }

  /** One statement after migrations, answered or failed closed within the timeout. */
  private async query<R extends object = object>(
    sql: string, params: unknown[], counter = false,
  ): Promise<{ rows: R[]; rowCount: number | null }> {
    if (this.closed) throw new StoreUnavailableError('postgres: store closed');
    const work = (async () => {
      await this.ensureMigrated();
      return this.pool.query<R>(sql, params);
    })();
    try {
      const result = await withTimeout(work, this.timeoutMs, 'postgres');
      this.setStatus({ state: 'ready' });
      return result;
    } catch (err) {
      // 22P02: the stored value is not an integer — the caller's bug, not an outage.
      if (counter && (err as { code?: string }).code === '22P02') {
        throw notACounter();
      }
      const mapped = err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`postgres: ${describe(err)}`);
      this.setStatus({ state: 'unavailable', reason: mapped.reason });
      throw mapped;
    }
  }

  /** First use runs pending migrations; a failure is forgotten so the next call retries. */
  private ensureMigrated(): Promise<void> {
    if (!this.migrated) {
      this.migrated = this.migrate().then(
        () => this.startCleanup(),
        (err) => { this.migrated = undefined; throw err; },
      );
    }
    return this.migrated;
  }

  /**
   * One transaction under an advisory lock per schema, so instances starting
   * together (or two stores sharing authflow_migrations) never race.
   * Existence is checked first: a least-privileged role without CREATE can
   * still use tables that are already there.
   */
  private migrate(): Promise<void> {
    return this.runMigrations(this.table, MIGRATIONS.map((st) => ({ version: st.version, up: () => st.up(this.qualified, `"${this.table}_expires_idx"`) })));
  }

  private async runMigrations(table: string, steps: { version: number; up: () => string[] }[]): Promise<void> {
    const client: PoolClient = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // The resolved schema names the lock and the migration target, so
      // "no schema" and an explicit "public" are the same table.
      const { rows: [{ s: schemaName }] } = await client.query<{ s: string | null }>('SELECT current_schema() AS s');
      const resolved = this.schema ?? schemaName ?? '';
      const target = `${resolved}.${table}`;
      await client.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [LOCK_NAMESPACE, hash32(resolved)]);
      if (this.schema) {
        const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
        if (!rowCount) await client.query(`CREATE SCHEMA "${this.schema}"`);
      }
      const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [this.migrationsTable]);
      if (!exists.rows[0].t) {
        await client.query(`CREATE TABLE ${this.migrationsTable} (
          target text NOT NULL, version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (target, version))`);
      }
      const { rows } = await client.query<{ v: number }>(
        `SELECT COALESCE(MAX(version), 0)::int AS v FROM ${this.migrationsTable} WHERE target = $1`, [target]);
      for (const step of steps) {
        if (step.version <= rows[0].v) continue;
        for (const sql of step.up()) await client.query(sql);
        await client.query(`INSERT INTO ${this.migrationsTable} (target, version) VALUES ($1, $2)`, [target, step.version]);
      }
      await client.query('COMMIT');
    } catch (err) {
      broken = err as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      // A connection that failed mid-transaction is discarded, not reused.
      client.release(broken);
    }
  }

  private startCleanup(): void {
    if (this.timer || this.cleanupIntervalMs <= 0 || this.closed) return;
    this.timer = setInterval(() => {
      if (this.cleaning) return;
      this.cleaning = true;
      this.cleanup().catch(() => undefined).finally(() => { this.cleaning = false; });
    }, this.cleanupIntervalMs);
    this.timer.unref();
  }
}

/**
 * Operator-facing reason. Server messages can quote parameters (stored
 * hashes), so a database error contributes only its SQLSTATE; network
 * errors their code and message, with URL credentials masked.
 */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { code?: string; severity?: string };
  if (e.severity) return `server error ${e.code ?? 'unknown'}`;
  return (e.code ? `${e.code} ` : '') + e.message.replace(/\/\/[^@\s/]*@/g, '//***@');
}

/** FNV-1a, folded into a signed 32-bit int for pg_advisory_xact_lock(int, int). */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
