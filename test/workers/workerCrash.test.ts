import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { Queue, QueueEvents } from 'bullmq';
import { ticketEvents } from '../../crm/schema';
import { RedisLiveEvents, type LiveEvent } from '../../crm/support';
import { createQueue, QUEUE_NAMES, SLA_JOB_NAME, slaJobId, type SlaTimerPayload } from '../../workers';
import { awaitCompleted, fastSlaConfig, MAIN_REDIS_URL, openDesk, openTicket, freePort, queueEvents, ScratchRedis, spawnSlaWorker, testPrefix, type ChildWorker } from './fixtures/helpers';

/**
 * A worker process killed with SIGKILL in the middle of an SLA job: the job's lock expires, another
 * worker process takes it over, and the effect (the breach event in PostgreSQL, and its warning)
 * happens exactly once.
 */
describe('worker killed mid-job', () => {
  it('kill -9 while the breach is being recorded and warned: another worker retries it, one breach event, the warning is delivered', async () => {
    const desk = await openDesk(fastSlaConfig(200, 3_600_000));
    // Live events go to a Redis of their own that the test freezes: the job hangs mid-way, inside its transaction.
    const liveRedis = new ScratchRedis(await freePort());
    await liveRedis.start();
    const prefix = testPrefix();
    const channel = `concierge:live:crash-${randomBytes(4).toString('hex')}`;
    const queue: Queue = createQueue(QUEUE_NAMES.slaTimers, { redisUrl: MAIN_REDIS_URL, prefix });
    let events: QueueEvents | undefined;
    const workers: ChildWorker[] = [];
    const subscriber = new Redis(liveRedis.url);
    const publisher = new Redis(liveRedis.url);
    try {
      events = await queueEvents(QUEUE_NAMES.slaTimers, MAIN_REDIS_URL, prefix);
      const received: LiveEvent[] = [];
      const warned = new Promise<LiveEvent>((resolve) => {
        void new RedisLiveEvents(publisher, subscriber, channel).subscribe((e) => {
          received.push(e);
          if (e.type === 'sla.breached') resolve(e);
        });
      });
      const env = { REDIS_URL: MAIN_REDIS_URL, QUEUE_PREFIX: prefix, LIVE_REDIS_URL: liveRedis.url, LIVE_CHANNEL: channel };
      const first = await spawnSlaWorker(env);
      workers.push(first);

      const ticket = await openTicket(desk);
      const payload: SlaTimerPayload = { ticketId: ticket.id, kind: 'first_response' };
      const jobId = slaJobId(payload);
      liveRedis.pause();
      await queue.add(SLA_JOB_NAME, payload, { jobId, delay: Math.max(0, ticket.firstResponseDueAt.getTime() - Date.now()) });
      await first.waitFor(new RegExp(`^active ${jobId.replace(/\//g, '\\/')}$`, 'm'));
      // The job now waits on the frozen live Redis, inside the transaction that inserted the event.
      await waitForBackendWaitingOnClient(desk.database);

      await first.kill9();
      expect(first.process.signalCode).toBe('SIGKILL');
      liveRedis.resume();
      const done = awaitCompleted(events, [jobId]);
      const second = await spawnSlaWorker(env);
      workers.push(second);
      const results = await done;
      // The second worker recorded it: the first one's transaction died with it.
      expect(results.get(jobId)).toMatchObject({ outcome: 'recorded' });
      expect(first.output()).not.toContain('completed');
      await second.waitFor(new RegExp(`^completed ${jobId.replace(/\//g, '\\/')}$`, 'm'));

      const breaches = await desk.database.db
        .select()
        .from(ticketEvents)
        .where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'sla_breached')));
      expect(breaches).toHaveLength(1);
      expect(breaches[0].data).toMatchObject({ kind: 'first_response' });
      expect(await warned).toMatchObject({ type: 'sla.breached', ticketId: ticket.id, kind: 'first_response' });
      const job = await queue.getJob(jobId);
      expect(job?.finishedOn).toBeGreaterThan(0);
    } finally {
      for (const w of workers) await w.kill9();
      await events?.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      liveRedis.resume();
      await Promise.all([subscriber.quit(), publisher.quit()]).catch(() => undefined);
      await liveRedis.stop();
      await desk.database.close();
    }
  });

  it('SIGTERM mid-job is graceful: the worker finishes the job in progress, then exits 0', async () => {
    const desk = await openDesk(fastSlaConfig(200, 3_600_000));
    const liveRedis = new ScratchRedis(await freePort());
    await liveRedis.start();
    const prefix = testPrefix();
    const queue: Queue = createQueue(QUEUE_NAMES.slaTimers, { redisUrl: MAIN_REDIS_URL, prefix });
    let worker: ChildWorker | undefined;
    try {
      worker = await spawnSlaWorker({ REDIS_URL: MAIN_REDIS_URL, QUEUE_PREFIX: prefix, LIVE_REDIS_URL: liveRedis.url, LIVE_CHANNEL: `concierge:live:term-${randomBytes(4).toString('hex')}` });
      const ticket = await openTicket(desk);
      const payload: SlaTimerPayload = { ticketId: ticket.id, kind: 'first_response' };
      const jobId = slaJobId(payload);
      liveRedis.pause();
      await queue.add(SLA_JOB_NAME, payload, { jobId, delay: Math.max(0, ticket.firstResponseDueAt.getTime() - Date.now()) });
      await worker.waitFor(new RegExp(`^active ${jobId.replace(/\//g, '\\/')}$`, 'm'));
      await waitForBackendWaitingOnClient(desk.database);

      const exited = worker.stop();
      liveRedis.resume();
      expect(await exited).toBe(0);
      expect(worker.output()).toContain(`completed ${jobId}`);
      const breaches = await desk.database.db
        .select()
        .from(ticketEvents)
        .where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'sla_breached')));
      expect(breaches).toHaveLength(1);
      expect(await (await queue.getJob(jobId))?.isCompleted()).toBe(true);
    } finally {
      await worker?.kill9();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      liveRedis.resume();
      await liveRedis.stop();
      await desk.database.close();
    }
  });
});

/**
 * Resolves when some backend of this database sits idle inside a transaction that wrote a breach
 * event: the killed worker's job, between its insert and its commit.
 */
async function waitForBackendWaitingOnClient(database: Awaited<ReturnType<typeof openDesk>>['database']): Promise<void> {
  const { sql } = await import('drizzle-orm');
  for (;;) {
    const rows = await database.db.execute(
      sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'idle in transaction' and query ilike 'insert into "ticket_events"%'`,
    );
    const n = (rows as unknown as { rows: Array<{ n: number }> }).rows[0].n;
    if (n > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
