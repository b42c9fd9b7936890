import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { Queue, QueueEvents, Worker } from 'bullmq';
import type { Database } from '../../crm';
import { ticketEvents } from '../../crm/schema';
import { RedisLiveEvents, type LiveEvent, type Support } from '../../crm/support';
import { createQueue, QUEUE_NAMES, SLA_JOB_NAME, SlaTimerJob, slaJobId, startSlaWorker, type SlaTimerPayload } from '../../workers';
import { awaitCompleted, fastSlaConfig, MAIN_REDIS_URL, openDesk, openTicket, queueEvents, silentLog, testPrefix } from './fixtures/helpers';

/** SLA timers on the real PostgreSQL and Redis: breach recorded once, obsolete timers do nothing. */
describe('SLA timer job', () => {
  let desk: Awaited<ReturnType<typeof openDesk>>;
  let database: Database;
  let support: Support;
  let publisher: Redis;
  let subscriber: Redis;
  let live: RedisLiveEvents;
  const received: LiveEvent[] = [];
  const later = () => new Date(Date.now() + 3 * 3_600_000);

  beforeAll(async () => {
    // SLAs of one hour: nothing is due unless the job's clock says so.
    desk = await openDesk(fastSlaConfig(3_600_000, 7_200_000));
    ({ database, support } = desk);
    publisher = new Redis(MAIN_REDIS_URL);
    subscriber = new Redis(MAIN_REDIS_URL);
    live = new RedisLiveEvents(publisher, subscriber, `concierge:live:test-${randomBytes(4).toString('hex')}`);
    await live.subscribe((e) => received.push(e));
  });
  afterAll(async () => {
    await Promise.all([publisher.quit(), subscriber.quit()]);
    await database.close();
  });

  const breaches = (ticketId: string, kind: string) =>
    database.db
      .select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.ticketId, ticketId), eq(ticketEvents.type, 'sla_breached')))
      .then((rows) => rows.filter((r) => r.data.kind === kind));

  /**
   * The SLA live events of the ticket published so far: a marker published on the same connection
   * after them arrives after them (Redis keeps one connection's order), so once it is here, they are.
   */
  async function liveEventsOf(ticketId: string): Promise<LiveEvent[]> {
    const marker = randomBytes(8).toString('hex');
    await new Promise<void>((resolve) => {
      void live.subscribe((e) => {
        if (e.type === 'agent.changed' && e.userId === marker) resolve();
      });
      void live.publish({ type: 'agent.changed', userId: marker, status: 'offline', activeTickets: 0 });
    });
    return received.filter((e) => 'ticketId' in e && e.ticketId === ticketId && e.type.startsWith('sla.'));
  }

  it('records a first-response breach once, even when the job runs twice (sequentially and concurrently), and warns the agent', async () => {
    const job = new SlaTimerJob({ db: database.db, live, log: silentLog, clock: later });
    const ticket = await openTicket(desk);
    const payload: SlaTimerPayload = { ticketId: ticket.id, kind: 'first_response' };

    const first = await job.run(payload);
    expect(first).toMatchObject({ outcome: 'recorded' });
    const second = await job.run(payload);
    expect(second).toMatchObject({ outcome: 'already_recorded' });
    const rows = await breaches(ticket.id, 'first_response');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: 'system', data: { kind: 'first_response', priority: ticket.priority } });
    expect(new Date(rows[0].data.dueAt as string).getTime()).toBe(ticket.firstResponseDueAt.getTime());

    const events = await liveEventsOf(ticket.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toEqual({
      type: 'sla.breached',
      ticketId: ticket.id,
      queueId: ticket.queueId,
      assignedAgentId: ticket.assignedAgentId,
      kind: 'first_response',
      priority: ticket.priority,
      dueAt: ticket.firstResponseDueAt.toISOString(),
      notifySupervisors: ticket.priority === 'urgent',
    });

    // Ten runs at once (retries and duplicates racing): still one event.
    const ticket2 = await openTicket(desk);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => job.run({ ticketId: ticket2.id, kind: 'resolution' })));
    expect(outcomes.filter((o) => o.outcome === 'recorded')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'already_recorded')).toHaveLength(9);
    expect(await breaches(ticket2.id, 'resolution')).toHaveLength(1);
    // One warning per breach, even under that race.
    expect(await liveEventsOf(ticket2.id)).toHaveLength(1);
  });

  it('an obsolete timer does nothing: first response already given, ticket resolved, ticket unknown', async () => {
    const job = new SlaTimerJob({ db: database.db, live, log: silentLog, clock: later });
    const answered = await openTicket(desk);
    await support.tickets.recordAgentMessage(answered.id, 'agent-x', 'Hello, I am looking at it');
    expect(await job.run({ ticketId: answered.id, kind: 'first_response' })).toEqual({ outcome: 'obsolete', reason: 'responded' });
    // Answered but not resolved: the resolution timer still counts.
    expect(await job.run({ ticketId: answered.id, kind: 'resolution' })).toMatchObject({ outcome: 'recorded' });

    const resolved = await openTicket(desk);
    await support.tickets.resolve(resolved.id, 'system');
    expect(await job.run({ ticketId: resolved.id, kind: 'first_response' })).toEqual({ outcome: 'obsolete', reason: 'resolved' });
    expect(await job.run({ ticketId: resolved.id, kind: 'resolution' })).toEqual({ outcome: 'obsolete', reason: 'resolved' });
    expect(await job.run({ ticketId: '00000000-0000-4000-8000-000000000000', kind: 'resolution' })).toEqual({ outcome: 'obsolete', reason: 'no_ticket' });

    const rows = await database.db.select().from(ticketEvents).where(eq(ticketEvents.type, 'sla_breached'));
    expect(rows.filter((r) => r.ticketId === resolved.id)).toHaveLength(0);
    expect(rows.filter((r) => r.ticketId === answered.id).map((r) => r.data.kind)).toEqual(['resolution']);
  });

  it('a timer that fires before the due time records nothing; the warning stage warns without a breach, once', async () => {
    const ticket = await openTicket(desk);
    const now = new SlaTimerJob({ db: database.db, live, log: silentLog });
    expect(await now.run({ ticketId: ticket.id, kind: 'first_response' })).toEqual({ outcome: 'not_due', dueAt: ticket.firstResponseDueAt.toISOString() });
    expect(await breaches(ticket.id, 'first_response')).toHaveLength(0);

    const tooLate = new SlaTimerJob({ db: database.db, live, log: silentLog, clock: later });
    expect(await tooLate.run({ ticketId: ticket.id, kind: 'first_response', stage: 'warning' })).toEqual({ outcome: 'obsolete', reason: 'past_due' });
    expect(await now.run({ ticketId: ticket.id, kind: 'first_response', stage: 'warning' })).toMatchObject({ outcome: 'recorded' });
    expect(await now.run({ ticketId: ticket.id, kind: 'first_response', stage: 'warning' })).toMatchObject({ outcome: 'already_recorded' });
    const events = await liveEventsOf(ticket.id);
    expect(events.map((e) => e.type)).toEqual(['sla.warning']);
    expect(await breaches(ticket.id, 'first_response')).toHaveLength(0);
  });

  describe('through bullmq', () => {
    let prefix: string;
    let queue: Queue;
    let events: QueueEvents;
    let worker: Worker;

    beforeAll(async () => {
      prefix = testPrefix();
      queue = createQueue(QUEUE_NAMES.slaTimers, { redisUrl: MAIN_REDIS_URL, prefix });
      events = await queueEvents(QUEUE_NAMES.slaTimers, MAIN_REDIS_URL, prefix);
    });
    afterAll(async () => {
      await worker?.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    });

    it('a job added twice under its deterministic id runs once; a duplicate under another id records nothing more', async () => {
      // Due in 300 ms: the delayed job fires on its own, the worker's clock is the real one.
      const fast = await openDesk(fastSlaConfig(300, 3_600_000));
      try {
        const ticket = await openTicket(fast);
        const payload: SlaTimerPayload = { ticketId: ticket.id, kind: 'first_response' };
        const delay = Math.max(0, ticket.firstResponseDueAt.getTime() - Date.now());
        const a = await queue.add(SLA_JOB_NAME, payload, { jobId: slaJobId(payload), delay });
        const b = await queue.add(SLA_JOB_NAME, payload, { jobId: slaJobId(payload), delay });
        expect(b.id).toBe(a.id);
        expect(await queue.getJobCounts('delayed', 'wait', 'active')).toMatchObject({ delayed: 1 });
        const dup = await queue.add(SLA_JOB_NAME, payload, { jobId: `${slaJobId(payload)}/duplicate`, delay });
        const done = awaitCompleted(events, [a.id!, dup.id!], { failOnFailed: true });
        worker = startSlaWorker({ redisUrl: MAIN_REDIS_URL, prefix, db: database.db, live, log: silentLog });
        const results = await done;
        expect([...results.values()].map((r) => (r as { outcome: string }).outcome).sort()).toEqual(['already_recorded', 'recorded']);
        expect(await breaches(ticket.id, 'first_response')).toHaveLength(1);
        expect(await liveEventsOf(ticket.id)).toHaveLength(1);
      } finally {
        await fast.database.close();
      }
    });
  });
});
