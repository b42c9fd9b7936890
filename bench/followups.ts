/**
 * The follow-up pipeline end to end on real PostgreSQL and Redis, with the workers in a process of
 * their own (bench/lib/workerProcess.ts: startWorkers, as `npm run start:workers`) and this process in
 * the web role (ticket service resolving, the `deliveries` consumer writing to Direct Line transcripts,
 * as bot/application.ts wires it):
 *
 *   resolve (CSAT_SURVEY_DELAY_SECONDS=0) → outbox rows → relay → `followups` job (csat_requested)
 *   → `deliveries` job → the survey card stored in the Direct Line transcript
 *
 *  1. steady: N website tickets resolved by C concurrent callers (Redis DB 10 of the main server, a
 *     queue prefix of its own);
 *  2. outage: the same on a scratch redis-server (append-only file, as production must run it) that is
 *     stopped after a third of the resolves and started again S seconds later: rows wait in the outbox,
 *     then drain;
 *  3. SLA timers: M tickets opened with 2 s / 4 s SLAs and never answered: breaches recorded, lateness.
 * Every figure is read back from the database (ticket, outbox, ticket event, delivery and transcript
 * timestamps); lost and duplicated surveys are counted per ticket from the transcripts. The scratch
 * database, the scratch Redis and the DB-10 keys of the run's prefix are removed at the end.
 *
 *   npm run bench:followups -- [--tickets 2000] [--outage-tickets 1000] [--outage-seconds 10]
 *                              [--concurrency 10] [--agents 20] [--sla-tickets 300] [--keep]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Client } from 'pg';
import { parseConfig } from '../config';
import { createCrm, DeliveryLog, openDatabase, type Database } from '../crm';
import { users } from '../crm/schema';
import { createSupport, defaultRoutingConfig, type RoutingConfig, type Support } from '../crm/support';
import { Delivery } from '../bot/delivery';
import { startDeliveryWorker } from '../bot/deliveryWorker';
import { TranscriptBus } from '../bot/directline/bus';
import { DirectLineAdapter } from '../bot/directline/adapter';
import { FollowUpRenderer } from '../bot/followUpCards';
import { createChannelAdapter } from '../bot/teams';
import { TimelineMiddleware } from '../bot/timelineMiddleware';
import { createScratchDatabase } from '../test/support/database';
import { freePort, ScratchRedis } from '../test/workers/fixtures/helpers';
import { webConversation } from '../test/workers/fixtures/followUps';
import { percentile } from './lib/memory';

const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: '2000' },
    'outage-tickets': { type: 'string' },
    'outage-seconds': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '10' },
    agents: { type: 'string', default: '20' },
    'sla-tickets': { type: 'string', default: '300' },
    keep: { type: 'boolean', default: false },
  },
});
const TICKETS = Number(values.tickets);
const OUTAGE_TICKETS = Number(values['outage-tickets'] ?? Math.ceil(TICKETS / 2));
const OUTAGE_SECONDS = Number(values['outage-seconds']);
const CONCURRENCY = Number(values.concurrency);
const AGENTS = Number(values.agents);
const SLA_TICKETS = Number(values['sla-tickets']);
/** The main Redis server, database 10 (this benchmark's), for the steady run and the transcript bus. */
const MAIN_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/10';
const SLA_FIRST_RESPONSE_MS = 2000;
const SLA_RESOLUTION_MS = 4000;

const log = pino({ level: 'silent' });
const s1 = (ms: number) => (ms / 1000).toFixed(1);
const rate = (n: number, ms: number) => (ms >= 100 ? `${Math.round(n / (ms / 1000)).toLocaleString('en')}` : `(all within ${ms} ms)`);

type Desk = { database: Database; support: Support; crm: ReturnType<typeof createCrm> };

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i], i);
      }
    }),
  );
}

/** Waits until `check` returns true, polling the database every `everyMs` (the figures are read from there). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The worker process (its own node, like `npm run start:workers`), resolved once it printed `ready`. */
async function spawnWorkers(env: Record<string, string>): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  // `node --import tsx` rather than the tsx CLI: one process, so the signal reaches the workers.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'lib/workerProcess.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      if (/^ready$/m.test(out)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`worker process exited (${code}):\n${out}`)));
  });
  return {
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The web side of deliveries as bot/application.ts wires it, consuming the `deliveries` queue of redisUrl/prefix. */
function startDeliveryConsumer(desk: Desk, queue: { redisUrl: string; prefix: string }) {
  const publisher = new Redis(MAIN_REDIS_URL);
  const subscriber = new Redis(MAIN_REDIS_URL);
  const bus = new TranscriptBus(publisher, subscriber, { channelPrefix: `concierge:dl-bench-${randomBytes(4).toString('hex')}:` });
  const directLine = new DirectLineAdapter({ transcripts: desk.crm.transcripts, bus, bot: { id: 'concierge-bot', name: 'Concierge' }, serviceUrl: 'http://127.0.0.1' });
  directLine.use(new TimelineMiddleware(desk.crm));
  const delivery = new Delivery({ directLine, channel: createChannelAdapter(parseConfig({})), appId: '' });
  const worker = startDeliveryWorker({ delivery, references: desk.crm.references, deliveries: new DeliveryLog(desk.database.db), renderer: new FollowUpRenderer(), log, ...queue });
  worker.on('error', () => undefined);
  return {
    close: async () => {
      await worker.close();
      await Promise.all([publisher.quit(), subscriber.quit()]);
    },
  };
}

/** Website conversations (transcript + reference) with an open ticket each, assigned to one of the agents. */
async function openWebTickets(desk: Desk, tag: string, n: number, agentIds: string[], support: Support = desk.support): Promise<Array<{ id: string; agentId: string }>> {
  const out: Array<{ id: string; agentId: string }> = [];
  await pool(
    Array.from({ length: n }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      const { conversationId, customerId } = await webConversation(desk, `${tag}-${i}-${randomUUID()}`);
      const { ticket } = await support.tickets.open({
        customerId,
        channel: 'directline',
        conversationId,
        intent: 'billing',
        language: 'en',
        sentiment: 0,
        recentMessages: ['I was charged twice'],
        entities: [],
        trigger: 'asked_for_person',
      });
      let agentId = ticket.assignedAgentId;
      if (!agentId) {
        agentId = agentIds[i % agentIds.length];
        await support.tickets.reassign(ticket.id, agentId, 'bench');
      }
      out.push({ id: ticket.id, agentId });
    },
  );
  return out;
}

async function rows<T>(c: Client, text: string, params: unknown[] = []): Promise<T[]> {
  return (await c.query(text, params)).rows as T[];
}

const CARD = `jsonb_path_exists(a.activity, '$.attachments[*] ? (@.contentType == "application/vnd.microsoft.card.adaptive")')`;

async function surveysStored(c: Client, tag: string): Promise<number> {
  const [r] = await rows<{ n: number }>(c, `select count(*)::int as n from directline_activities a where a.conversation_id like $1 and ${CARD}`, [`${tag}-%`]);
  return r.n;
}

async function unrelayed(c: Client): Promise<number> {
  const [r] = await rows<{ n: number }>(c, `select count(*)::int as n from outbox where relayed_at is null`);
  return r.n;
}

const lat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(0)} ms, p95 ${percentile(s, 95).toFixed(0)} ms, p99 ${percentile(s, 99).toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms`;
};

/** Reads one run's figures back from the database and prints them. */
async function report(c: Client, tag: string, t: { resolveStart: number; resolveMs: number; resolved: number; redisBackAt?: Date; redisDownAt?: Date }) {
  const ids = `(select id from tickets where conversation_id like '${tag}-%')`;
  const spanNote = t.redisDownAt ? ' (span includes the outage)' : '';
  console.log(`  resolve     ${t.resolved.toLocaleString('en')} tickets in ${s1(t.resolveMs)} s = ${rate(t.resolved, t.resolveMs)} resolves/s (${CONCURRENCY} concurrent callers, each resolve writes its outbox rows in its transaction)`);
  const [relay] = await rows<{ n: number; first: Date; last: Date }>(
    c,
    `select count(*)::int as n, min(relayed_at) as first, max(relayed_at) as last from outbox where topic in ('followup.csat', 'followup.close_resolved') and (payload->>'ticketId')::uuid in ${ids}`,
  );
  console.log(
    `  relay       ${relay.n.toLocaleString('en')} follow-up rows (survey + close after the reopen window) relayed over ${s1(relay.last.getTime() - relay.first.getTime())} s = ${rate(relay.n, relay.last.getTime() - relay.first.getTime())} rows/s${spanNote}`,
  );
  const [jobs] = await rows<{ n: number; first: Date; last: Date }>(c, `select count(*)::int as n, min(at) as first, max(at) as last from ticket_events where type = 'csat_requested' and ticket_id in ${ids}`);
  console.log(`  follow-ups  ${jobs.n.toLocaleString('en')} CSAT jobs (csat_requested recorded) over ${s1(jobs.last.getTime() - jobs.first.getTime())} s = ${rate(jobs.n, jobs.last.getTime() - jobs.first.getTime())} jobs/s${spanNote}`);
  const [del] = await rows<{ n: number; first: Date; last: Date }>(c, `select count(*)::int as n, min(delivered_at) as first, max(delivered_at) as last from deliveries where kind = 'csat_survey' and ticket_id in ${ids}`);
  console.log(`  deliveries  ${del.n.toLocaleString('en')} surveys delivered over ${s1(del.last.getTime() - del.first.getTime())} s = ${rate(del.n, del.last.getTime() - del.first.getTime())} deliveries/s${spanNote}`);
  const perTicket = await rows<{ resolved_at: Date; cards: number; first_card: Date | null; requested: number; delivered: number }>(
    c,
    `select t.resolved_at, x.cards, x.first_card,
            (select count(*)::int from ticket_events e where e.ticket_id = t.id and e.type = 'csat_requested') as requested,
            (select count(*)::int from deliveries d where d.ticket_id = t.id and d.kind = 'csat_survey') as delivered
       from tickets t
       cross join lateral (select count(*)::int as cards, min(a.created_at) as first_card from directline_activities a where a.conversation_id = t.conversation_id and ${CARD}) x
      where t.conversation_id like '${tag}-%'`,
  );
  const lost = perTicket.filter((r) => r.cards === 0).length;
  const duplicated = perTicket.filter((r) => r.cards > 1 || r.requested > 1 || r.delivered > 1).length;
  const e2e = (rs: typeof perTicket) => rs.filter((r) => r.first_card).map((r) => r.first_card!.getTime() - r.resolved_at.getTime());
  console.log(`  end to end  resolve → survey stored in the transcript: ${lat(e2e(perTicket))} (${perTicket.length.toLocaleString('en')} tickets)`);
  if (t.redisDownAt && t.redisBackAt) {
    const down = t.redisDownAt.getTime();
    const back = t.redisBackAt.getTime();
    const before = perTicket.filter((r) => r.resolved_at.getTime() < down);
    const during = perTicket.filter((r) => r.resolved_at.getTime() >= down && r.resolved_at.getTime() < back);
    const after = perTicket.filter((r) => r.resolved_at.getTime() >= back);
    const [backlog] = await rows<{ n: number; first: Date; last: Date }>(
      c,
      `select count(*)::int as n, min(relayed_at) as first, max(relayed_at) as last from outbox where relayed_at >= $1 and created_at < $1 and (payload->>'ticketId')::uuid in ${ids}`,
      [t.redisBackAt],
    );
    const [jobsAfter] = await rows<{ n: number; first: Date; last: Date }>(
      c,
      `select count(*)::int as n, min(at) as first, max(at) as last from ticket_events where type = 'csat_requested' and at >= $1 and ticket_id in ${ids}`,
      [t.redisBackAt],
    );
    const [delAfter] = await rows<{ n: number; first: Date; last: Date }>(
      c,
      `select count(*)::int as n, min(delivered_at) as first, max(delivered_at) as last from deliveries where kind = 'csat_survey' and delivered_at >= $1 and ticket_id in ${ids}`,
      [t.redisBackAt],
    );
    const lastCard = Math.max(...perTicket.map((r) => r.first_card?.getTime() ?? 0));
    console.log(`  outage      Redis down ${s1(back - down)} s; ${before.length} tickets resolved before, ${during.length} while down, ${after.length} after it came back`);
    if (backlog.n > 0) {
      const span = (x: { first: Date; last: Date }) => x.last.getTime() - x.first.getTime();
      console.log(
        `  drain       ${backlog.n.toLocaleString('en')} rows waited in the outbox; the relay's first pass after the outage ${s1(backlog.first.getTime() - back)} s after Redis came back (its backoff), ` +
          `all relayed ${s1(backlog.last.getTime() - back)} s after (${rate(backlog.n, span(backlog))} rows/s), the last survey stored ${s1(lastCard - back)} s after`,
      );
      console.log(
        `  after       ${jobsAfter.n.toLocaleString('en')} CSAT jobs at ${rate(jobsAfter.n, span(jobsAfter))} jobs/s, ${delAfter.n.toLocaleString('en')} deliveries at ${rate(delAfter.n, span(delAfter))} deliveries/s once Redis was back`,
      );
    }
    if (during.length) console.log(`  end to end  of the tickets resolved while Redis was down: ${lat(e2e(during))}`);
  }
  console.log(
    `  exactly once ${lost} lost, ${duplicated} duplicated (per ticket from the database: survey cards in the transcript, csat_requested events, deliveries rows); ` +
      `${perTicket.filter((r) => r.cards === 1).length.toLocaleString('en')} of ${perTicket.length.toLocaleString('en')} transcripts hold exactly one survey`,
  );
}

async function resolveAll(desk: Desk, tickets: Array<{ id: string; agentId: string }>, onProgress?: (done: number) => void): Promise<{ resolveStart: number; resolveMs: number; resolved: number }> {
  const resolveStart = Date.now();
  let done = 0;
  await pool(tickets, CONCURRENCY, async (t) => {
    await desk.support.tickets.resolve(t.id, t.agentId);
    done++;
    onProgress?.(done);
  });
  return { resolveStart, resolveMs: Date.now() - resolveStart, resolved: done };
}

async function deleteKeys(redisUrl: string, prefix: string): Promise<number> {
  const r = new Redis(redisUrl);
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) n += await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return n;
}

async function main() {
  const scratch = await createScratchDatabase('concierge_bench_followups');
  const database = await openDatabase({ url: scratch.url, poolSize: CONCURRENCY + 4 });
  const support = createSupport({ db: database.db, config: defaultRoutingConfig, followUps: { csatSurveyDelaySeconds: 0 } });
  await support.queues.sync(defaultRoutingConfig);
  const desk: Desk = { database, support, crm: createCrm(database.db) };
  const c = new Client({ connectionString: scratch.url });
  c.on('error', () => undefined);
  await c.connect();
  const prefix = `{bench-fu-${randomBytes(4).toString('hex')}}`;
  const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-followups-redis-'));
  const redis = new ScratchRedis(await freePort(), redisDir);
  console.log(
    `follow-ups benchmark: ${TICKETS.toLocaleString('en')} tickets steady + ${OUTAGE_TICKETS.toLocaleString('en')} through a ${OUTAGE_SECONDS} s Redis outage + ${SLA_TICKETS} SLA timers; ` +
      `CSAT_SURVEY_DELAY_SECONDS=0, relay poll 1 s and backoff up to 5 s (defaults), workers in a separate process, ${AGENTS} agents, ${CONCURRENCY} concurrent resolvers; ` +
      `PostgreSQL (scratch database ${scratch.name}), Redis ${MAIN_REDIS_URL} prefix ${prefix} + scratch redis-server :${redis.port} (AOF); ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
  );
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const agentIds: string[] = [];
    const capacity = Math.ceil((TICKETS + OUTAGE_TICKETS + SLA_TICKETS) / AGENTS) + 5;
    for (let i = 0; i < AGENTS; i++) {
      const [u] = await database.db.insert(users).values({ email: `agent${i}@bench.test`, displayName: `Agent ${i}`, role: 'agent', passwordHash: 'x' }).returning();
      await support.agents.upsert({ userId: u.id, skills: ['billing'], languages: ['en'], maxConcurrent: capacity, queues: ['billing'] });
      await support.agents.setStatus(u.id, 'online');
      agentIds.push(u.id);
    }
    const g0 = Date.now();
    const steadyTickets = await openWebTickets(desk, 'fu-steady', TICKETS, agentIds);
    const outageTickets = await openWebTickets(desk, 'fu-outage', OUTAGE_TICKETS, agentIds);
    console.log(`setup       ${(TICKETS + OUTAGE_TICKETS).toLocaleString('en')} website conversations with an assigned ticket each in ${s1(Date.now() - g0)} s`);

    // 1. Steady run on the main Redis (DB 10).
    {
      console.log(`steady      (Redis ${MAIN_REDIS_URL})`);
      const workers = await spawnWorkers({ DATABASE_URL: scratch.url, REDIS_URL: MAIN_REDIS_URL, QUEUE_PREFIX: prefix, CSAT_SURVEY_DELAY_SECONDS: '0' });
      cleanups.push(workers.stop);
      const consumer = startDeliveryConsumer(desk, { redisUrl: MAIN_REDIS_URL, prefix });
      cleanups.push(consumer.close);
      // The SLA rows of the opens go first, so the run starts with an empty outbox.
      await until('the SLA rows of the setup to be relayed', async () => (await unrelayed(c)) === 0, 120_000);
      const t = await resolveAll(desk, steadyTickets);
      await until('every steady survey', async () => (await surveysStored(c, 'fu-steady')) >= TICKETS, 300_000, 200);
      await report(c, 'fu-steady', t);

      // 3. SLA timers on the same workers: tickets nobody answers breach their 2 s / 4 s SLAs.
      if (SLA_TICKETS > 0) {
        const sla = { firstResponseMinutes: SLA_FIRST_RESPONSE_MS / 60_000, resolutionMinutes: SLA_RESOLUTION_MS / 60_000 };
        const fast: RoutingConfig = { ...defaultRoutingConfig, sla: { urgent: sla, high: sla, normal: sla, low: sla } };
        const slaSupport = createSupport({ db: database.db, config: fast, followUps: { csatSurveyDelaySeconds: 0 } });
        const o0 = Date.now();
        await openWebTickets(desk, 'fu-sla', SLA_TICKETS, agentIds, slaSupport);
        const openMs = Date.now() - o0;
        const ids = `(select id from tickets where conversation_id like 'fu-sla-%')`;
        await until(
          'every SLA breach',
          async () => (await rows<{ n: number }>(c, `select count(*)::int as n from ticket_events where type = 'sla_breached' and ticket_id in ${ids}`))[0].n >= 2 * SLA_TICKETS,
          120_000,
          200,
        );
        const late = await rows<{ kind: string; type: string; ms: number }>(
          c,
          `select data->>'kind' as kind, type, extract(epoch from (at - (data->>'dueAt')::timestamptz)) * 1000 as ms from ticket_events where type in ('sla_breached', 'sla_warning') and ticket_id in ${ids}`,
        );
        const [dups] = await rows<{ n: number }>(
          c,
          `select count(*)::int as n from (select ticket_id, type, data->>'kind' from ticket_events where type in ('sla_breached', 'sla_warning') and ticket_id in ${ids} group by 1, 2, 3 having count(*) > 1) d`,
        );
        const breaches = late.filter((r) => r.type === 'sla_breached');
        console.log(
          `sla timers  ${SLA_TICKETS} tickets opened in ${s1(openMs)} s with ${SLA_FIRST_RESPONSE_MS / 1000} s / ${SLA_RESOLUTION_MS / 1000} s SLAs, never answered: ${breaches.length} breaches and ` +
            `${late.length - breaches.length} warnings recorded, ${dups.n} recorded twice; breach recorded after its due time: ${lat(breaches.map((r) => Number(r.ms)))}`,
        );
      }
      await consumer.close();
      await workers.stop();
      cleanups.length = 0;
    }

    // 2. Outage run on the scratch Redis: stopped after a third of the resolves, started OUTAGE_SECONDS later.
    if (OUTAGE_TICKETS > 0) {
      await redis.start();
      cleanups.push(() => redis.stop());
      console.log(`outage      (scratch redis-server ${redis.url}, append-only file fsync always)`);
      const workers = await spawnWorkers({ DATABASE_URL: scratch.url, REDIS_URL: redis.url, QUEUE_PREFIX: prefix, CSAT_SURVEY_DELAY_SECONDS: '0' });
      cleanups.push(workers.stop);
      const consumer = startDeliveryConsumer(desk, { redisUrl: redis.url, prefix });
      cleanups.push(consumer.close);
      await until('an empty outbox', async () => (await unrelayed(c)) === 0, 120_000);
      let redisDownAt: Date | undefined;
      let redisBackAt: Date | undefined;
      let restarted: Promise<void> | undefined;
      const third = Math.ceil(OUTAGE_TICKETS / 3);
      const t = await resolveAll(desk, outageTickets, (done) => {
        if (done !== third) return;
        redisDownAt = new Date();
        restarted = redis
          .stop()
          .then(() => new Promise((r) => setTimeout(r, OUTAGE_SECONDS * 1000 - (Date.now() - redisDownAt!.getTime()))))
          .then(() => redis.start())
          .then(() => {
            redisBackAt = new Date();
          });
      });
      await restarted;
      await until('every survey after the outage', async () => (await surveysStored(c, 'fu-outage')) >= OUTAGE_TICKETS, 300_000, 200);
      await report(c, 'fu-outage', { ...t, redisDownAt, redisBackAt });
    }
  } finally {
    for (const f of cleanups.reverse()) await f().catch(() => undefined);
    await redis.stop();
    fs.rmSync(redisDir, { recursive: true, force: true });
    const removed = await deleteKeys(MAIN_REDIS_URL, prefix).catch(() => -1);
    console.log(`cleanup     ${removed} Redis keys of prefix ${prefix} deleted from ${MAIN_REDIS_URL}; scratch redis-server stopped${values.keep ? '' : ', scratch database dropped'}`);
    await c.end();
    await database.close();
    if (values.keep) console.log(`kept database ${scratch.url}`);
    else await scratch.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
