import { sql } from 'drizzle-orm';
import { boolean, customType, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

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
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('recommendation_models_one_active_uq').on(t.active).where(sql`${t.active}`),
    index('recommendation_models_trained_idx').on(t.trainedAt),
  ],
);
