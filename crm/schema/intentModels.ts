import { sql } from 'drizzle-orm';
import { boolean, check, customType, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** PostgreSQL bytea: Buffer in, Buffer out (PGlite gives a Uint8Array). */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
});

/** What the retraining decided about a version when it was stored. */
export const INTENT_MODEL_DECISIONS = ['baseline', 'activated', 'rejected', 'pinned'] as const;
export type IntentModelDecision = (typeof INTENT_MODEL_DECISIONS)[number];

/**
 * Intent model versions (owner: crm/understanding, IntentModelStore): the built-in model as the
 * first baseline, then each retraining on the built-in data plus learned labels. The model itself is
 * kept here (gzipped model.json and weights.bin of nlp's model directory), so every web process loads
 * the active version from the database, the one store they share. At most one row is active; a
 * supervisor's activation pins it (pinned_*), and trainings then store without activating.
 */
export const intentModels = pgTable(
  'intent_models',
  {
    /** The engine's modelInfo.id when serving it (what message_understandings.model_version records). */
    versionId: text('version_id').primaryKey(),
    /** Hash of the built-in training data it was trained from (a new release's data makes it stale). */
    baseDataHash: text('base_data_hash').notNull(),
    /** Hash of every row it was trained on (built-in training split + learned labels). */
    trainingDataHash: text('training_data_hash').notNull(),
    /** Where the training rows came from: { builtIn, clarification, agent_correction, ticket_category, excluded… }. */
    provenance: jsonb('provenance').$type<Record<string, number>>().notNull(),
    /** Scores on the frozen test split (accuracy overall and per language, OOS recall, in-scope accuracy, …). */
    scores: jsonb('scores').$type<Record<string, unknown>>().notNull(),
    decision: text('decision', { enum: INTENT_MODEL_DECISIONS }).notNull(),
    /** The comparison with the version active when it was trained: each check, its figures, pass or fail. */
    decisionDetail: jsonb('decision_detail').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    params: jsonb('params').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    trainingMs: doublePrecision('training_ms').notNull(),
    /** Size of the model directory as saved (model.json + weights.bin), before compression. */
    modelBytes: integer('model_bytes').notNull(),
    /** gzip of nlp's model.json and of weights.bin. */
    modelJson: bytea('model_json').notNull(),
    weights: bytea('weights').notNull(),
    active: boolean('active').notNull().default(false),
    trainedAt: timestamp('trained_at', { withTimezone: true }).notNull(),
    activatedAt: timestamp('activated_at', { withTimezone: true }),
    pinnedAt: timestamp('pinned_at', { withTimezone: true }),
    pinnedBy: text('pinned_by'),
    pinnedByName: text('pinned_by_name'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('intent_models_one_active_uq').on(t.active).where(sql`${t.active}`),
    index('intent_models_trained_idx').on(t.trainedAt),
    check('intent_models_pinned_active_ck', sql`${t.pinnedAt} is null or (${t.active} and ${t.pinnedBy} is not null and ${t.pinnedByName} is not null)`),
  ],
);
