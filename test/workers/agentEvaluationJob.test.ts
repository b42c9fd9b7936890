import { and, eq } from 'drizzle-orm';
import type { Queue, QueueEvents, Worker } from 'bullmq';
import { agentScores } from '../../crm/schema/scores';
import { ticketEvents } from '../../crm/schema';
import { AgentEvaluationService } from '../../crm/scores';
import { addDays, dayPeriod, localDay } from '../../crm/calendar';
import {
  createQueue,
  DEFAULT_EVALUATION_CRON,
  EVALUATION_JOB_NAME,
  evaluationJobId,
  EVALUATION_SCHEDULER_ID,
  periodFor,
  QUEUE_NAMES,
  requestAgentEvaluation,
  scheduleAgentEvaluation,
  startAgentEvaluationWorker,
} from '../../workers';
import { awaitCompleted, MAIN_REDIS_URL, openDesk, openTicket, queueEvents, silentLog, testPrefix } from './fixtures/helpers';
import { createAgent } from '../support-domain/fixtures';

describe('agent evaluation job', () => {
  let desk: Awaited<ReturnType<typeof openDesk>>;
  let prefix: string;
  let queue: Queue;
  let events: QueueEvents;
  let worker: Worker | undefined;

  beforeAll(async () => {
    desk = await openDesk();
    prefix = testPrefix();
    queue = createQueue(QUEUE_NAMES.agentEvaluation, { redisUrl: MAIN_REDIS_URL, prefix });
    events = await queueEvents(QUEUE_NAMES.agentEvaluation, MAIN_REDIS_URL, prefix);
  });
  afterAll(async () => {
    await worker?.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await desk.database.close();
  });

  it('periods: the previous UTC day by default, the previous ISO week (Monday to Monday) on request', () => {
    const at = new Date('2026-11-22T02:00:00Z'); // a Sunday
    expect(periodFor({ granularity: 'day' }, at)).toEqual({ start: new Date('2026-11-21T00:00:00Z'), end: new Date('2026-11-22T00:00:00Z') });
    expect(periodFor({ granularity: 'week' }, at)).toEqual({ start: new Date('2026-11-09T00:00:00Z'), end: new Date('2026-11-16T00:00:00Z') });
    expect(periodFor({ granularity: 'week' }, new Date('2026-11-23T00:30:00Z'))).toEqual({ start: new Date('2026-11-16T00:00:00Z'), end: new Date('2026-11-23T00:00:00Z') });
    expect(evaluationJobId({ start: new Date('2026-11-21T00:00:00Z'), end: new Date('2026-11-22T00:00:00Z') })).toBe('evaluation/2026-11-21T0000Z/2026-11-22T0000Z');
  });

  it('the nightly schedule is one job scheduler (02:00 UTC by default), whoever upserts it and however often; `off` removes it', async () => {
    await Promise.all([scheduleAgentEvaluation(queue), scheduleAgentEvaluation(queue), scheduleAgentEvaluation(queue)]);
    let schedulers = await queue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: EVALUATION_SCHEDULER_ID, pattern: DEFAULT_EVALUATION_CRON, tz: 'UTC' });
    const next = new Date(schedulers[0].next!);
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([2, 0]);
    await scheduleAgentEvaluation(queue, { cron: '30 3 * * 1', granularity: 'week' });
    schedulers = await queue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ pattern: '30 3 * * 1' });
    // `off` stops the schedule an earlier start set up.
    await scheduleAgentEvaluation(queue, { cron: 'off' });
    expect(await queue.getJobSchedulers()).toHaveLength(0);
  });

  it('on demand: one job per period however often asked; the worker stores the scores of the agents who held tickets', async () => {
    const agentId = await createAgent(desk, { name: 'Eval Agent', skills: ['billing'], queues: ['billing'], maxConcurrent: 50, status: 'online' });
    const ticket = await openTicket(desk);
    await desk.support.tickets.reassign(ticket.id, agentId, 'test');
    await desk.support.tickets.recordAgentMessage(ticket.id, agentId, 'Sorted, you will see the refund tomorrow.');
    await desk.support.tickets.resolve(ticket.id, agentId);
    const start = new Date(Date.now() - 3_600_000);
    const period = { start: new Date(Math.floor(start.getTime() / 60_000) * 60_000), end: new Date(Math.ceil((Date.now() + 60_000) / 60_000) * 60_000) };

    const ids = await Promise.all([requestAgentEvaluation(queue, { period }), requestAgentEvaluation(queue, { period })]);
    expect(ids[0]).toBe(evaluationJobId(period));
    expect(ids[1]).toBe(ids[0]);
    expect(await queue.getJobCounts('wait')).toMatchObject({ wait: 1 });

    const done = awaitCompleted(events, [ids[0]], { failOnFailed: true });
    worker = startAgentEvaluationWorker({ redisUrl: MAIN_REDIS_URL, prefix, evaluation: new AgentEvaluationService(desk.database.db), log: silentLog });
    const result = (await done).get(ids[0]) as { start: string; end: string; agents: number };
    expect(result).toMatchObject({ start: period.start.toISOString(), end: period.end.toISOString() });
    expect(result.agents).toBeGreaterThanOrEqual(1);

    const stored = await desk.database.db
      .select()
      .from(agentScores)
      .where(and(eq(agentScores.periodStart, period.start), eq(agentScores.periodEnd, period.end)));
    expect(stored).toHaveLength(result.agents);
    expect(stored.map((s) => s.agentId)).toContain(agentId);

    // Asked again after it ran: it runs again (a late rating now counts), still one row per agent.
    await desk.database.db.insert(ticketEvents).values({ ticketId: ticket.id, type: 'csat', actor: 'customer', data: { agentId, rating: 4 } });
    const again = awaitCompleted(events, [ids[0]], { failOnFailed: true });
    expect(await requestAgentEvaluation(queue, { period })).toBe(ids[0]);
    await again;
    const rerun = await desk.database.db
      .select()
      .from(agentScores)
      .where(and(eq(agentScores.periodStart, period.start), eq(agentScores.periodEnd, period.end), eq(agentScores.agentId, agentId)));
    expect(rerun).toHaveLength(1);
    expect((rerun[0].figures as { csatAverage: number | null }).csatAverage).toBe(4);
  });

  describe('in the support team\'s time zone (Europe/Berlin)', () => {
    const BERLIN = 'Europe/Berlin';
    /** Independent of crm/calendar: the wall clock (`YYYY-MM-DD HH:MM`) in Berlin. */
    const berlinWall = (d: Date) => new Intl.DateTimeFormat('sv-SE', { timeZone: BERLIN, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
    let berlinPrefix: string;
    let berlinQueue: Queue;
    let berlinEvents: QueueEvents;
    let berlinWorker: Worker | undefined;

    beforeAll(async () => {
      berlinPrefix = testPrefix();
      berlinQueue = createQueue(QUEUE_NAMES.agentEvaluation, { redisUrl: MAIN_REDIS_URL, prefix: berlinPrefix });
      berlinEvents = await queueEvents(QUEUE_NAMES.agentEvaluation, MAIN_REDIS_URL, berlinPrefix);
    });
    afterAll(async () => {
      await berlinWorker?.close();
      await berlinEvents.close();
      await berlinQueue.obliterate({ force: true });
      await berlinQueue.close();
    });

    it('periods: yesterday is [local midnight, next local midnight), 23 hours on the spring DST day; weeks from Monday', () => {
      // 02:00 in Berlin on Sunday 22 November 2026 is 01:00 UTC: yesterday is Saturday in Berlin time.
      expect(periodFor({ granularity: 'day' }, new Date('2026-11-22T01:00:00Z'), BERLIN)).toEqual({ start: new Date('2026-11-20T23:00:00Z'), end: new Date('2026-11-21T23:00:00Z') });
      // The night after the clocks went forward (Sunday 29 March 2026): a 23-hour yesterday.
      expect(periodFor({ granularity: 'day' }, new Date('2026-03-30T00:00:00Z'), BERLIN)).toEqual({ start: new Date('2026-03-28T23:00:00Z'), end: new Date('2026-03-29T22:00:00Z') });
      expect(periodFor({ granularity: 'week' }, new Date('2026-11-23T01:00:00Z'), BERLIN)).toEqual({ start: new Date('2026-11-15T23:00:00Z'), end: new Date('2026-11-22T23:00:00Z') });
      expect(periodFor({ granularity: 'month' }, new Date('2026-12-01T01:00:00Z'), BERLIN)).toEqual({ start: new Date('2026-10-31T23:00:00Z'), end: new Date('2026-11-30T23:00:00Z') });
      // A scheduled job carries the zone its cron ran in; an explicit period is taken as given.
      expect(periodFor({ granularity: 'day', timeZone: 'Asia/Shanghai' }, new Date('2026-11-22T01:00:00Z'), BERLIN)).toEqual({ start: new Date('2026-11-20T16:00:00Z'), end: new Date('2026-11-21T16:00:00Z') });
      expect(periodFor({ granularity: 'day', start: '2026-11-21T00:00:00Z', end: '2026-11-22T00:00:00Z' }, new Date(), BERLIN)).toEqual({ start: new Date('2026-11-21T00:00:00Z'), end: new Date('2026-11-22T00:00:00Z') });
    });

    it('the nightly cron runs at 02:00 Berlin time, and its jobs name the zone', async () => {
      await scheduleAgentEvaluation(berlinQueue, { tz: BERLIN });
      const [scheduler] = await berlinQueue.getJobSchedulers();
      expect(scheduler).toMatchObject({ key: EVALUATION_SCHEDULER_ID, pattern: DEFAULT_EVALUATION_CRON, tz: BERLIN });
      expect(berlinWall(new Date(scheduler.next!)).slice(11)).toBe('02:00');
      expect(scheduler.template?.data).toEqual({ granularity: 'day', timeZone: BERLIN });
      await scheduleAgentEvaluation(berlinQueue, { cron: 'off' });
    });

    it("the worker evaluates the team's yesterday: a resolution at 00:30 Berlin time counts in it", async () => {
      const agentId = await createAgent(desk, { name: 'Berlin Agent', skills: ['billing'], queues: ['billing'], maxConcurrent: 50, status: 'online' });
      const ticket = await openTicket(desk);
      await desk.support.tickets.reassign(ticket.id, agentId, 'test');
      const yesterday = dayPeriod(addDays(localDay(new Date(), BERLIN), -1), BERLIN);
      // 00:30 in Berlin is 22:30 or 23:30 UTC on the day before: outside the UTC yesterday.
      await desk.database.db.insert(ticketEvents).values({ ticketId: ticket.id, type: 'resolved', actor: agentId, data: { agentId }, at: new Date(yesterday.start.getTime() + 30 * 60_000) });

      // As the schedule adds it (no period), on a worker configured for Berlin.
      const job = await berlinQueue.add(EVALUATION_JOB_NAME, { granularity: 'day' });
      const done = awaitCompleted(berlinEvents, [job.id!], { failOnFailed: true });
      berlinWorker = startAgentEvaluationWorker({ redisUrl: MAIN_REDIS_URL, prefix: berlinPrefix, evaluation: new AgentEvaluationService(desk.database.db), log: silentLog, timeZone: BERLIN });
      const result = (await done).get(job.id!) as { start: string; end: string; agents: number };
      const [start, end] = [new Date(result.start), new Date(result.end)];
      const today = berlinWall(new Date()).slice(0, 10);
      expect(berlinWall(end)).toBe(`${today} 00:00`);
      expect(berlinWall(start).slice(11)).toBe('00:00');
      expect(berlinWall(new Date(end.getTime() - 1)).slice(0, 10)).toBe(berlinWall(start).slice(0, 10));
      expect([23, 24, 25]).toContain((end.getTime() - start.getTime()) / 3_600_000);

      const stored = await desk.database.db
        .select()
        .from(agentScores)
        .where(and(eq(agentScores.periodStart, start), eq(agentScores.periodEnd, end), eq(agentScores.agentId, agentId)));
      expect(stored).toHaveLength(1);
      expect((stored[0].figures as { ticketsHandled: number }).ticketsHandled).toBe(1);
    });
  });
});
