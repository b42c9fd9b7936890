import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tickets } from './support';

/**
 * What the delivery consumer (bot/deliveryWorker.ts) sent to a customer on behalf of a job: one row
 * per deterministic delivery id (`csat-<ticketId>-<n>`, `reminder-…`). Owned by crm/deliveries.ts.
 * A retried job finds its row and sends nothing.
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    /** What was delivered: `csat_survey`, `pending_reminder`, `auto_closed`, `text`. */
    kind: text('kind').notNull(),
    channel: text('channel').notNull(),
    conversationId: text('conversation_id').notNull(),
    ticketId: uuid('ticket_id').references(() => tickets.id, { onDelete: 'set null' }),
    /** The channel's ids of the activities sent (Direct Line transcript ids, Bot Connector ids). */
    activityIds: jsonb('activity_ids').$type<string[]>().notNull(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('deliveries_ticket_idx').on(t.ticketId), index('deliveries_conversation_idx').on(t.channel, t.conversationId)],
);
