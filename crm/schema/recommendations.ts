import { sql } from 'drizzle-orm';
import { boolean, check, customType, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** PostgreSQL bytea: Buffer in (node-postgres and PGlite both take it), Buffer out (PGlite gives a Uint8Array). */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
});

/**
 * Trained recommendation models, one row per version (owner: crm/recommendations,
 * RecommendationModelStore). `versionId` is deterministic (algorithm, parameters, data hash), so
 * training twice on the same data stores one row. At most one row is active (the partial unique
 * index); web processes serve the active one from memory. Older inactive versions are pruned.
 * A supervisor's activation pins the version (pinned_*): trainings then store without activating, and
 * pruning keeps it. Only the active row can be pinned (the check), so there is at most one pin.
 */
export const recommendationModels = pgTable(
  'recommendation_models',
  {
    versionId: text('version_id').primaryKey(),
    algorithm: text('algorithm').notNull(),
    /** The training parameters in force (algorithm parameters, event weights, blends). */
    params: jsonb('params').$type<Record<string, unknown>>().notNull(),
    /** sha256 of the aggregated training matrix and catalogue. */
    dataHash: text('data_hash').notNull(),
    customers: integer('customers').notNull(),
    items: integer('items').notNull(),
    interactions: integer('interactions').notNull(),
    modelBytes: integer('model_bytes').notNull(),
    trainingMs: doublePrecision('training_ms').notNull(),
    /** Offline quality (hit rate / coverage on a held-out purchase per customer), see training.ts. */
    metrics: jsonb('metrics').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** The model in the snapshot format (crm/recommendations/snapshot.ts). */
    snapshot: bytea('snapshot').notNull(),
    active: boolean('active').notNull().default(false),
    trainedAt: timestamp('trained_at', { withTimezone: true }).notNull(),
    activatedAt: timestamp('activated_at', { withTimezone: true }),
    /** Set while a supervisor holds this version (dashboard activation): trainings do not replace it. */
    pinnedAt: timestamp('pinned_at', { withTimezone: true }),
    /** Who pinned it: the actor (`agent:<user id>`) and the name shown then. */
    pinnedBy: text('pinned_by'),
    pinnedByName: text('pinned_by_name'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('recommendation_models_one_active_uq').on(t.active).where(sql`${t.active}`),
    index('recommendation_models_trained_idx').on(t.trainedAt),
    check('recommendation_models_pinned_active_ck', sql`${t.pinnedAt} is null or (${t.active} and ${t.pinnedBy} is not null and ${t.pinnedByName} is not null)`),
  ],
);
