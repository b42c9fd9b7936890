import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** A website conversation served by our Direct Line endpoint. */
export const directLineConversations = pgTable('directline_conversations', {
  id: text('id').primaryKey(),
  /** Server-assigned user id; clients never choose it. */
  userId: text('user_id').notNull(),
  /** Next activity sequence number; incremented under a row lock so instances never collide. */
  nextSeq: integer('next_seq').notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The transcript: every activity of a Direct Line conversation, in order; the watermark is `seq`. */
export const directLineActivities = pgTable(
  'directline_activities',
  {
    conversationId: text('conversation_id')
      .notNull()
      .references(() => directLineConversations.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    activity: jsonb('activity').$type<Record<string, unknown>>().notNull(),
    /** Web Chat's clientActivityID: a retried post is stored once. */
    clientActivityId: text('client_activity_id'),
    /** For customer messages: when the bot finished its turn. Null = still to answer (claimed by a sweep once its lease is past). */
    handledAt: timestamp('handled_at', { withTimezone: true }),
    /**
     * For unhandled customer messages: until when the process running the turn holds it (taken at insert
     * or by a claim, renewed while the turn runs). Null or past: nobody is answering it, any process may claim it.
     */
    turnLeaseUntil: timestamp('turn_lease_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.seq] }),
    uniqueIndex('directline_activities_client_uq')
      .on(t.conversationId, t.clientActivityId)
      .where(sql`${t.clientActivityId} is not null`),
    index('directline_activities_pending_idx').on(t.createdAt).where(sql`${t.handledAt} is null and ${t.activity}->>'type' = 'message' and ${t.activity}->'from'->>'role' = 'user'`),
  ],
);

/** Where to reach a conversation later (proactive messages): a Bot Framework ConversationReference. */
export const conversationReferences = pgTable(
  'conversation_references',
  {
    channelId: text('channel_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    customerId: text('customer_id'),
    reference: jsonb('reference').$type<Record<string, unknown>>().notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.conversationId] }), index('conversation_references_customer_idx').on(t.customerId)],
);

/** Bot state documents (dialog stacks, user state) with optimistic concurrency through an eTag. */
export const botState = pgTable('bot_state', {
  key: text('key').primaryKey(),
  document: jsonb('document').$type<Record<string, unknown>>().notNull(),
  etag: text('etag').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
