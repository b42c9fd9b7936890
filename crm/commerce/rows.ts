import type { SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db';

/** Runs raw SQL and returns its rows, whichever driver (node-postgres, PGlite) is behind Drizzle. */
export async function queryRows<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** A JSON parameter for `jsonb_to_recordset(...)`: one parameter whatever the number of rows. */
export function jsonParam(rows: unknown): string {
  return JSON.stringify(rows);
}
