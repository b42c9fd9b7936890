/**
 * The SQL aggregation behind agent scores: one set-based pass over tickets and ticket_events for a
 * period, giving every agent's figures (crm/scores/README.md defines each). No scoring math here.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db';
import type { AgentFigures, Period } from './types';

/** Event types the aggregation reads (the (type, at) index serves the period filters). */
const PER_TICKET_EVENT_TYPES = ['customer_message', 'csat_requested', 'csat', 'reopened'];

/** One handled ticket (agent × ticket resolved by that agent in the period), as the figures see it. */
export interface TicketFacts {
  ticketId: string;
  ticketNumber: number;
  agentId: string;
  /** The agent's last `resolved` event on the ticket within the period. */
  resolvedAt: Date;
  /** firstResponseAt − assignedAt in seconds; null when there was no first response at or after the assignment. */
  firstResponseSeconds: number | null;
  /** resolvedAt − createdAt in seconds. */
  resolutionSeconds: number;
  firstResponseTargetMet: boolean;
  resolutionTargetMet: boolean;
  csatRequested: boolean;
  /** The latest CSAT rating for this agent on the ticket (before asOf). */
  csatRating: number | null;
  /** A `reopened` event after the agent's first resolution of the ticket in the period. */
  reopenedAfterResolution: boolean;
  /** Customer messages with a numeric sentiment up to the agent's resolution. */
  customerMessages: number;
  firstSentiment: number | null;
  lastSentiment: number | null;
}

function ts(d: Date): SQL {
  return sql`${d.toISOString()}::timestamptz`;
}

/**
 * Per handled ticket facts. `agentId` restricts to one agent (for drill-down); the evaluation runs it
 * for everyone. Rows: ticket_id, number, agent_id, resolved_at, frt, rt, fr_met, res_met, requested,
 * csat, reopened, msgs, first_sentiment, last_sentiment.
 */
function perTicketSql(period: Period, asOf: Date, agentId?: string): SQL {
  const agentFilter = agentId === undefined ? sql`` : sql` and e.data->>'agentId' = ${agentId}`;
  const types = sql.join(
    PER_TICKET_EVENT_TYPES.map((t) => sql`${t}`),
    sql`, `,
  );
  return sql`
    res as (
      select e.ticket_id, (e.data->>'agentId') collate "C" as agent_id, min(e.at) as first_resolved_at, max(e.at) as resolved_at
      from ticket_events e
      where e.type = 'resolved' and e.at >= ${ts(period.start)} and e.at < ${ts(period.end)} and e.at < ${ts(asOf)}
        and e.data->>'agentId' is not null${agentFilter}
      group by 1, 2
    ),
    facts as (
      select r.ticket_id, r.agent_id, r.resolved_at,
        count(e.sentiment) filter (where e.at <= r.resolved_at) as msgs,
        min(array[date_part('epoch', e.at), e.id::float8, e.sentiment]) filter (where e.sentiment is not null and e.at <= r.resolved_at) as first_msg,
        max(array[date_part('epoch', e.at), e.id::float8, e.sentiment]) filter (where e.sentiment is not null and e.at <= r.resolved_at) as last_msg,
        coalesce(bool_or(e.type = 'csat_requested' and e.agent_id = r.agent_id), false) as requested,
        max(array[date_part('epoch', e.at), e.id::float8, e.rating]) filter (where e.rating is not null and e.agent_id = r.agent_id) as last_csat,
        coalesce(bool_or(e.type = 'reopened' and e.at > r.first_resolved_at), false) as reopened
      from res r
      left join (
        -- each event's JSON is read once, here
        select e.ticket_id, e.type, e.at, e.id,
          case when e.type = 'customer_message' and jsonb_typeof(e.data->'sentiment') = 'number' then (e.data->>'sentiment')::float8 end as sentiment,
          case when e.type = 'csat' and jsonb_typeof(e.data->'rating') = 'number' then (e.data->>'rating')::float8 end as rating,
          case when e.type in ('csat', 'csat_requested') then (e.data->>'agentId') collate "C" end as agent_id
        from ticket_events e
        where e.at < ${ts(asOf)} and e.type in (${types})
      ) e on e.ticket_id = r.ticket_id
      group by r.ticket_id, r.agent_id, r.first_resolved_at, r.resolved_at
    ),
    -- materialized: the per-agent sort below then moves these narrow rows, not the arrays behind them
    per_ticket as materialized (
      select f.ticket_id, t.number, f.agent_id, f.resolved_at,
        case when t.first_response_at >= coalesce(t.assigned_at, t.created_at)
          then date_part('epoch', t.first_response_at - coalesce(t.assigned_at, t.created_at)) end as frt,
        date_part('epoch', f.resolved_at - t.created_at) as rt,
        coalesce(t.first_response_at, f.resolved_at) <= t.first_response_due_at as fr_met,
        f.resolved_at <= t.resolution_due_at as res_met,
        f.requested,
        f.last_csat[3] as csat,
        f.reopened,
        f.msgs,
        f.first_msg[3] as first_sentiment,
        f.last_msg[3] as last_sentiment
      from facts f
      join tickets t on t.id = f.ticket_id
    )`;
}

interface AggregateRow {
  agent_id: string;
  handled: string | number | null;
  frt_n: string | number | null;
  frt_median: number | null;
  frt_p90: number | null;
  rt_median: number | null;
  rt_p90: number | null;
  rt_mean: number | null;
  fr_met: string | number | null;
  res_met: string | number | null;
  sla_met: string | number | null;
  csat_n: string | number | null;
  csat_sum: number | null;
  requested: string | number | null;
  responded: string | number | null;
  reopened: string | number | null;
  sent_n: string | number | null;
  sent_change: number | null;
  held: string | number;
  transferred_away: string | number;
}

function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

const int = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));
const num = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/**
 * Every agent's figures for the period: agents who held or resolved at least one ticket in it (and
 * still exist in `agents`). Events at or after `asOf` are ignored. Sorted by agent id.
 */
export async function aggregateAgentFigures(db: DbOrTx, period: Period, asOf: Date): Promise<Array<{ agentId: string; figures: AgentFigures }>> {
  const result = await db.execute(agentFiguresQuery(period, asOf));
  return rowsOf<AggregateRow>(result).map((r) => ({ agentId: r.agent_id, figures: toFigures(r) }));
}

/** The aggregation statement itself (exported for EXPLAIN in benchmarks). */
export function agentFiguresQuery(period: Period, asOf: Date): SQL {
  return sql`
    with ${perTicketSql(period, asOf)},
    handled as (
      select agent_id,
        count(*) as handled,
        count(frt) as frt_n,
        percentile_cont(0.5) within group (order by frt) as frt_median,
        percentile_cont(0.9) within group (order by frt) as frt_p90,
        percentile_cont(0.5) within group (order by rt) as rt_median,
        percentile_cont(0.9) within group (order by rt) as rt_p90,
        avg(rt) as rt_mean,
        count(*) filter (where fr_met) as fr_met,
        count(*) filter (where res_met) as res_met,
        count(*) filter (where fr_met and res_met) as sla_met,
        count(csat) as csat_n,
        sum(csat) as csat_sum,
        count(*) filter (where requested) as requested,
        count(*) filter (where requested and csat is not null) as responded,
        count(*) filter (where reopened) as reopened,
        count(*) filter (where msgs >= 2) as sent_n,
        avg(last_sentiment - first_sentiment) filter (where msgs >= 2) as sent_change
      from per_ticket
      group by agent_id
    ),
    holdings as (
      select ticket_id, agent_id, bool_or(away) as away
      from (
        select e.ticket_id, (case when e.type = 'transferred' then e.data->>'toAgentId' else e.data->>'agentId' end) collate "C" as agent_id, false as away
        from ticket_events e
        where e.type in ('assigned', 'transferred', 'resolved') and e.at >= ${ts(period.start)} and e.at < ${ts(period.end)} and e.at < ${ts(asOf)}
        union all
        select e.ticket_id, (e.data->>'fromAgentId') collate "C", true
        from ticket_events e
        where e.type = 'transferred' and e.at >= ${ts(period.start)} and e.at < ${ts(period.end)} and e.at < ${ts(asOf)}
      ) x
      where agent_id is not null
      group by ticket_id, agent_id
    ),
    held as (
      select agent_id, count(*) as held, count(*) filter (where away) as transferred_away
      from holdings
      group by agent_id
    )
    select held.agent_id, held.held, held.transferred_away, h.handled, h.frt_n, h.frt_median, h.frt_p90, h.rt_median, h.rt_p90, h.rt_mean,
      h.fr_met, h.res_met, h.sla_met, h.csat_n, h.csat_sum, h.requested, h.responded, h.reopened, h.sent_n, h.sent_change
    from held
    join agents a on a.user_id::text collate "C" = held.agent_id
    left join handled h on h.agent_id = held.agent_id
    order by held.agent_id
  `;
}

function toFigures(r: AggregateRow): AgentFigures {
  const handled = int(r.handled);
  const slaMet = int(r.sla_met);
  const csatRatings = int(r.csat_n);
  const csatSum = num(r.csat_sum) ?? 0;
  const requested = int(r.requested);
  const responded = int(r.responded);
  const reopened = int(r.reopened);
  const held = int(r.held);
  const away = int(r.transferred_away);
  const sentN = int(r.sent_n);
  return {
    ticketsHandled: handled,
    firstResponseSamples: int(r.frt_n),
    firstResponseMedianSeconds: num(r.frt_median),
    firstResponseP90Seconds: num(r.frt_p90),
    resolutionMedianSeconds: num(r.rt_median),
    resolutionP90Seconds: num(r.rt_p90),
    resolutionMeanSeconds: num(r.rt_mean),
    slaFirstResponseMet: int(r.fr_met),
    slaResolutionMet: int(r.res_met),
    slaMet,
    slaCompliance: ratio(slaMet, handled),
    csatRatings,
    csatSum,
    csatAverage: ratio(csatSum, csatRatings),
    csatRequested: requested,
    csatResponded: responded,
    csatResponseRate: ratio(responded, requested),
    reopened,
    reopenRate: ratio(reopened, handled),
    ticketsHeld: held,
    transferredAway: away,
    transferRate: ratio(away, held),
    sentimentConversations: sentN,
    sentimentChangeAverage: sentN > 0 ? num(r.sent_change) : null,
  };
}

interface TicketRow {
  ticket_id: string;
  number: number;
  agent_id: string;
  resolved_at: Date | string;
  frt: number | null;
  rt: number;
  fr_met: boolean;
  res_met: boolean;
  requested: boolean;
  csat: number | null;
  reopened: boolean;
  msgs: string | number;
  first_sentiment: number | null;
  last_sentiment: number | null;
}

/** The handled tickets behind one agent's figures (drill-down), ordered by resolution time. */
export async function agentTicketFacts(db: DbOrTx, agentId: string, period: Period, asOf: Date): Promise<TicketFacts[]> {
  const result = await db.execute(sql`
    with ${perTicketSql(period, asOf, agentId)}
    select * from per_ticket order by resolved_at, number
  `);
  return rowsOf<TicketRow>(result).map((r) => ({
    ticketId: r.ticket_id,
    ticketNumber: Number(r.number),
    agentId: r.agent_id,
    resolvedAt: new Date(r.resolved_at),
    firstResponseSeconds: num(r.frt),
    resolutionSeconds: Number(r.rt),
    firstResponseTargetMet: Boolean(r.fr_met),
    resolutionTargetMet: Boolean(r.res_met),
    csatRequested: Boolean(r.requested),
    csatRating: num(r.csat),
    reopenedAfterResolution: Boolean(r.reopened),
    customerMessages: int(r.msgs),
    firstSentiment: num(r.first_sentiment),
    lastSentiment: num(r.last_sentiment),
  }));
}
