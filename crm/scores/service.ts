/** Agent evaluation: aggregate (SQL) → score (pure) → store (agent_scores), and read back with explanations. */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { CrmError } from '../errors';
import { agentScores } from '../schema/scores';
import { computeComposite } from './composite';
import { aggregateAgentFigures, agentTicketFacts, type TicketFacts } from './evaluation';
import { explainScore } from './explain';
import { resolveScoreOptions, SCORING_VERSION, type ScoreOptionsInput } from './options';
import type { AgentFigures, AgentScore, Period, ScoreComponent, ScoreExplanation, ScoreOptions } from './types';

export interface EvaluateOptions {
  /** Ignore events at or after this instant (CSAT, reopens, transfers arriving later). Default: now. */
  asOf?: Date;
  /** PostgreSQL work_mem for the aggregation (SET LOCAL), so its hashes and sorts stay in memory. */
  workMem?: string;
}

type ScoreRow = typeof agentScores.$inferSelect;

function toScore(row: ScoreRow): AgentScore {
  return {
    agentId: row.agentId,
    periodStart: row.periodStart,
    periodEnd: row.periodEnd,
    figures: row.figures as unknown as AgentFigures,
    components: row.components as unknown as ScoreComponent[],
    composite: row.composite,
    options: row.options as unknown as ScoreOptions,
    version: row.version,
    asOf: row.asOf,
    computedAt: row.computedAt,
  };
}

export function assertPeriod(period: Period): void {
  if (!(period.start instanceof Date) || !(period.end instanceof Date) || Number.isNaN(period.start.getTime()) || Number.isNaN(period.end.getTime())) {
    throw new CrmError('period start and end must be valid dates', 'invalid_period');
  }
  if (period.end.getTime() <= period.start.getTime()) throw new CrmError('period end must be after its start', 'invalid_period');
}

/** Sort: composite high to low (agents without a composite last), then agent id. */
function byRank(a: AgentScore, b: AgentScore): number {
  if (a.composite !== b.composite) {
    if (a.composite === null) return 1;
    if (b.composite === null) return -1;
    return b.composite - a.composite;
  }
  return a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0;
}

/**
 * Computes, stores and explains agent performance scores. The job (nightly and on demand) calls
 * `evaluate(period)`; the dashboard reads `latest()`, `history(agentId)` and `explain(agentId, period)`.
 */
export class AgentEvaluationService {
  readonly options: ScoreOptions;

  constructor(
    private readonly db: Db,
    options: ScoreOptionsInput = {},
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.options = resolveScoreOptions(options);
  }

  /**
   * Scores every agent who held or resolved a ticket in `period` and stores the scores, replacing any
   * earlier evaluation of the same period (rows of agents no longer present are removed). Returns them
   * ranked (composite high to low, agents without a composite last).
   */
  async evaluate(period: Period, evaluateOptions: EvaluateOptions = {}): Promise<AgentScore[]> {
    assertPeriod(period);
    const asOf = evaluateOptions.asOf ?? this.clock();
    const workMem = evaluateOptions.workMem ?? '256MB';
    if (!/^\d+\s*(kB|MB|GB)$/.test(workMem)) throw new CrmError(`workMem must look like 256MB, got ${workMem}`, 'invalid_option');
    return this.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`set local work_mem = '${workMem}'`));
      // One long statement: compiling it with JIT costs seconds and gains nothing here.
      await tx.execute(sql.raw('set local jit = off'));
      const perAgent = await aggregateAgentFigures(tx, period, asOf);
      const computedAt = this.clock();
      const scores: AgentScore[] = perAgent.map(({ agentId, figures }) => {
        const { composite, components } = computeComposite(figures, this.options);
        return { agentId, periodStart: period.start, periodEnd: period.end, figures, components, composite, options: this.options, version: SCORING_VERSION, asOf, computedAt };
      });
      // Replace the period's evaluation as a whole: a re-run never duplicates and never leaves stale agents.
      await tx.delete(agentScores).where(and(eq(agentScores.periodStart, period.start), eq(agentScores.periodEnd, period.end)));
      for (let i = 0; i < scores.length; i += 500) {
        const chunk = scores.slice(i, i + 500);
        await tx
          .insert(agentScores)
          .values(
            chunk.map((s) => ({
              agentId: s.agentId,
              periodStart: s.periodStart,
              periodEnd: s.periodEnd,
              figures: s.figures as unknown as Record<string, unknown>,
              components: s.components as unknown as Array<Record<string, unknown>>,
              composite: s.composite,
              options: s.options as unknown as Record<string, unknown>,
              version: s.version,
              asOf: s.asOf,
              computedAt: s.computedAt,
            })),
          )
          // A concurrent evaluation of the same period may have inserted first: last writer wins, per agent.
          .onConflictDoUpdate({
            target: [agentScores.agentId, agentScores.periodStart, agentScores.periodEnd],
            set: {
              figures: sql`excluded.figures`,
              components: sql`excluded.components`,
              composite: sql`excluded.composite`,
              options: sql`excluded.options`,
              version: sql`excluded.version`,
              asOf: sql`excluded.as_of`,
              computedAt: sql`excluded.computed_at`,
            },
          });
      }
      return scores.sort(byRank);
    });
  }

  /**
   * The latest evaluation: every agent's score for the stored period that ends last (among periods
   * ending at the same instant, the shortest, i.e. the latest start). Ranked like `evaluate`.
   */
  async latest(): Promise<AgentScore[]> {
    const [last] = await this.db
      .select({ periodStart: agentScores.periodStart, periodEnd: agentScores.periodEnd })
      .from(agentScores)
      .orderBy(desc(agentScores.periodEnd), desc(agentScores.periodStart))
      .limit(1);
    if (!last) return [];
    return this.forPeriod({ start: last.periodStart, end: last.periodEnd });
  }

  /** Every agent's stored score for exactly this period, ranked. */
  async forPeriod(period: Period): Promise<AgentScore[]> {
    assertPeriod(period);
    const rows = await this.db
      .select()
      .from(agentScores)
      .where(and(eq(agentScores.periodStart, period.start), eq(agentScores.periodEnd, period.end)));
    return rows.map(toScore).sort(byRank);
  }

  /** One agent's stored scores, most recent period first. */
  async history(agentId: string, options: { limit?: number } = {}): Promise<AgentScore[]> {
    const rows = await this.db
      .select()
      .from(agentScores)
      .where(eq(agentScores.agentId, agentId))
      .orderBy(desc(agentScores.periodEnd), desc(agentScores.periodStart))
      .limit(options.limit ?? 100);
    return rows.map(toScore);
  }

  /** One agent's stored score for exactly this period, or null. */
  async get(agentId: string, period: Period): Promise<AgentScore | null> {
    assertPeriod(period);
    const [row] = await this.db
      .select()
      .from(agentScores)
      .where(and(eq(agentScores.agentId, agentId), eq(agentScores.periodStart, period.start), eq(agentScores.periodEnd, period.end)));
    return row ? toScore(row) : null;
  }

  /** The stored figures of an agent's score and how the composite was formed from them, or null if not evaluated. */
  async explain(agentId: string, period: Period): Promise<ScoreExplanation | null> {
    const score = await this.get(agentId, period);
    return score ? explainScore(score) : null;
  }

  /**
   * The handled tickets behind an agent's figures for a period (recomputed from tickets and events
   * with the stored score's asOf when there is one, else now): the drill-down under every number.
   */
  async tickets(agentId: string, period: Period, options: { asOf?: Date } = {}): Promise<TicketFacts[]> {
    assertPeriod(period);
    const asOf = options.asOf ?? (await this.get(agentId, period))?.asOf ?? this.clock();
    return agentTicketFacts(this.db, agentId, period, asOf);
  }
}
