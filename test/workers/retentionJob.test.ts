import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Queue, QueueEvents, Worker } from 'bullmq';
import { queryRows } from '../../crm/commerce/rows';
import { retentionPolicyFromDays, RetentionService } from '../../crm/privacy';
import {
  createQueue,
  DEFAULT_RETENTION_CRON,
  QUEUE_NAMES,
  requestRetention,
  RETENTION_SCHEDULER_ID,
  retentionJobId,
  scheduleRetention,
  startRetentionWorker,
  type RetentionJobResult,
} from '../../workers';
import { awaitCompleted, MAIN_REDIS_URL, openDesk, queueEvents, silentLog, testPrefix } from './fixtures/helpers';

describe('retention job', () => {
  let desk: Awaited<ReturnType<typeof openDesk>>;
  let prefix: string;
  let queue: Queue;
  let events: QueueEvents;
  let worker: Worker | undefined;

  beforeAll(async () => {
    desk = await openDesk();
    prefix = testPrefix();
    queue = createQueue(QUEUE_NAMES.retention, { redisUrl: MAIN_REDIS_URL, prefix });
    events = await queueEvents(QUEUE_NAMES.retention, MAIN_REDIS_URL, prefix);
  });
  afterAll(async () => {
    await worker?.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await desk.database.close();
  });

  it('the nightly schedule is one job scheduler (01:30 by default), whoever upserts it and however often; `off` removes it', async () => {
    await Promise.all([scheduleRetention(queue), scheduleRetention(queue), scheduleRetention(queue, { tz: 'UTC' })]);
    let schedulers = await queue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: RETENTION_SCHEDULER_ID, pattern: DEFAULT_RETENTION_CRON, tz: 'UTC' });
    await scheduleRetention(queue, { cron: 'off' });
    schedulers = await queue.getJobSchedulers();
    expect(schedulers).toHaveLength(0);
  });

  it('on demand: one job per day however often asked; it returns (and logs) what it did per kind, and a rerun does nothing', async () => {
    const db = desk.database.db;
    const customer = await desk.crm.customers.resolve({ kind: 'directline', externalId: `dl_${randomUUID()}` });
    const old = new Date(Date.now() - 800 * 86_400_000).toISOString();
    await db.execute(sql`insert into customer_events (customer_id, type, at, idempotency_key, source) values (${customer.id}, 'view', ${old}, ${`job-${randomUUID()}`}, 'test')`);
    await db.execute(sql`insert into messages (customer_id, channel, conversation_id, direction, author, text, activity_id, created_at)
      values (${customer.id}, 'directline', 'job-conv', 'inbound', 'customer', 'old words', 'job-a1', ${old})`);

    const now = new Date();
    const ids = await Promise.all([requestRetention(queue, { now }), requestRetention(queue, { now })]);
    expect(ids).toEqual([retentionJobId(now), retentionJobId(now)]);
    expect(retentionJobId(new Date('2026-12-07T23:59:00Z'))).toBe('retention/2026-12-07');
    expect(await queue.getJobCounts('wait')).toMatchObject({ wait: 1 });

    const lines: Array<Record<string, unknown>> = [];
    const log = Object.assign(Object.create(silentLog), { info: (obj: Record<string, unknown>) => lines.push(obj) });
    const retention = new RetentionService(db, retentionPolicyFromDays({}));
    worker = startRetentionWorker({ redisUrl: MAIN_REDIS_URL, prefix, retention, log });
    const results = await awaitCompleted(events, [ids[0]], { failOnFailed: true });
    const result = results.get(ids[0]) as RetentionJobResult;
    expect(result.counts.events).toBeGreaterThanOrEqual(1);
    expect(result.detail.messages).toBeGreaterThanOrEqual(1);
    expect(Object.keys(result.counts).sort()).toEqual(['audit', 'closedTickets', 'events', 'learned', 'transcripts']);
    expect(lines).toEqual([expect.objectContaining({ jobId: ids[0], counts: result.counts })]);
    expect(await queryRows(db, sql`select 1 from customer_events where customer_id = ${customer.id}`)).toHaveLength(0);
    expect(await queryRows(db, sql`select 1 from messages where customer_id = ${customer.id}`)).toHaveLength(0);

    // The same day's run again (a retry, a second worker): nothing left to do.
    await (await queue.getJob(ids[0]))!.remove();
    const again = await requestRetention(queue, { now });
    const rerun = (await awaitCompleted(events, [again], { failOnFailed: true })).get(again) as RetentionJobResult;
    expect(rerun.counts).toEqual({ transcripts: 0, closedTickets: 0, events: 0, learned: 0, audit: 0 });
  });
});
