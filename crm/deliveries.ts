import { eq } from 'drizzle-orm';
import type { Db } from './db';
import { deliveries } from './schema';

export interface DeliveryRecord {
  id: string;
  kind: string;
  channel: string;
  conversationId: string;
  ticketId: string | null;
  activityIds: string[];
  deliveredAt: Date;
}

/**
 * What was delivered to customers on behalf of background jobs, by deterministic delivery id. The
 * delivery consumer checks it before sending and records after, so a retried job sends nothing twice.
 */
export class DeliveryLog {
  constructor(private readonly db: Db) {}

  async get(id: string): Promise<DeliveryRecord | null> {
    const rows = await this.db.select().from(deliveries).where(eq(deliveries.id, id)).limit(1);
    return rows[0] ?? null;
  }

  /** Records a delivery; false when that id was already recorded (the first record stays). */
  async record(r: Omit<DeliveryRecord, 'deliveredAt'> & { deliveredAt?: Date }): Promise<boolean> {
    const inserted = await this.db
      .insert(deliveries)
      .values({ ...r, deliveredAt: r.deliveredAt ?? new Date() })
      .onConflictDoNothing()
      .returning({ id: deliveries.id });
    return inserted.length > 0;
  }

  async forTicket(ticketId: string): Promise<DeliveryRecord[]> {
    return this.db.select().from(deliveries).where(eq(deliveries.ticketId, ticketId)).orderBy(deliveries.deliveredAt);
  }
}
