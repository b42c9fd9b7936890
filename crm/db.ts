import path from 'node:path';
import fs from 'node:fs';
import { Pool } from 'pg';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema';

export type Schema = typeof schema;
/** The Drizzle database, whichever driver is behind it (node-postgres or PGlite). */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle; functions that take `Db | Tx` work inside or outside a transaction. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface DatabaseOptions {
  /** postgres:// URL of a PostgreSQL server. When absent, an embedded PGlite database in `dataDir` is used. */
  url?: string;
  dataDir?: string;
  poolSize?: number;
  /**
   * PEM file of the CA that signed the server's certificate (config DATABASE_SSL_CA_FILE): the URL gets
   * it as `sslrootcert`, and `sslmode=verify-full` unless it names a mode.
   */
  sslCaFile?: string;
}

/**
 * The connection string node-postgres is given (pure): the URL as it is, or with `sslrootcert` set to
 * the CA file (and `sslmode=verify-full` when the URL sets no mode). node-postgres reads `sslmode`
 * (`verify-full`: certificate and host name checked; `disable`; …) and `sslrootcert` itself.
 */
export function postgresConnectionString(url: string, sslCaFile?: string): string {
  if (!sslCaFile) return url;
  const u = new URL(url);
  if (!u.searchParams.has('sslrootcert')) u.searchParams.set('sslrootcert', sslCaFile);
  if (!u.searchParams.has('sslmode')) u.searchParams.set('sslmode', 'verify-full');
  return u.toString();
}

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Cheap reachability check for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const migrationsFolder = path.join(__dirname, 'migrations');

/** Opens the database and applies committed migrations (idempotent; safe with several instances). */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    // A database that does not answer (a dropped network) fails the request in seconds (503), not never.
    const pool = new Pool({ connectionString: postgresConnectionString(options.url, options.sslCaFile), max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000 });
    // An idle client's error (server restart) must not crash the process; queries will report it.
    pool.on('error', () => undefined);
    const db = drizzleNodePg(pool, { schema }) as unknown as Db;
    // Serialise concurrent starts of several instances on one server.
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock(727001)');
      await migrateNodePg(drizzleNodePg(client, { schema }), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock(727001)').catch(() => undefined);
      client.release();
    }
    return {
      db,
      kind: 'postgres',
      ping: async () => {
        await pool.query('select 1');
      },
      close: () => pool.end(),
    };
  }
  const dataDir = options.dataDir ?? './data';
  const dir = path.resolve(dataDir, 'pglite');
  fs.mkdirSync(dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const client = await PGlite.create(dir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder });
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
  };
}
