import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** One person, whatever channels they use. */
export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    displayName: text('display_name'),
    email: text('email'),
    language: text('language'),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // Agents' customer search (crm/identity/search.ts): case-insensitive prefix of email and name.
  (t) => [index('customers_email_prefix_idx').on(sql`lower(${t.email}) text_pattern_ops`), index('customers_name_prefix_idx').on(sql`lower(${t.displayName}) text_pattern_ops`)],
);

/** A channel-specific handle (web visitor id, Teams user id, email, phone) that points at a customer. */
export const identities = pgTable(
  'identities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    kind: text('kind').notNull(),
    externalId: text('external_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // external_id alone: search by an exact handle whatever its kind.
  (t) => [uniqueIndex('identities_kind_external_uq').on(t.kind, t.externalId), index('identities_customer_idx').on(t.customerId), index('identities_external_idx').on(t.externalId)],
);

/** The customer's timeline of messages, inbound and outbound, on every channel. */
export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    channel: text('channel').notNull(),
    conversationId: text('conversation_id').notNull(),
    direction: text('direction', { enum: ['inbound', 'outbound'] }).notNull(),
    /** Who wrote it: the customer, the bot, or an agent (agent id). */
    author: text('author').notNull(),
    text: text('text').notNull().default(''),
    /** Channel activity id: repeats of the same activity are stored once. */
    activityId: text('activity_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Inbound: when it was folded into the learned profile (crm/identity). Null = still to learn (the catch-up finds it) or given up. */
    learnedAt: timestamp('learned_at', { withTimezone: true }),
    /** Inbound: the catch-up's failed attempts at learning this message on its own (bot/learningCatchUp.ts). */
    learnAttempts: integer('learn_attempts').notNull().default(0),
    /** Inbound, not learned yet: the error of the last failed attempt (cleared when the message is learned). */
    learnError: text('learn_error'),
    /**
     * Inbound: when the catch-up gave up learning this message (too many failed attempts); it is not
     * picked again. Kept apart from learned_at, which means "folded into the profile": this one was not.
     */
    learnFailedAt: timestamp('learn_failed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('messages_activity_uq').on(t.channel, t.conversationId, t.activityId, t.direction),
    index('messages_customer_time_idx').on(t.customerId, t.createdAt),
    index('messages_unlearned_idx').on(t.createdAt).where(sql`${t.direction} = 'inbound' and ${t.learnedAt} is null and ${t.learnFailedAt} is null`),
  ],
);
