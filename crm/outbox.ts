/**
 * The transactional outbox (table `outbox`): domain modules write rows in the transaction of the change
 * they follow from (ticket SLA timers, follow-ups, training requests); `OutboxStore.relayBatch` is how
 * the relay takes them out. Rows are claimed with `FOR UPDATE SKIP LOCKED`, so several relays never take
 * the same row, and marked relayed in the same transaction only after the handler succeeded: a handler
 * that throws (Redis unreachable) leaves every row of the batch for the next pass.
 */
import { and, asc, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from './db';
import { outbox } from './schema';

export type OutboxRecord = typeof outbox.$inferSelect;

export class OutboxStore {
  constructor(private readonly db: Db) {}

  /**
   * Claims up to `limit` unrelayed rows of `topics` (oldest first), hands them to `handle`, and marks
   * them relayed when it resolves. Returns how many rows were relayed.
   */
  async relayBatch(topics: readonly string[], limit: number, handle: (rows: OutboxRecord[]) => Promise<void>): Promise<number> {
    if (topics.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      const rows = await tx
        .select()
        .from(outbox)
        .where(and(isNull(outbox.relayedAt), inArray(outbox.topic, [...topics])))
        .orderBy(asc(outbox.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      if (rows.length === 0) return 0;
      await handle(rows);
      await tx
        .update(outbox)
        .set({ relayedAt: sql`now()` })
        .where(
          inArray(
            outbox.id,
            rows.map((r) => r.id),
          ),
        );
      return rows.length;
    });
  }
}
