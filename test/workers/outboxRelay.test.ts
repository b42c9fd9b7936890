import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Queue } from 'bullmq';
import type { Database } from '../../crm';
import { outbox, ticketEvents } from '../../crm/schema';
import { createQueue, jobIdForKey, OutboxRelay, QUEUE_NAMES, SLA_JOB_NAME, SLA_TOPIC, startWorkers, type WorkerHost } from '../../workers';
import { tempDir } from '../support/apps';
import { awaitCompleted, fastSlaConfig, MAIN_REDIS_URL, openDesk, openTicket, queueEvents, freePort, ScratchRedis, silentLog, testPrefix } from './fixtures/helpers';

/** The outbox relay on the real PostgreSQL and Redis (and a second Redis it stops and starts). */
describe('outbox relay', () => {
  let desk: Awaited<ReturnType<typeof openDesk>>;
  let database: Database;
  const queues: Queue[] = [];

  beforeAll(async () => {
    desk = await openDesk(fastSlaConfig(3_600_000, 7_200_000));
    database = desk.database;
  });
  afterAll(async () => {
    for (const q of queues) {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close().catch(() => undefined);
    }
    await database.close();
  });

  function slaQueue(redisUrl = MAIN_REDIS_URL, prefix = testPrefix()): Queue {
    const q = createQueue(QUEUE_NAMES.slaTimers, { redisUrl, prefix });
    // Queues on a scratch Redis are closed by their test while that Redis runs.
    if (redisUrl === MAIN_REDIS_URL) queues.push(q);
    return q;
  }

  const relayTo = (queue: Queue, extra: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {}) =>
    new OutboxRelay({ db: database.db, log: silentLog, routes: { [SLA_TOPIC]: { queue, jobName: SLA_JOB_NAME } }, ...extra });

  const rowsOf = (ticketIds: string[]) =>
    database.db
      .select()
      .from(outbox)
      .then((rows) => rows.filter((r) => ticketIds.includes(r.payload.ticketId as string)));

  /** Rows other test files left unrelayed go to a queue nobody reads, so only this test's rows remain. */
  async function relayForeignRows(): Promise<void> {
    await relayTo(slaQueue()).relayAll();
  }

  it('relays each row once as a delayed job named by its dedupe key; relaying again (crash before marking) and concurrent relays add no duplicate', async () => {
    await relayForeignRows();
    const queue = slaQueue();
    const tickets = await Promise.all(Array.from({ length: 30 }, () => openTicket(desk)));
    const ids = tickets.map((t) => t.id);
    const before = Date.now();

    // Three relays at once (three worker processes): SKIP LOCKED gives each row to one of them.
    const relays = [relayTo(queue, { batchSize: 7 }), relayTo(queue, { batchSize: 7 }), relayTo(queue, { batchSize: 7 })];
    const relayed = await Promise.all(relays.map((r) => r.relayAll()));
    expect(relayed.reduce((a, b) => a + b, 0)).toBe(120);
    const rows = await rowsOf(ids);
    // Per ticket: a warning at 80 % and the breach check, for the first response and the resolution.
    expect(rows).toHaveLength(120);
    expect(rows.every((r) => r.relayedAt !== null)).toBe(true);

    const jobs = await queue.getJobs(['delayed', 'wait', 'active', 'completed']);
    expect(jobs).toHaveLength(120);
    for (const row of rows) {
      const job = jobs.find((j) => j.id === jobIdForKey(row.dedupeKey))!;
      expect(job).toBeDefined();
      expect(job.id).toMatch(/^sla\/(first_response|resolution)\/(warning\/)?[0-9a-f-]{36}$/);
      expect(job.data).toEqual(row.payload);
      // Delayed until run_at (within the time the test took).
      expect(job.timestamp + job.delay).toBeGreaterThanOrEqual(row.runAt.getTime() - (Date.now() - before) - 50);
      expect(job.timestamp + job.delay).toBeLessThanOrEqual(row.runAt.getTime() + 50);
    }

    // A relay that died after adding but before marking: the rows come back unrelayed.
    await database.db.update(outbox).set({ relayedAt: null }).where(inArray(outbox.id, rows.map((r) => r.id)));
    expect(await relays[0].relayAll()).toBe(120);
    expect(await queue.getJobs(['delayed', 'wait', 'active', 'completed'])).toHaveLength(120);
    expect((await rowsOf(ids)).every((r) => r.relayedAt !== null)).toBe(true);
  });

  it('Redis unreachable: the pass fails, nothing is marked, and the rows go once Redis answers', async () => {
    await relayForeignRows();
    const down = new ScratchRedis(await freePort());
    const queue = slaQueue(down.url);
    const relay = relayTo(queue, { addTimeoutMs: 2000 });
    const ticket = await openTicket(desk);
    await expect(relay.relayOnce()).rejects.toThrow();
    expect((await rowsOf([ticket.id])).map((r) => r.relayedAt)).toEqual([null, null, null, null]);
    await down.start();
    try {
      await queue.waitUntilReady();
      expect(await relay.relayAll()).toBe(4);
      expect(await queue.getJobCountByTypes('delayed')).toBe(4);
    } finally {
      await queue.close();
      await down.stop();
    }
  });

  it('Stop Redis, open and resolve tickets, start Redis: every SLA timer is scheduled and delivered, breaches recorded once', async () => {
    await relayForeignRows();
    const fast = await openDesk(fastSlaConfig(300, 600));
    const redis = new ScratchRedis(await freePort(), tempDir('redis'));
    await redis.start();
    const prefix = testPrefix();
    let host: WorkerHost | undefined;
    try {
      // A timer job running when Redis stops loses its lock and is taken up again by the stalled-job
      // check: short locks keep that within the test (with the 30 s defaults a loaded machine timed out).
      host = await startWorkers({ redisUrl: redis.url, prefix, crm: fast.crm, db: fast.database.db, log: silentLog, evaluationCron: 'off', relayPollMs: 100, relayBackoffMaxMs: 500, lockDurationMs: 5_000, stalledIntervalMs: 1_000 });
      // Before the outage: relayed at once.
      const early = await Promise.all(Array.from({ length: 5 }, () => openTicket(fast)));
      await host.relay.drained();
      expect((await rowsOf(early.map((t) => t.id))).every((r) => r.relayedAt)).toBe(true);

      await redis.stop();
      const during = await Promise.all(Array.from({ length: 10 }, () => openTicket(fast)));
      const resolved = during.slice(0, 5);
      for (const t of resolved) await fast.support.tickets.resolve(t.id, 'system');
      // The relay keeps failing while Redis is down, and keeps the rows.
      const stuckQueue = slaQueue(redis.url, prefix);
      const stuck = relayTo(stuckQueue, { addTimeoutMs: 1000 });
      await expect(stuck.relayOnce()).rejects.toThrow();
      const waiting = await database.db
        .select()
        .from(outbox)
        .where(and(isNull(outbox.relayedAt), eq(outbox.topic, SLA_TOPIC)));
      expect(waiting.filter((r) => during.some((t) => t.id === r.payload.ticketId))).toHaveLength(40);

      await redis.start();
      await stuckQueue.close();
      const events = await queueEvents(QUEUE_NAMES.slaTimers, redis.url, prefix);
      try {
        const all = [...early, ...during];
        const jobIds = all.flatMap((t) => ['first_response', 'resolution'].flatMap((k) => [jobIdForKey(`sla:${k}:${t.id}`), jobIdForKey(`sla:${k}:warning:${t.id}`)]));
        // The event stream is persisted with the queue: completions from before the outage count too.
        const done = awaitCompleted(events, jobIds);
        // The relay comes back by itself (backoff) and relays what waited.
        await host.relay.drained();
        const results = await done;
        expect(results.size).toBe(60);
      } finally {
        await events.close();
      }
      expect((await rowsOf([...early, ...during].map((t) => t.id))).every((r) => r.relayedAt)).toBe(true);
      const breaches = await database.db
        .select()
        .from(ticketEvents)
        .where(and(eq(ticketEvents.type, 'sla_breached'), inArray(ticketEvents.ticketId, [...early, ...during].map((t) => t.id))));
      const open = [...early, ...during.slice(5)];
      for (const t of open) expect(breaches.filter((b) => b.ticketId === t.id).map((b) => b.data.kind).sort()).toEqual(['first_response', 'resolution']);
      for (const t of resolved) expect(breaches.filter((b) => b.ticketId === t.id)).toHaveLength(0);
    } finally {
      await host?.close();
      await redis.stop();
      await fast.database.close();
    }
  });
});
