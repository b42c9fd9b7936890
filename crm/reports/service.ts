/** Supervisor reports over tickets, events, agents, queues and stored scores (read-only). */
import type { Db } from '../db';
import { DEFAULT_TIME_ZONE } from '../calendar';
import { CrmError } from '../errors';
import { assertPeriod, type AgentEvaluationService, type Period } from '../scores';
import { agentPeople, scoreTrendRows, storedPeriodsOfLength, csatRatingRows, csatRequestRows, queueAgentRows, queueList, queueTicketRows, scorePeriodRows, sentimentDayRows, volumeDayRows } from './queries';
import { emptySentimentDay, emptyVolumeDay, fillDays, periodKind, rankAgents, shapeCsat, shapeQueueHealth, shapeTeamTrend } from './shape';
import type { TeamScoreTrend, AgentTrend, CsatDistribution, QueueHealthReport, Ranking, ScorePeriod, SentimentTrend, VolumeTrend } from './types';

export interface SupportReportsOptions {
  db: Db;
  /** Stored scores (ranking, history); crm/scores. */
  scores: Pick<AgentEvaluationService, 'latest' | 'forPeriod' | 'history'>;
  clock?: () => Date;
  /** Longest period a daily trend may span (default 366 days): keeps the queries bounded. */
  maxTrendDays?: number;
  /** The support team's IANA time zone (config SUPPORT_TIME_ZONE): days and period kinds are in it. Default UTC. */
  timeZone?: string;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Stored periods that may be one local day or ISO week: DST makes a day 23 to 25 hours (a few historical shifts more). */
const TREND_LENGTHS: Record<TeamScoreTrend['kind'], [number, number]> = { day: [DAY_MS - 3 * HOUR_MS, DAY_MS + 3 * HOUR_MS], week: [7 * DAY_MS - 3 * HOUR_MS, 7 * DAY_MS + 3 * HOUR_MS] };

export class SupportReports {
  private readonly clock: () => Date;
  readonly timeZone: string;

  constructor(private readonly o: SupportReportsOptions) {
    this.clock = o.clock ?? (() => new Date());
    this.timeZone = o.timeZone ?? DEFAULT_TIME_ZONE;
  }

  private assertTrendPeriod(period: Period): void {
    assertPeriod(period);
    const max = this.o.maxTrendDays ?? 366;
    if (period.end.getTime() - period.start.getTime() > max * DAY_MS) throw new CrmError(`a trend covers at most ${max} days`, 'period_too_long');
  }

  /** Every queue's backlog, waiting tickets, SLA risk and breaches, oldest wait and online capacity, now. */
  async queueHealth(options: { horizonMinutes?: number } = {}): Promise<QueueHealthReport> {
    const horizonMinutes = options.horizonMinutes ?? 30;
    const now = this.clock();
    const [queues, ticketRows, agents] = [await queueList(this.o.db), await queueTicketRows(this.o.db, now, horizonMinutes), await queueAgentRows(this.o.db)];
    return shapeQueueHealth(queues, ticketRows, agents.perQueue, agents.total, now, horizonMinutes);
  }

  /** Counts of ratings 1–5 and the response rate, overall and per agent. */
  async csatDistribution(period: Period): Promise<CsatDistribution> {
    assertPeriod(period);
    const ratings = await csatRatingRows(this.o.db, period);
    const requests = await csatRequestRows(this.o.db, period, this.clock());
    const people = await agentPeople(this.o.db);
    return shapeCsat(period, ratings, requests, new Map([...people].map(([id, p]) => [id, p.displayName])));
  }

  /** Per local day: resolved conversations' first and last customer sentiment and the change. */
  async sentimentTrend(period: Period): Promise<SentimentTrend> {
    this.assertTrendPeriod(period);
    return { period, days: fillDays(period, await sentimentDayRows(this.o.db, period, this.timeZone), emptySentimentDay, this.timeZone) };
  }

  /** Per local day: tickets created and resolved. */
  async volumeTrend(period: Period): Promise<VolumeTrend> {
    this.assertTrendPeriod(period);
    return { period, days: fillDays(period, await volumeDayRows(this.o.db, period, this.timeZone), emptyVolumeDay, this.timeZone) };
  }

  /** Evaluated periods for the period picker, latest first. */
  async scorePeriods(limit = 120): Promise<ScorePeriod[]> {
    return (await scorePeriodRows(this.o.db, limit)).map((p) => ({ ...p, kind: periodKind(p, this.timeZone) }));
  }

  /** The ranked agents of a stored period (default: the latest evaluation). */
  async ranking(period?: Period): Promise<Ranking> {
    const scores = period ? await this.o.scores.forPeriod(period) : await this.o.scores.latest();
    const people = await agentPeople(this.o.db);
    const shown = period ?? (scores[0] ? { start: scores[0].periodStart, end: scores[0].periodEnd } : null);
    return { period: shown, agents: rankAgents(scores, people) };
  }

  /** Every agent's composite over the last `limit` daily (or weekly) evaluations, local days and ISO weeks. */
  async teamScoreTrend(options: { kind?: TeamScoreTrend['kind']; limit?: number } = {}): Promise<TeamScoreTrend> {
    const kind = options.kind ?? 'day';
    const [minMs, maxMs] = TREND_LENGTHS[kind];
    const periods = (await storedPeriodsOfLength(this.o.db, minMs, maxMs)).filter((p) => periodKind(p, this.timeZone) === kind).slice(0, options.limit ?? 28);
    const rows = await scoreTrendRows(this.o.db, periods);
    const people = await agentPeople(this.o.db);
    return shapeTeamTrend(kind, rows, new Map([...people].map(([id, p]) => [id, p.displayName])));
  }

  /**
   * One agent's stored scores, oldest first (for trend charts), optionally only periods of one kind
   * (daily or weekly evaluations). Null when the user is not an agent.
   */
  async agentTrend(agentId: string, options: { limit?: number; kind?: ScorePeriod['kind'] } = {}): Promise<AgentTrend | null> {
    const people = await agentPeople(this.o.db);
    const person = people.get(agentId);
    if (!person) return null;
    const history = (await this.o.scores.history(agentId, { limit: options.limit ?? 90 }))
      .filter((s) => !options.kind || periodKind({ start: s.periodStart, end: s.periodEnd }, this.timeZone) === options.kind)
      .reverse();
    const lines = rankAgents(history, people);
    return {
      agent: { agentId, ...person },
      points: history.map((s, i) => ({ period: { start: s.periodStart, end: s.periodEnd }, composite: s.composite, components: lines[i].components, figures: s.figures })),
    };
  }
}
