import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers } from './customers';

/**
 * Customer 360 profile data and identity merges. Owner module: crm/identity.
 */

export const ATTRIBUTE_TYPES = ['string', 'number', 'boolean', 'date', 'string[]'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/** Declared custom attributes: a value written to a profile must have the declared type. */
export const customerAttributeDefinitions = pgTable('customer_attribute_definitions', {
  key: text('key').primaryKey(),
  type: text('type', { enum: ATTRIBUTE_TYPES }).notNull(),
  label: text('label'),
  /** What the attribute means and how to fill it in, shown to agents on the Profile tab. */
  description: text('description'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export interface ConsentFlag {
  granted: boolean;
  /** ISO time of the decision. */
  at: string;
  source?: string;
}

/** Profile fields of a customer beyond the channel record: typed attributes, consent, language, tags. */
export const customerProfiles = pgTable(
  'customer_profiles',
  {
    customerId: uuid('customer_id')
      .primaryKey()
      .references(() => customers.id),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** Per purpose/channel: `{ "email_marketing": { granted, at, source } }`. */
    consent: jsonb('consent').$type<Record<string, ConsentFlag>>().notNull().default(sql`'{}'::jsonb`),
    /** Preferred language (BCP 47) declared by the customer or imported; the channel's detected one is customers.language. */
    language: text('language'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    /** Set when this customer was merged into another one (the survivor); cleared by undo. */
    mergedInto: uuid('merged_into').references(() => customers.id),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('customer_profiles_tags_idx').using('gin', t.tags), index('customer_profiles_merged_idx').on(t.mergedInto)],
);

/**
 * Every consent decision, oldest first (owner: crm/identity, ProfileStore): the profile keeps only the
 * current flag per purpose; this keeps what was decided before, when and through what (`console:<user id>`,
 * `chat`, `import`, `api`).
 */
export const consentHistory = pgTable(
  'consent_history',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    purpose: text('purpose').notNull(),
    granted: boolean('granted').notNull(),
    source: text('source').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('consent_history_customer_at_idx').on(t.customerId, t.at)],
);

/** One merge of two profiles (`mergedId` into `survivorId`): what moved is in customer_merge_moves. */
export const customerMerges = pgTable(
  'customer_merges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    survivorId: uuid('survivor_id')
      .notNull()
      .references(() => customers.id),
    mergedId: uuid('merged_id')
      .notNull()
      .references(() => customers.id),
    /** `agent:<user id>` or `auto:order-proof`. */
    actor: text('actor').notNull(),
    reason: text('reason').notNull().default(''),
    /** Profiles (customers row + customer_profiles row) of both sides before the merge, restored by undo. */
    before: jsonb('before').$type<Record<string, unknown>>().notNull(),
    /** The survivor as the merge wrote it: undo compares it with the survivor then, to keep what changed since (null: merged before this was kept). */
    after: jsonb('after').$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    undoneAt: timestamp('undone_at', { withTimezone: true }),
    undoneBy: text('undone_by'),
  },
  (t) => [index('customer_merges_survivor_idx').on(t.survivorId), index('customer_merges_merged_idx').on(t.mergedId)],
);

export const MERGE_MOVED_KINDS = ['identity', 'message', 'order', 'event', 'ticket'] as const;
export type MergeMovedKind = (typeof MERGE_MOVED_KINDS)[number];

/** Every row a merge moved from the merged customer to the survivor (undo moves exactly these back). */
export const customerMergeMoves = pgTable(
  'customer_merge_moves',
  {
    mergeId: uuid('merge_id')
      .notNull()
      .references(() => customerMerges.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: MERGE_MOVED_KINDS }).notNull(),
    rowId: text('row_id').notNull(),
  },
  (t) => [uniqueIndex('customer_merge_moves_uq').on(t.mergeId, t.kind, t.rowId)],
);
