import { sql } from 'drizzle-orm';
import { bigserial, doublePrecision, index, integer, jsonb, pgTable, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { agents } from './support';

/**
 * Agent performance scores, one row per agent and evaluated period [periodStart, periodEnd).
 * Owned by crm/scores (AgentEvaluationService). Each row keeps the figures it was computed from, the
 * per-component breakdown of the composite and the options (weights, targets) in force, so any number
 * on screen can be explained. A re-run of the same period replaces the period's rows.
 */
export const agentScores = pgTable(
  'agent_scores',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.userId, { onDelete: 'cascade' }),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    periodEnd: timestamp('period_end', { withTimezone: true }).notNull(),
    /** AgentFigures (crm/scores/types.ts). */
    figures: jsonb('figures').$type<Record<string, unknown>>().notNull(),
    /** ScoreComponent[]: how each figure was normalised and weighted. */
    components: jsonb('components').$type<Array<Record<string, unknown>>>().notNull().default(sql`'[]'::jsonb`),
    /** 0–100, or null when there is too little data (see crm/scores/README.md). */
    composite: doublePrecision('composite'),
    /** The ScoreOptions used (weights, targets, minimum samples). */
    options: jsonb('options').$type<Record<string, unknown>>().notNull(),
    /** Version of the scoring definitions (SCORING_VERSION). */
    version: integer('version').notNull(),
    /** Events after this instant were not considered (CSAT, reopens arriving later). */
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('agent_scores_agent_period_uq').on(t.agentId, t.periodStart, t.periodEnd),
    index('agent_scores_period_idx').on(t.periodEnd, t.periodStart),
  ],
);
