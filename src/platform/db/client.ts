import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzleNodePostgres } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DatabaseConfig } from '../config.ts';
import { DatabaseUnavailableError } from './errors.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** What a store query runs on: the database, or a transaction a service opened. */
export type Executor = Database | Transaction;

export interface RawRows {
  rows: Record<string, unknown>[];
}
export type RawExec = (text: string, params?: unknown[]) => Promise<RawRows>;

/** One database, embedded (PGlite) or server (PostgreSQL), behind the same Drizzle interface. */
export interface DatabaseHandle {
  kind: DatabaseConfig['kind'];
  db: Database;
  /** Runs a multi-statement script and queries in one transaction, for migrations. */
  inScriptTransaction<T>(work: (exec: RawExec, script: (text: string) => Promise<void>) => Promise<T>): Promise<T>;
  /**
   * Subscribes to a NOTIFY channel; the returned function unsubscribes. A lost connection is
   * re-established on its own, and `onReconnect` is called then: notifications sent meanwhile are lost.
   */
  listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class DatabaseUnreachableError extends Error {}

export async function openDatabase(config: DatabaseConfig, options: { poolSize?: number } = {}): Promise<DatabaseHandle> {
  return config.kind === 'postgres' ? openPostgres(config.url, options.poolSize ?? 10) : openPglite(config.dataDir);
}

/**
 * PostgreSQL's default of 128 MB of shared buffers is held inside the WebAssembly memory for the
 * life of the process; the embedded database is for one laptop or a small installation, whose pages
 * the operating system's file cache keeps anyway. (PostgreSQL proper keeps its own settings.)
 */
const PGLITE_SHARED_BUFFERS = '16MB';

/**
 * Creating an embedded database runs initdb in two more WebAssembly instances, several hundred MB
 * that this process would hold long after (until V8 collects them, and even then not all of it goes
 * back to the system): a short-lived child process creates the database, and this one opens it.
 */
async function createPgliteDataDir(dataDir: string): Promise<void> {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  const script = 'const { PGlite } = await import(process.argv[2]); await (await PGlite.create({ dataDir: process.argv[1] })).close();';
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, dataDir, import.meta.resolve('@electric-sql/pglite')]);
}

/** An embedded database that can also be archived whole (its data directory, as a tar file). */
export interface PgliteHandle extends DatabaseHandle {
  dumpDataDir(): Promise<Blob>;
}

/**
 * An embedded database in a directory, or in memory when dataDir is null (tests). A new one may start
 * from an archive of dumpDataDir (`loadDataDir`) instead of an empty database: no initdb to run.
 */
export async function openPglite(dataDir: string | null, options: { loadDataDir?: Blob } = {}): Promise<PgliteHandle> {
  // Loaded only here: a process on PostgreSQL never needs PGlite's code. One after the other: the
  // extensions import PGlite's own modules, and loading a module graph twice at once is what module
  // loaders (a test runner's among them) handle worst.
  const { PGlite } = await import('@electric-sql/pglite');
  const { btree_gin } = await import('@electric-sql/pglite/contrib/btree_gin');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite');
  if (dataDir !== null) {
    mkdirSync(dataDir, { recursive: true });
    if (options.loadDataDir === undefined) await createPgliteDataDir(dataDir);
  }
  const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`];
  const client = await PGlite.create({ ...(dataDir === null ? {} : { dataDir }), ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }), extensions: { pg_trgm, btree_gin }, startParams });
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    kind: 'pglite',
    db,
    inScriptTransaction: (work) =>
      client.transaction((tx) =>
        work(
          async (text, params) => ({ rows: (await tx.query<Record<string, unknown>>(text, params)).rows }),
          async (text) => {
            await tx.exec(text);
          },
        ),
      ),
    listen: async (channel, onPayload) => {
      const unsubscribe = await client.listen(channel, onPayload);
      return async () => unsubscribe();
    },
    close: () => client.close(),
    dumpDataDir: async () => client.dumpDataDir('none'),
  };
}

/**
 * A connection the pool cannot open fails the query with DatabaseUnavailableError, so the request
 * is answered 503 (the database is unavailable) rather than 500; the pool tries again on the next.
 */
function failConnectionsAsUnavailable(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as (callback: (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void) => void;
  const unavailable = (error: Error) => new DatabaseUnavailableError(`the database is unavailable: ${error.message}`, { cause: error });
  // pool.query connects through this.connect with a callback; transactions call it for a promise.
  pool.connect = ((callback?: Parameters<typeof connect>[0]) => {
    if (callback) return connect((error, client, done) => callback(error ? unavailable(error) : undefined, client, done));
    return new Promise<pg.PoolClient>((resolve, reject) => connect((error, client) => (error ? reject(unavailable(error)) : resolve(client!))));
  }) as typeof pool.connect;
}

async function openPostgres(url: string, poolSize: number): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // Nor one in use (the pool listens to idle ones only): its query in flight fails, and the pool
  // drops the connection when it comes back.
  pool.on('connect', (client) => client.on('error', () => undefined));
  failConnectionsAsUnavailable(pool);
  try {
    const probe = await pool.connect();
    probe.release();
  } catch (error) {
    await pool.end();
    throw new DatabaseUnreachableError(`cannot reach the database at DATABASE_URL: ${(error as Error).message}`);
  }
  const db = drizzleNodePostgres(pool, { schema }) as unknown as Database;
  const listeners = new Set<pg.Client>();
  return {
    kind: 'postgres',
    db,
    inScriptTransaction: async (work) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(
          async (text, params) => ({ rows: (await client.query(text, params)).rows as Record<string, unknown>[] }),
          async (text) => {
            await client.query(text);
          },
        );
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    listen: async (channel, onPayload, onReconnect) => {
      // LISTEN needs a connection of its own, outside the pool, held for as long as we listen.
      let stopped = false;
      let current: pg.Client | null = null;
      const connect = async (): Promise<void> => {
        const client = new pg.Client({ connectionString: url });
        client.on('notification', (message) => {
          if (message.channel === channel) onPayload(message.payload ?? '');
        });
        const reconnect = () => {
          if (stopped || current !== client) return;
          current = null;
          listeners.delete(client);
          void client.end().catch(() => undefined);
          setTimeout(() => void retry(), 500).unref();
        };
        client.on('error', reconnect);
        client.on('end', reconnect);
        try {
          await client.connect();
          await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        } catch (error) {
          // Not listening: this connection is closed, and the caller tries again on a new one.
          await client.end().catch(() => undefined);
          throw error;
        }
        current = client;
        listeners.add(client);
      };
      const retry = async (): Promise<void> => {
        if (stopped) return;
        try {
          await connect();
          onReconnect?.();
        } catch {
          setTimeout(() => void retry(), 1_000).unref();
        }
      };
      await connect();
      return async () => {
        stopped = true;
        const client = current;
        current = null;
        if (client) {
          listeners.delete(client);
          await client.end().catch(() => undefined);
        }
      };
    },
    close: async () => {
      await Promise.all([...listeners].map((client) => client.end().catch(() => undefined)));
      await pool.end();
    },
  };
}
