/**
 * Pure shaping of the report rows (no I/O): filling in queues and days without data, the derived
 * figures (free capacity, levels, means, rates) and the ranking lines. Unit-testable without a database.
 */
import type { AgentScore } from '../scores';
import type { TeamScoreTrend, CsatDistribution, CsatSummary, QueueHealth, QueueHealthReport, RankedAgent, RatingCounts, ScorePeriod, SentimentDay, VolumeDay } from './types';
import type { Period } from '../scores';
import { calendarKind, daysOf } from '../calendar';


/** Per-queue ticket counts as the SQL returns them. */
export interface QueueTicketRow {
  queueId: string;
  backlog: number;
  waiting: number;
  slaAtRisk: number;
  slaBreached: number;
  oldestWaitingSeconds: number | null;
}

/** Online members of one queue as the SQL returns them. */
export interface QueueAgentRow {
  queueId: string;
  onlineAgents: number;
  capacity: number;
  activeTickets: number;
  freeCapacity: number;
}

function levelOf(q: Pick<QueueHealth, 'slaBreached' | 'slaAtRisk' | 'waiting' | 'freeCapacity'>): QueueHealth['level'] {
  if (q.slaBreached > 0 || q.waiting > q.freeCapacity) return 'critical';
  if (q.slaAtRisk > 0 || q.waiting > 0) return 'warning';
  return 'ok';
}

export function shapeQueueHealth(
  queues: Array<{ id: string; name: string }>,
  ticketRows: QueueTicketRow[],
  agentRows: QueueAgentRow[],
  agentTotals: Omit<QueueAgentRow, 'queueId'>,
  at: Date,
  horizonMinutes: number,
): QueueHealthReport {
  const tickets = new Map(ticketRows.map((r) => [r.queueId, r]));
  const agents = new Map(agentRows.map((r) => [r.queueId, r]));
  const shaped: QueueHealth[] = queues.map((q) => {
    const t = tickets.get(q.id);
    const a = agents.get(q.id);
    const backlog = t?.backlog ?? 0;
    const waiting = t?.waiting ?? 0;
    const row = {
      queueId: q.id,
      name: q.name,
      backlog,
      waiting,
      assigned: backlog - waiting,
      slaAtRisk: t?.slaAtRisk ?? 0,
      slaBreached: t?.slaBreached ?? 0,
      oldestWaitingSeconds: t?.oldestWaitingSeconds ?? null,
      onlineAgents: a?.onlineAgents ?? 0,
      capacity: a?.capacity ?? 0,
      activeTickets: a?.activeTickets ?? 0,
      freeCapacity: a?.freeCapacity ?? 0,
    };
    return { ...row, level: levelOf(row) };
  });
  const sum = (k: 'backlog' | 'waiting' | 'assigned' | 'slaAtRisk' | 'slaBreached') => shaped.reduce((n, q) => n + q[k], 0);
  const oldest = shaped.reduce<number | null>((m, q) => (q.oldestWaitingSeconds === null ? m : m === null ? q.oldestWaitingSeconds : Math.max(m, q.oldestWaitingSeconds)), null);
  return {
    at,
    horizonMinutes,
    queues: shaped,
    // Agents belong to several queues: their capacity is counted once in the totals (the SQL gives it).
    totals: {
      backlog: sum('backlog'),
      waiting: sum('waiting'),
      assigned: sum('assigned'),
      slaAtRisk: sum('slaAtRisk'),
      slaBreached: sum('slaBreached'),
      oldestWaitingSeconds: oldest,
      ...agentTotals,
    },
  };
}

/** CSAT rows as the SQL returns them: ratings per agent (null: no agent) and rating, requests per agent. */
export interface CsatRatingRow {
  agentId: string | null;
  rating: number;
  count: number;
}
export interface CsatRequestRow {
  agentId: string | null;
  requested: number;
  responded: number;
}

function emptyCounts(): RatingCounts {
  return [0, 0, 0, 0, 0];
}

function summarise(counts: RatingCounts, requested: number, responded: number): CsatSummary {
  const ratings = counts.reduce((a, b) => a + b, 0);
  const sum = counts.reduce((a, c, i) => a + c * (i + 1), 0);
  return { counts, ratings, average: ratings ? sum / ratings : null, requested, responded, responseRate: requested ? responded / requested : null };
}

export function shapeCsat(period: Period, ratingRows: CsatRatingRow[], requestRows: CsatRequestRow[], names: Map<string, string>): CsatDistribution {
  const overall = emptyCounts();
  const perAgent = new Map<string, { counts: RatingCounts; requested: number; responded: number }>();
  const entry = (id: string) => {
    let e = perAgent.get(id);
    if (!e) perAgent.set(id, (e = { counts: emptyCounts(), requested: 0, responded: 0 }));
    return e;
  };
  for (const r of ratingRows) {
    if (r.rating < 1 || r.rating > 5) continue;
    overall[r.rating - 1] += r.count;
    if (r.agentId) entry(r.agentId).counts[r.rating - 1] += r.count;
  }
  let requested = 0;
  let responded = 0;
  for (const r of requestRows) {
    requested += r.requested;
    responded += r.responded;
    if (r.agentId) {
      const e = entry(r.agentId);
      e.requested += r.requested;
      e.responded += r.responded;
    }
  }
  const agents = [...perAgent.entries()]
    .map(([agentId, e]) => ({ agentId, displayName: names.get(agentId) ?? 'Former agent', ...summarise(e.counts, e.requested, e.responded) }))
    .sort((a, b) => a.displayName.localeCompare(b.displayName) || (a.agentId < b.agentId ? -1 : 1));
  return { period, overall: summarise(overall, requested, responded), agents };
}

/** Every local day (in `timeZone`) of the period, with zeros (and null means) on days without rows. */
export function fillDays<T extends { day: string }>(period: Period, rows: T[], empty: (day: string) => T, timeZone = 'UTC'): T[] {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return daysOf(period, timeZone).map((d) => byDay.get(d) ?? empty(d));
}

export const emptySentimentDay = (day: string): SentimentDay => ({ day, resolved: 0, conversations: 0, firstMean: null, lastMean: null, changeConversations: 0, changeMean: null });
export const emptyVolumeDay = (day: string): VolumeDay => ({ day, created: 0, resolved: 0 });

/**
 * `day`, `week` (ISO, Monday to Monday) or `month` for a whole calendar period in `timeZone` (so a DST
 * day of 23 or 25 hours is still a day), else `custom`. A period stored under another zone keeps its
 * boundaries and reads as `custom`.
 */
export function periodKind(p: Period, timeZone = 'UTC'): ScorePeriod['kind'] {
  return calendarKind(p, timeZone);
}

/** The ranking lines of stored scores (already ranked by crm/scores), with the agents' names. */
export function rankAgents(scores: AgentScore[], people: Map<string, { displayName: string; email: string | null }>): RankedAgent[] {
  let rank = 0;
  return scores.map((s) => {
    const person = people.get(s.agentId);
    return {
      rank: s.composite === null ? null : ++rank,
      agentId: s.agentId,
      displayName: person?.displayName ?? 'Former agent',
      email: person?.email ?? null,
      composite: s.composite,
      components: s.components.map((c) => ({ key: c.key, label: c.label, value: c.value, included: c.included, reason: c.reason, subscore: c.subscore, weight: c.weight, effectiveWeight: c.effectiveWeight, points: c.points })),
      figures: s.figures,
    };
  });
}

/** Aligns score rows on their periods (oldest first); agents ordered by their latest composite, high first. */
export function shapeTeamTrend(kind: TeamScoreTrend['kind'], rows: Array<{ agentId: string; start: Date; end: Date; composite: number | null }>, names: Map<string, string>): TeamScoreTrend {
  const periodKeys = [...new Set(rows.map((r) => `${r.start.toISOString()}|${r.end.toISOString()}`))].sort((a, b) => (a.split('|')[1] < b.split('|')[1] ? -1 : a.split('|')[1] > b.split('|')[1] ? 1 : 0));
  const index = new Map(periodKeys.map((k, i) => [k, i]));
  const agents = new Map<string, Array<number | null>>();
  for (const r of rows) {
    let line = agents.get(r.agentId);
    if (!line) agents.set(r.agentId, (line = periodKeys.map(() => null)));
    line[index.get(`${r.start.toISOString()}|${r.end.toISOString()}`)!] = r.composite;
  }
  const latest = (xs: Array<number | null>) => [...xs].reverse().find((x) => x !== null) ?? -1;
  return {
    kind,
    periods: periodKeys.map((k) => ({ start: new Date(k.split('|')[0]), end: new Date(k.split('|')[1]) })),
    agents: [...agents.entries()]
      .map(([agentId, composites]) => ({ agentId, displayName: names.get(agentId) ?? 'Former agent', composites }))
      .sort((a, b) => latest(b.composites) - latest(a.composites) || a.displayName.localeCompare(b.displayName)),
  };
}
