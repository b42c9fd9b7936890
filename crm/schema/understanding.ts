import { sql } from 'drizzle-orm';
import { boolean, doublePrecision, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { messages } from './customers';

/**
 * What the bot understood of each inbound customer message (owner: crm/understanding): one row per
 * message, written with the message's turn. The supervisor's bot analytics are built from these rows
 * (intents by volume, fallback / clarification / hand-over rates, confidence per model version, the
 * messages the bot did not understand), never from counters.
 */
export const UNDERSTANDING_OUTCOMES = ['answered', 'clarified', 'not_understood', 'handed_over', 'other_language'] as const;
export type UnderstandingOutcome = (typeof UNDERSTANDING_OUTCOMES)[number];

export const messageUnderstandings = pgTable(
  'message_understandings',
  {
    messageId: uuid('message_id')
      .primaryKey()
      .references(() => messages.id, { onDelete: 'cascade' }),
    // No customer id: merges move messages between customers; join messages for it.
    channel: text('channel').notNull(),
    conversationId: text('conversation_id').notNull(),
    /** Detected language: 'en', 'zh', or another ISO 639-1 code the bot does not speak (handed over). */
    language: text('language').notNull(),
    intent: text('intent').notNull(),
    confidence: doublePrecision('confidence').notNull(),
    /** Top alternatives, best first: [{ name, confidence }]. */
    ranking: jsonb('ranking').$type<Array<{ name: string; confidence: number }>>().notNull().default(sql`'[]'::jsonb`),
    outOfScope: boolean('out_of_scope').notNull(),
    sentimentLabel: text('sentiment_label', { enum: ['negative', 'neutral', 'positive'] }).notNull(),
    sentimentScore: doublePrecision('sentiment_score').notNull(),
    /** The intent model version that understood it (NlpEngine.modelInfo.id). */
    modelVersion: text('model_version').notNull(),
    /** What the bot did with it; null until the turn decides. */
    outcome: text('outcome', { enum: UNDERSTANDING_OUTCOMES }),
    /** Why (e.g. 'low_confidence', 'asked_for_person', 'negative_sentiment', 'language:de'). */
    outcomeReason: text('outcome_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('message_understandings_time_idx').on(t.createdAt),
    index('message_understandings_model_idx').on(t.modelVersion, t.createdAt),
    index('message_understandings_not_understood_idx').on(t.createdAt).where(sql`${t.outcome} in ('not_understood', 'clarified') or ${t.outOfScope}`),
  ],
);

/**
 * Labelled examples learned from use (owner: crm/understanding): the customer's choice in a
 * clarification ("Did you mean … or …?"), an agent's "the bot misunderstood this" correction, a
 * ticket's corrected category. The intent retraining job trains on the built-in data plus these rows.
 * One label per (message, source): a later correction of the same message replaces the earlier one.
 */
export const INTENT_LABEL_SOURCES = ['clarification', 'agent_correction', 'ticket_category'] as const;
export type IntentLabelSource = (typeof INTENT_LABEL_SOURCES)[number];

export const intentLabels = pgTable(
  'intent_labels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    text: text('text').notNull(),
    language: text('language').notNull(),
    intent: text('intent').notNull(),
    source: text('source', { enum: INTENT_LABEL_SOURCES }).notNull(),
    /** The inbound message labelled (null only if it was erased). */
    messageId: uuid('message_id').references(() => messages.id, { onDelete: 'set null' }),
    /** For ticket_category: the ticket whose category was corrected. */
    ticketId: uuid('ticket_id'),
    /** The intent the bot had understood (what the label corrects or confirms). */
    previousIntent: text('previous_intent'),
    /** 'customer', or `agent:<user id>`. */
    labelledBy: text('labelled_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('intent_labels_message_source_uq').on(t.messageId, t.source), index('intent_labels_time_idx').on(t.createdAt)],
);
