/**
 * Agent score evaluation over a large synthetic history on real PostgreSQL.
 *
 * Creates a scratch database, applies the migrations (openDatabase), generates N tickets for A agents
 * over a 30-day month with their events (created, assigned, transferred, customer and agent messages,
 * resolved, reopened, CSAT requested and given, closed) entirely in SQL (INSERT … SELECT
 * generate_series; deterministic hash-based "randomness"), then times AgentEvaluationService.evaluate
 * for the whole month (every ticket) and for one day (the nightly job), and prints the times and the
 * peak memory of this process and of PostgreSQL's backends. The database is dropped at the end.
 *
 *   npm run bench:scores -- [--tickets 1000000] [--agents 200] [--keep]
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { Client } from 'pg';
import { openDatabase } from '../crm/db';
import { AgentEvaluationService } from '../crm/scores';
import { createScratchDatabase } from '../test/support/database';
import { peakRssMb } from './lib/memory';

const { values } = parseArgs({
  options: { tickets: { type: 'string', default: '1000000' }, agents: { type: 'string', default: '200' }, keep: { type: 'boolean', default: false } },
});
const TICKETS = Number(values.tickets);
const AGENTS = Number(values.agents);
const MONTH_START = '2026-10-01T00:00:00Z';
const MONTH = { start: new Date(MONTH_START), end: new Date('2026-10-31T00:00:00Z') };
const DAY = { start: new Date('2026-10-15T00:00:00Z'), end: new Date('2026-10-16T00:00:00Z') };
const AS_OF = new Date('2026-11-05T00:00:00Z');

const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** Per-ticket draws: u(n, k) is a deterministic uniform in [0, 1) for ticket number n and draw k. */
const SETUP = `
create or replace function bench_u(n bigint, k int) returns float8 language sql immutable parallel safe
  as $$ select (hashint8extended(n, k) & 2147483647)::float8 / 2147483648 $$;
create or replace function bench_agent(i int) returns uuid language sql immutable parallel safe
  as $$ select ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid $$;
create or replace function bench_customer(i int) returns uuid language sql immutable parallel safe
  as $$ select ('10000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid $$;
`;

/**
 * Ticket n: agent a = n mod A (final owner), agent quality q = a / (A − 1) shapes its timings,
 * transfers, reopens, CSAT and sentiment so that agents' scores differ.
 */
function ticketsSql(n: number, agents: number): string {
  return `
insert into tickets (id, number, customer_id, channel, conversation_id, queue_id, category, priority, priority_score, subject,
  status, assigned_agent_id, created_at, updated_at, assigned_at, first_response_at, first_response_due_at, resolution_due_at,
  resolved_at, closed_at, reopen_count)
select gen_random_uuid(), n, bench_customer((n % 20000)::int), 'directline', 'bench-' || n, 'general', 'general', 'normal', 50, 'bench ticket ' || n,
  'closed', bench_agent((n % ${agents})::int), created, created, assigned, first_resp, created + interval '15 minutes', created + interval '24 hours',
  resolved, resolved + interval '1 day', case when reopened then 1 else 0 end
from (
  select n, created, assigned, first_resp, reopened,
    first_resp + make_interval(secs => 600 + bench_u(n, 6) * (3600 + 36000 * (1 - q))) + case when reopened then interval '2 hours' else interval '0' end as resolved
  from (
    select n, q, created, assigned, reopened,
      assigned + make_interval(secs => 20 + bench_u(n, 5) * (60 + 1500 * (1 - q))) as first_resp
    from (
      select n, q, created,
        created + make_interval(secs => bench_u(n, 4) * 300) as assigned,
        bench_u(n, 8) < 0.02 + 0.08 * (1 - q) as reopened
      from (
        select n, ((n % ${agents})::float8 / ${Math.max(1, agents - 1)}) as q,
          '${MONTH_START}'::timestamptz + make_interval(secs => bench_u(n, 3) * 27 * 86400) as created
        from generate_series(1, ${n}) as n
      ) a
    ) b
  ) c0
) t;
`;
}

/** All events of every ticket, derived from the ticket row and the same draws. */
function eventsSql(fromNumber: number, toNumber: number, agents: number): string {
  const range = `t.number between ${fromNumber} and ${toNumber}`;
  const q = `((t.number % ${agents})::float8 / ${Math.max(1, agents - 1)})`;
  const transferred = `bench_u(t.number, 7) < 0.02 + 0.06 * (1 - ${q})`;
  const fromAgent = `bench_agent(((t.number + 1) % ${agents})::int)`;
  const firstResolved = `case when t.reopen_count > 0 then t.resolved_at - interval '2 hours' else t.resolved_at end`;
  return `
insert into ticket_events (ticket_id, type, actor, data, at)
select t.id, 'created', 'bot', '{}'::jsonb, t.created_at from tickets t where ${range}
union all
select t.id, 'assigned', 'system', jsonb_build_object('agentId', case when ${transferred} then ${fromAgent} else t.assigned_agent_id end, 'reason', 'routing'), t.assigned_at
  from tickets t where ${range}
union all
select t.id, 'transferred', ${fromAgent}::text, jsonb_build_object('fromAgentId', ${fromAgent}, 'toAgentId', t.assigned_agent_id), t.assigned_at + interval '10 seconds'
  from tickets t where ${range} and ${transferred}
union all
select t.id, 'customer_message', 'customer',
  jsonb_build_object('sentiment', round((least(1, greatest(-1,
    (-0.6 + 0.4 * bench_u(t.number, 10)) + (i - 1)::float8 / greatest(1, m - 1) * (-0.2 + 0.9 * ${q} + 0.3 * bench_u(t.number, 11))
  )))::numeric, 3)),
  t.created_at + make_interval(secs => (i - 1)::float8 / m * extract(epoch from (${firstResolved}) - t.created_at))
  from tickets t
  cross join lateral (select 1 + floor(bench_u(t.number, 9) * 4)::int as m) mm
  cross join lateral generate_series(1, mm.m) as i
  where ${range}
union all
select t.id, 'agent_message', t.assigned_agent_id::text, jsonb_build_object('agentId', t.assigned_agent_id), t.first_response_at from tickets t where ${range}
union all
select t.id, 'agent_message', t.assigned_agent_id::text, jsonb_build_object('agentId', t.assigned_agent_id), (${firstResolved}) - interval '1 minute' from tickets t where ${range}
union all
select t.id, 'resolved', t.assigned_agent_id::text, jsonb_build_object('agentId', t.assigned_agent_id), ${firstResolved} from tickets t where ${range}
union all
select t.id, 'reopened', 'customer', '{}'::jsonb, t.resolved_at - interval '1 hour' from tickets t where ${range} and t.reopen_count > 0
union all
select t.id, 'resolved', t.assigned_agent_id::text, jsonb_build_object('agentId', t.assigned_agent_id), t.resolved_at from tickets t where ${range} and t.reopen_count > 0
union all
select t.id, 'csat_requested', 'bot', jsonb_build_object('agentId', t.assigned_agent_id), t.resolved_at + interval '1 second' from tickets t where ${range}
union all
select t.id, 'csat', 'customer', jsonb_build_object('rating', least(5, 1 + floor(bench_u(t.number, 13) * 3 + 2.5 * ${q})::int), 'agentId', t.assigned_agent_id),
  t.resolved_at + interval '5 minutes' from tickets t where ${range} and bench_u(t.number, 12) < 0.35
union all
select t.id, 'closed', 'system', '{}'::jsonb, t.closed_at from tickets t where ${range};
`;
}

async function main() {
  const scratch = await createScratchDatabase('concierge_bench_scores');
  // One connection, so that the evaluation's server-side CPU time can be read from its backend process.
  const database = await openDatabase({ url: scratch.url, poolSize: 1 });
  console.log(`scores benchmark: ${TICKETS.toLocaleString('en')} tickets for ${AGENTS} agents, PostgreSQL (scratch database ${scratch.name})`);
  try {
    // Generation: plain SQL on dedicated connections (two in parallel for the events, one per core).
    const admin = new Client({ connectionString: scratch.url });
    admin.on('error', () => undefined);
    await admin.connect();
    const genStart = performance.now();
    await admin.query(SETUP);
    await admin.query(`
      insert into users (id, email, display_name, role, password_hash)
        select bench_agent(i), 'agent' || i || '@bench.local', 'Agent ' || i, 'agent', 'x' from generate_series(0, ${AGENTS - 1}) i;
      insert into agents (user_id, status) select bench_agent(i), 'online' from generate_series(0, ${AGENTS - 1}) i;
      insert into queues (id, name, categories, is_default) values ('general', 'General', '{general}', true);
      insert into customers (id, display_name) select bench_customer(i), 'bench-customer-' || i from generate_series(0, 19999) i;
    `);
    // The RI triggers are skipped for the bulk load only: every referenced row is generated above.
    await admin.query(`set session_replication_role = replica; set work_mem = '256MB'`);
    await admin.query(ticketsSql(TICKETS, AGENTS));
    const ticketsMs = performance.now() - genStart;
    // Secondary indexes are built once after the load (a sort) rather than maintained row by row,
    // from their definitions as the migrations created them.
    const indexDefs = (
      await admin.query<{ indexdef: string; indexname: string }>(
        `select indexname, indexdef from pg_indexes where schemaname = 'public' and tablename = 'ticket_events' and indexname <> 'ticket_events_pkey'`,
      )
    ).rows;
    for (const ix of indexDefs) await admin.query(`drop index "${ix.indexname}"`);
    const half = Math.ceil(TICKETS / 2);
    const parts = [
      [1, half],
      [half + 1, TICKETS],
    ].filter(([a, b]) => a <= b);
    await Promise.all(
      parts.map(async ([a, b]) => {
        const c = new Client({ connectionString: scratch.url });
        c.on('error', () => undefined);
        await c.connect();
        try {
          await c.query(`set session_replication_role = replica; set work_mem = '256MB'`);
          await c.query(eventsSql(a, b, AGENTS));
        } finally {
          await c.end();
        }
      }),
    );
    await admin.query(`set maintenance_work_mem = '1GB'`);
    await Promise.all(
      indexDefs.map(async (ix) => {
        const c = new Client({ connectionString: scratch.url });
        c.on('error', () => undefined);
        await c.connect();
        try {
          await c.query(`set maintenance_work_mem = '1GB'`);
          await c.query(ix.indexdef);
        } finally {
          await c.end();
        }
      }),
    );
    const eventsMs = performance.now() - genStart - ticketsMs;
    await admin.query('vacuum analyze tickets');
    await admin.query('vacuum analyze ticket_events');
    const genMs = performance.now() - genStart;
    const counts = await admin.query<{ tickets: string; events: string; size: string }>(
      `select (select count(*) from tickets) as tickets, (select count(*) from ticket_events) as events,
        pg_size_pretty(pg_total_relation_size('tickets') + pg_total_relation_size('ticket_events')) as size`,
    );
    const c = counts.rows[0];
    console.log(
      `generate    ${Number(c.tickets).toLocaleString('en')} tickets + ${Number(c.events).toLocaleString('en')} events (${c.size} with indexes) in ${seconds(genMs)} s (tickets ${seconds(ticketsMs)} s, events ${seconds(eventsMs)} s)`,
    );

    const service = new AgentEvaluationService(database.db);
    const backendPid = Number(((await database.db.execute(sql`select pg_backend_pid() as pid`)) as unknown as { rows: Array<{ pid: number }> }).rows[0].pid);
    /** CPU seconds used so far by the PostgreSQL backend serving the evaluation (Linux, server on this machine), or null. */
    const backendCpu = (): number | null => {
      try {
        const f = fs.readFileSync(`/proc/${backendPid}/stat`, 'utf8').split(') ')[1].split(' ');
        // utime + stime, in clock ticks (USER_HZ = 100 on Linux)
        return (Number(f[11]) + Number(f[12])) / 100;
      } catch {
        return null;
      }
    };
    const rssBefore = peakRssMb();
    const tempBytes = async () =>
      Number((await admin.query<{ b: string }>(`select temp_bytes as b from pg_stat_database where datname = current_database()`)).rows[0].b);
    const tempBefore = await tempBytes();
    for (const [label, period] of [
      ['month', MONTH],
      ['one day', DAY],
    ] as const) {
      const load0 = os.loadavg()[0];
      const cpu0 = backendCpu();
      const t0 = performance.now();
      const scores = await service.evaluate(period, { asOf: AS_OF });
      const ms = performance.now() - t0;
      const cpu1 = backendCpu();
      const cpu = cpu0 !== null && cpu1 !== null ? `, PostgreSQL backend CPU ${(cpu1 - cpu0).toFixed(1)} s` : '';
      const handled = scores.reduce((s, x) => s + x.figures.ticketsHandled, 0);
      const composites = scores.map((s) => s.composite).filter((x): x is number => x !== null);
      console.log(
        `evaluate    ${label.padEnd(11)} ${period.start.toISOString().slice(0, 10)}..${period.end.toISOString().slice(0, 10)}: ${scores.length} agents, ${handled.toLocaleString('en')} tickets handled in ${seconds(ms)} s${cpu}` +
          ` (machine load average ${load0.toFixed(1)}; composite min ${Math.min(...composites)} max ${Math.max(...composites)})`,
      );
    }
    const top = (await service.latest())[0];
    console.log(`top agent   ${top.agentId}: composite ${top.composite}; median first response ${top.figures.firstResponseMedianSeconds?.toFixed(0)} s, CSAT ${top.figures.csatAverage?.toFixed(2)}`);
    const spilled = (await tempBytes()) - tempBefore;
    await admin.end();
    console.log(
      `memory      peak RSS of this process ${peakRssMb().toFixed(0)} MB (${rssBefore.toFixed(0)} MB before evaluating); PostgreSQL work_mem 256MB per sort/hash, temp files written while evaluating ${(spilled / 1048576).toFixed(0)} MB`,
    );
  } finally {
    await database.close();
    if (values.keep) console.log(`kept database ${scratch.url}`);
    else await scratch.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
