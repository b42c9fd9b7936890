/**
 * The SQL behind the supervisor reports: read-only, set-based, one statement per report. Every
 * result column is cast (int, float8) so both drivers (node-postgres, PGlite) return numbers.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db';
import type { Period } from '../scores';
import type { CsatRatingRow, CsatRequestRow, QueueAgentRow, QueueTicketRow } from './shape';
import type { SentimentDay, VolumeDay } from './types';

const OPEN = sql`('new', 'assigned', 'pending_customer', 'reopened')`;

function ts(d: Date): SQL {
  return sql`${d.toISOString()}::timestamptz`;
}

function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Open tickets per queue. A target is pending while it can still be missed: the first response until
 * there is one, the resolution always (the ticket is open). Breached: a pending due time has passed,
 * or the SLA job recorded a breach of a pending target. At risk (and not breached): a pending due time
 * falls within the horizon, or the SLA job warned about a pending target.
 */
export async function queueTicketRows(db: DbOrTx, now: Date, horizonMinutes: number): Promise<QueueTicketRow[]> {
  const horizon = new Date(now.getTime() + horizonMinutes * 60_000);
  const slaEvent = (type: string) => sql`exists (
    select 1 from ticket_events e where e.ticket_id = t.id and e.type = ${type}
      and (e.data->>'kind' = 'resolution' or (e.data->>'kind' = 'first_response' and t.first_response_at is null)))`;
  const result = await db.execute(sql`
    with open_tickets as (
      select t.queue_id,
        (t.assigned_agent_id is null and t.status in ('new', 'reopened')) as waiting,
        ((t.first_response_at is null and t.first_response_due_at <= ${ts(now)}) or t.resolution_due_at <= ${ts(now)} or ${slaEvent('sla_breached')}) as breached,
        ((t.first_response_at is null and t.first_response_due_at <= ${ts(horizon)}) or t.resolution_due_at <= ${ts(horizon)} or ${slaEvent('sla_warning')}) as near,
        greatest(t.created_at, (select max(r.at) from ticket_events r where r.ticket_id = t.id and r.type = 'reopened')) as waiting_since
      from tickets t
      where t.status in ${OPEN}
    )
    select queue_id,
      count(*)::int as backlog,
      count(*) filter (where waiting)::int as waiting,
      count(*) filter (where near and not breached)::int as at_risk,
      count(*) filter (where breached)::int as breached,
      extract(epoch from (${ts(now)} - min(waiting_since) filter (where waiting)))::float8 as oldest_waiting_seconds
    from open_tickets
    group by queue_id
  `);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({
    queueId: String(r.queue_id),
    backlog: num(r.backlog),
    waiting: num(r.waiting),
    slaAtRisk: num(r.at_risk),
    slaBreached: num(r.breached),
    oldestWaitingSeconds: numOrNull(r.oldest_waiting_seconds) === null ? null : Math.max(0, Number(r.oldest_waiting_seconds)),
  }));
}

const AGENT_FIGURES = sql`
  count(*)::int as online_agents,
  coalesce(sum(a.max_concurrent), 0)::int as capacity,
  coalesce(sum(a.active_tickets), 0)::int as active_tickets,
  coalesce(sum(greatest(a.max_concurrent - a.active_tickets, 0)), 0)::int as free_capacity`;

/** Online members per queue (an agent in two queues counts in both) and, once each, over all queues. */
export async function queueAgentRows(db: DbOrTx): Promise<{ perQueue: QueueAgentRow[]; total: Omit<QueueAgentRow, 'queueId'> }> {
  const perQueue = await db.execute(sql`
    select m.queue_id, ${AGENT_FIGURES}
    from queue_members m join agents a on a.user_id = m.user_id
    where a.status = 'online'
    group by m.queue_id
  `);
  const total = await db.execute(sql`select ${AGENT_FIGURES} from agents a where a.status = 'online'`);
  const shape = (r: Record<string, unknown>) => ({ onlineAgents: num(r.online_agents), capacity: num(r.capacity), activeTickets: num(r.active_tickets), freeCapacity: num(r.free_capacity) });
  const [t] = rowsOf<Record<string, unknown>>(total);
  return {
    perQueue: rowsOf<Record<string, unknown>>(perQueue).map((r) => ({ queueId: String(r.queue_id), ...shape(r) })),
    total: t ? shape(t) : { onlineAgents: 0, capacity: 0, activeTickets: 0, freeCapacity: 0 },
  };
}

export async function queueList(db: DbOrTx): Promise<Array<{ id: string; name: string }>> {
  const result = await db.execute(sql`select id, name from queues order by id`);
  return rowsOf<{ id: string; name: string }>(result);
}

/**
 * CSAT ratings of the period: per ticket and agent, the latest rating given before the period's end
 * counts, in the period when it was given in it (a re-rating replaces, never doubles). Ratings must
 * be whole numbers 1–5. `agentId` null: a rating not tied to an agent (counted overall only).
 */
export async function csatRatingRows(db: DbOrTx, period: Period): Promise<CsatRatingRow[]> {
  const result = await db.execute(sql`
    select e.data->>'agentId' as agent_id, (e.data->>'rating')::float8::int as rating, count(*)::int as n
    from ticket_events e
    where e.type = 'csat' and e.at >= ${ts(period.start)} and e.at < ${ts(period.end)}
      and jsonb_typeof(e.data->'rating') = 'number'
      and (e.data->>'rating')::float8 in (1, 2, 3, 4, 5)
      and not exists (
        select 1 from ticket_events l
        where l.ticket_id = e.ticket_id and l.type = 'csat' and (l.data->>'agentId') is not distinct from (e.data->>'agentId')
          and l.at < ${ts(period.end)} and (l.at > e.at or (l.at = e.at and l.id > e.id))
          and jsonb_typeof(l.data->'rating') = 'number' and (l.data->>'rating')::float8 in (1, 2, 3, 4, 5)
      )
    group by 1, 2
  `);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({ agentId: (r.agent_id as string | null) ?? null, rating: num(r.rating), count: num(r.n) }));
}

/**
 * CSAT requests of the period (distinct tickets per agent with a `csat_requested` event in it) and
 * how many of those tickets the customer rated for that agent at or after the request, before `asOf`.
 */
export async function csatRequestRows(db: DbOrTx, period: Period, asOf: Date): Promise<CsatRequestRow[]> {
  const result = await db.execute(sql`
    with requests as (
      select r.ticket_id, r.data->>'agentId' as agent_id, min(r.at) as requested_at
      from ticket_events r
      where r.type = 'csat_requested' and r.at >= ${ts(period.start)} and r.at < ${ts(period.end)}
      group by 1, 2
    )
    select q.agent_id, count(*)::int as requested,
      count(*) filter (where exists (
        select 1 from ticket_events c
        where c.ticket_id = q.ticket_id and c.type = 'csat' and (c.data->>'agentId') is not distinct from q.agent_id
          and c.at >= q.requested_at and c.at < ${ts(asOf)} and jsonb_typeof(c.data->'rating') = 'number'
      ))::int as responded
    from requests q
    group by 1
  `);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({ agentId: (r.agent_id as string | null) ?? null, requested: num(r.requested), responded: num(r.responded) }));
}

/**
 * Per local day in `timeZone` (an IANA name, passed as a parameter): tickets whose last resolution in
 * the period fell on it, and the customers' sentiment
 * over those conversations: first and last customer message with a numeric sentiment up to that
 * resolution (ordered by time, then event id), their means, and the mean change over conversations
 * with two or more such messages (as crm/scores counts the sentiment change).
 */
export async function sentimentDayRows(db: DbOrTx, period: Period, timeZone: string): Promise<SentimentDay[]> {
  const result = await db.execute(sql`
    with res as (
      select e.ticket_id, max(e.at) as resolved_at
      from ticket_events e
      where e.type = 'resolved' and e.at >= ${ts(period.start)} and e.at < ${ts(period.end)}
      group by 1
    ),
    per_ticket as (
      select r.ticket_id, r.resolved_at, count(m.id)::int as n,
        (array_agg((m.data->>'sentiment')::float8 order by m.at, m.id) filter (where m.id is not null))[1] as first_s,
        (array_agg((m.data->>'sentiment')::float8 order by m.at desc, m.id desc) filter (where m.id is not null))[1] as last_s
      from res r
      left join ticket_events m on m.ticket_id = r.ticket_id and m.type = 'customer_message'
        and jsonb_typeof(m.data->'sentiment') = 'number' and m.at <= r.resolved_at
      group by 1, 2
    )
    select to_char(resolved_at at time zone ${timeZone}, 'YYYY-MM-DD') as day,
      count(*)::int as resolved,
      count(*) filter (where n >= 1)::int as conversations,
      avg(first_s)::float8 as first_mean,
      avg(last_s)::float8 as last_mean,
      count(*) filter (where n >= 2)::int as change_conversations,
      (avg(last_s - first_s) filter (where n >= 2))::float8 as change_mean
    from per_ticket
    group by 1
    order by 1
  `);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({
    day: String(r.day),
    resolved: num(r.resolved),
    conversations: num(r.conversations),
    firstMean: numOrNull(r.first_mean),
    lastMean: numOrNull(r.last_mean),
    changeConversations: num(r.change_conversations),
    changeMean: numOrNull(r.change_mean),
  }));
}

/** Per local day in `timeZone`: tickets created, and distinct tickets with a `resolved` event. */
export async function volumeDayRows(db: DbOrTx, period: Period, timeZone: string): Promise<VolumeDay[]> {
  const result = await db.execute(sql`
    with created as (
      select to_char(t.created_at at time zone ${timeZone}, 'YYYY-MM-DD') as day, count(*)::int as n
      from tickets t where t.created_at >= ${ts(period.start)} and t.created_at < ${ts(period.end)}
      group by 1
    ),
    resolved as (
      select to_char(e.at at time zone ${timeZone}, 'YYYY-MM-DD') as day, count(distinct e.ticket_id)::int as n
      from ticket_events e where e.type = 'resolved' and e.at >= ${ts(period.start)} and e.at < ${ts(period.end)}
      group by 1
    )
    select coalesce(c.day, r.day) as day, coalesce(c.n, 0)::int as created, coalesce(r.n, 0)::int as resolved
    from created c full join resolved r on r.day = c.day
    order by 1
  `);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({ day: String(r.day), created: num(r.created), resolved: num(r.resolved) }));
}

/** Stored evaluation periods, latest end first (then shortest), with the number of agents scored. */
export async function scorePeriodRows(db: DbOrTx, limit: number): Promise<Array<Period & { agents: number }>> {
  const result = await db.execute(sql`
    select period_start, period_end, count(*)::int as agents
    from agent_scores
    group by 1, 2
    order by period_end desc, period_start desc
    limit ${limit}
  `);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({ start: new Date(r.period_start as string), end: new Date(r.period_end as string), agents: num(r.agents) }));
}

/** Display names and emails of agents (including the disabled: their scores stay on record). */
export async function agentPeople(db: DbOrTx): Promise<Map<string, { displayName: string; email: string | null }>> {
  const result = await db.execute(sql`select a.user_id, u.display_name, u.email from agents a join users u on u.id = a.user_id`);
  return new Map(rowsOf<Record<string, unknown>>(result).map((r) => [String(r.user_id), { displayName: String(r.display_name), email: (r.email as string | null) ?? null }]));
}

/** Distinct stored periods lasting between `minMs` and `maxMs` (inclusive), latest end first. */
export async function storedPeriodsOfLength(db: DbOrTx, minMs: number, maxMs: number): Promise<Period[]> {
  const result = await db.execute(sql`
    select distinct period_start, period_end from agent_scores
    where extract(epoch from (period_end - period_start)) * 1000 between ${minMs} and ${maxMs}
    order by period_end desc, period_start desc
  `);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({ start: new Date(r.period_start as string), end: new Date(r.period_end as string) }));
}

/** Composites of every agent over exactly these stored periods (oldest first). */
export async function scoreTrendRows(db: DbOrTx, periods: Period[]): Promise<Array<{ agentId: string; start: Date; end: Date; composite: number | null }>> {
  if (!periods.length) return [];
  const wanted = sql.join(
    periods.map((p) => sql`(${ts(p.start)}, ${ts(p.end)})`),
    sql`, `,
  );
  const result = await db.execute(sql`
    select s.agent_id, s.period_start, s.period_end, s.composite::float8 as composite
    from agent_scores s
    where (s.period_start, s.period_end) in (${wanted})
    order by s.period_end, s.agent_id
  `);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({ agentId: String(r.agent_id), start: new Date(r.period_start as string), end: new Date(r.period_end as string), composite: numOrNull(r.composite) }));
}
