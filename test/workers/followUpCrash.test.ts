import { eq } from 'drizzle-orm';
import type { Queue, QueueEvents } from 'bullmq';
import { deliveries, messages } from '../../crm/schema';
import { createQueue, CSAT_SURVEY_JOB_NAME, deliveryJobId, jobIdForKey, QUEUE_NAMES, type DeliveryRequest } from '../../workers';
import { awaitCompleted, MAIN_REDIS_URL, openDesk, freePort, queueEvents, ScratchRedis, spawnFollowUpWorker, testPrefix, type ChildWorker } from './fixtures/helpers';
import { eventsOfType, onlineAgent, resolvedWebTicket, startDeliveryConsumer, surveyCardsIn } from './fixtures/followUps';

/**
 * Acceptance: a follow-up worker process killed with SIGKILL in the middle of a CSAT survey job (inside
 * its transaction, while it hands the card to the deliveries queue): another worker process retries
 * the job, and the customer's Web Chat transcript holds exactly one survey card. The delivery side is
 * idempotent too: the same delivery sent again (a consumer that died before recording it) adds no copy.
 */
describe('follow-up worker killed mid-job', () => {
  it('kill -9 during the CSAT survey job: another worker retries it, one csat_requested, the customer gets the card exactly once', async () => {
    const desk = await openDesk();
    // Deliveries go to a Redis of their own that the test freezes: the job hangs inside its transaction.
    const deliveryRedis = new ScratchRedis(await freePort());
    await deliveryRedis.start();
    const prefix = testPrefix();
    const followUps: Queue = createQueue(QUEUE_NAMES.followUps, { redisUrl: MAIN_REDIS_URL, prefix });
    let events: QueueEvents | undefined;
    let deliveryEvents: QueueEvents | undefined;
    let consumer: ReturnType<typeof startDeliveryConsumer> | undefined;
    let deliveryQueue: Queue | undefined;
    const workers: ChildWorker[] = [];
    try {
      events = await queueEvents(QUEUE_NAMES.followUps, MAIN_REDIS_URL, prefix);
      deliveryEvents = await queueEvents(QUEUE_NAMES.deliveries, deliveryRedis.url, prefix);
      const env = { REDIS_URL: MAIN_REDIS_URL, QUEUE_PREFIX: prefix, DELIVERY_REDIS_URL: deliveryRedis.url };
      const first = await spawnFollowUpWorker(env);
      workers.push(first);

      const agentId = await onlineAgent(desk, 'Kim Crash');
      const ticket = await resolvedWebTicket(desk, agentId);
      const payload = { ticketId: ticket.id, resolution: 1 };
      const jobId = jobIdForKey(`followup:csat:${ticket.id}:1`);
      deliveryRedis.pause();
      await followUps.add(CSAT_SURVEY_JOB_NAME, payload, { jobId });
      await first.waitFor(new RegExp(`^active ${jobId.replace(/\//g, '\\/')}$`, 'm'));
      // The job now waits on the frozen Redis, inside the transaction that inserted csat_requested.
      await waitForBackendIdleInTransaction(desk.database);

      await first.kill9();
      expect(first.process.signalCode).toBe('SIGKILL');
      deliveryRedis.resume();
      const done = awaitCompleted(events, [jobId]);
      const second = await spawnFollowUpWorker(env);
      workers.push(second);
      const results = await done;
      // The second worker recorded and sent it: the first one's transaction died with it.
      expect(results.get(jobId)).toEqual({ outcome: 'sent', deliveryId: `csat-${ticket.id}-1` });
      expect(first.output()).not.toContain('completed');
      expect(await eventsOfType(desk, ticket.id, 'csat_requested')).toHaveLength(1);

      // The web side sends it.
      const deliveryId = `csat-${ticket.id}-1`;
      const delivered = awaitCompleted(deliveryEvents, [deliveryJobId(deliveryId)]);
      consumer = startDeliveryConsumer(desk, { redisUrl: deliveryRedis.url, prefix });
      const sent = (await delivered).get(deliveryJobId(deliveryId)) as { outcome: string; activityIds: string[] };
      expect(sent.outcome).toBe('delivered');
      const cards = await surveyCardsIn(desk, ticket.conversationId);
      expect(cards).toHaveLength(1);
      expect(cards[0].id).toBe(sent.activityIds[0]);

      // A consumer that died after sending but before recording: the retry finds the stored copy.
      await desk.database.db.delete(deliveries).where(eq(deliveries.id, deliveryId));
      deliveryQueue = createQueue(QUEUE_NAMES.deliveries, { redisUrl: deliveryRedis.url, prefix });
      const job = await deliveryQueue.getJob(deliveryJobId(deliveryId));
      const replay = await consumer.deliverer.deliver(job!.data as DeliveryRequest);
      expect(replay).toEqual({ outcome: 'delivered', deliveryId, activityIds: sent.activityIds });
      expect(await consumer.deliverer.deliver(job!.data as DeliveryRequest)).toMatchObject({ outcome: 'already_delivered' });
      expect(await surveyCardsIn(desk, ticket.conversationId)).toHaveLength(1);
      // The timeline has it once too.
      const timeline = await desk.database.db.select().from(messages).where(eq(messages.conversationId, ticket.conversationId));
      expect(timeline.filter((m) => m.activityId === `delivery:${deliveryId}`)).toHaveLength(1);
    } finally {
      for (const w of workers) await w.kill9();
      await consumer?.close();
      await deliveryQueue?.close();
      await events?.close();
      await deliveryEvents?.close();
      await followUps.obliterate({ force: true }).catch(() => undefined);
      await followUps.close();
      deliveryRedis.resume();
      await deliveryRedis.stop();
      await desk.database.close();
    }
  });
});

/** Resolves when a backend of this database sits idle inside a transaction that wrote a ticket event (the killed worker's job). */
async function waitForBackendIdleInTransaction(database: Awaited<ReturnType<typeof openDesk>>['database']): Promise<void> {
  const { sql } = await import('drizzle-orm');
  for (;;) {
    const rows = await database.db.execute(
      sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'idle in transaction' and query ilike 'insert into "ticket_events"%'`,
    );
    if ((rows as unknown as { rows: Array<{ n: number }> }).rows[0].n > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
