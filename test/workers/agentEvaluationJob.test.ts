import { and, eq } from 'drizzle-orm';
import type { Queue, QueueEvents, Worker } from 'bullmq';
import { agentScores } from '../../crm/schema/scores';
import { ticketEvents } from '../../crm/schema';
import { AgentEvaluationService } from '../../crm/scores';
import {
  createQueue,
  DEFAULT_EVALUATION_CRON,
  evaluationJobId,
  EVALUATION_SCHEDULER_ID,
  periodFor,
  previousUtcWeek,
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
    expect(previousUtcWeek(at)).toEqual({ start: new Date('2026-11-09T00:00:00Z'), end: new Date('2026-11-16T00:00:00Z') });
    expect(previousUtcWeek(new Date('2026-11-23T00:30:00Z'))).toEqual({ start: new Date('2026-11-16T00:00:00Z'), end: new Date('2026-11-23T00:00:00Z') });
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
});
