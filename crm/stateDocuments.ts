import { inArray, sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { Db } from './db';
import { botState } from './schema';
import { ETagConflictError } from './errors';

export type StateDocument = Record<string, unknown> & { eTag?: string };

/**
 * JSON documents with optimistic concurrency (the semantics of botbuilder's Storage): a write that
 * names an eTag succeeds only if the stored document still has it; `*` or no eTag overwrites.
 */
export class StateDocumentStore {
  constructor(private readonly db: Db) {}

  async read(keys: string[]): Promise<Record<string, StateDocument>> {
    if (keys.length === 0) return {};
    const rows = await this.db.select().from(botState).where(inArray(botState.key, keys));
    const out: Record<string, StateDocument> = {};
    for (const row of rows) out[row.key] = { ...row.document, eTag: row.etag };
    return out;
  }

  async write(changes: Record<string, StateDocument>): Promise<void> {
    for (const [key, change] of Object.entries(changes)) {
      const { eTag: expected, ...document } = change;
      const etag = randomUUID();
      const now = new Date();
      const unconditional = !expected || expected === '*';
      const written = await this.db
        .insert(botState)
        .values({ key, document, etag, updatedAt: now })
        .onConflictDoUpdate({
          target: botState.key,
          set: { document, etag, updatedAt: now },
          setWhere: unconditional ? undefined : sql`${botState.etag} = ${expected}`,
        })
        .returning({ key: botState.key });
      if (written.length === 0) throw new ETagConflictError(key);
    }
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.delete(botState).where(inArray(botState.key, keys));
  }
}
