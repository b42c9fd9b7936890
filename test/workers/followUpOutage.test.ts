import { and, eq, inArray, isNull } from 'drizzle-orm';
import { createCrm, openDatabase } from '../../crm';
import { outbox } from '../../crm/schema';
import { createSupport, defaultRoutingConfig, FOLLOW_UP_TOPICS } from '../../crm/support';
import { deliveryJobId, QUEUE_NAMES, startWorkers, type WorkerHost } from '../../workers';
import { tempDir, testDatabaseUrl } from '../support/apps';
import { awaitCompleted, freePort, queueEvents, ScratchRedis, silentLog, testPrefix } from './fixtures/helpers';
import { eventsOfType, onlineAgent, resolvedWebTicket, startDeliveryConsumer, surveyCardsIn } from './fixtures/followUps';

/**
 * Acceptance: stop Redis, resolve tickets, start Redis: every follow-up is scheduled and delivered.
 * The survey rows wait in the PostgreSQL outbox while Redis is down; surveys already handed to Redis
 * as delayed jobs survive its restart (append-only file); each customer gets exactly one card.
 */
describe('follow-ups through a Redis outage', () => {
  it('Stop Redis, resolve tickets, start Redis: every CSAT survey is scheduled and delivered, once each', async () => {
    const database = await openDatabase({ url: testDatabaseUrl(), poolSize: 10 });
    const support = createSupport({ db: database.db, config: defaultRoutingConfig, followUps: { csatSurveyDelaySeconds: 1 } });
    await support.queues.sync(defaultRoutingConfig);
    const desk = { database, support, crm: createCrm(database.db) };
    const redis = new ScratchRedis(await freePort(), tempDir('redis'));
    await redis.start();
    const prefix = testPrefix();
    let host: WorkerHost | undefined;
    let consumer: ReturnType<typeof startDeliveryConsumer> | undefined;
    try {
      host = await startWorkers({ redisUrl: redis.url, prefix, crm: desk.crm, db: database.db, log: silentLog, evaluationCron: 'off', customerValueCron: 'off', relayPollMs: 100, relayBackoffMaxMs: 500 });
      consumer = startDeliveryConsumer(desk, { redisUrl: redis.url, prefix });
      const agentId = await onlineAgent(desk, 'Oda Outage');

      // Handed to Redis as delayed jobs (due in a second) just before the outage.
      const before = [await resolvedWebTicket(desk, agentId), await resolvedWebTicket(desk, agentId)];
      await host.relay.drained();
      const relayed = await database.db.select().from(outbox).where(inArray(outbox.dedupeKey, before.map((t) => `followup:csat:${t.id}:1`)));
      expect(relayed.map((r) => r.relayedAt)).toEqual([expect.any(Date), expect.any(Date)]);
      await redis.stop();

      // Resolved while Redis is down: the resolves work, the surveys wait in the outbox.
      const during = [];
      for (let i = 0; i < 6; i++) during.push(await resolvedWebTicket(desk, agentId));
      const waiting = await database.db
        .select()
        .from(outbox)
        .where(and(isNull(outbox.relayedAt), eq(outbox.topic, FOLLOW_UP_TOPICS.csatSurvey)));
      expect(waiting.map((r) => r.payload.ticketId).sort()).toEqual(during.map((t) => t.id).sort());

      await redis.start();
      const all = [...before, ...during];
      const events = await queueEvents(QUEUE_NAMES.deliveries, redis.url, prefix);
      try {
        const done = awaitCompleted(
          events,
          all.map((t) => deliveryJobId(`csat-${t.id}-1`)),
        );
        const results = await done;
        expect([...results.values()].map((r) => (r as { outcome: string }).outcome)).toEqual(all.map(() => 'delivered'));
      } finally {
        await events.close();
      }
      for (const t of all) {
        expect(await surveyCardsIn(desk, t.conversationId)).toHaveLength(1);
        expect(await eventsOfType(desk, t.id, 'csat_requested')).toHaveLength(1);
      }
      const unrelayed = await database.db
        .select()
        .from(outbox)
        .where(and(isNull(outbox.relayedAt), eq(outbox.topic, FOLLOW_UP_TOPICS.csatSurvey)));
      expect(unrelayed).toEqual([]);
    } finally {
      await consumer?.close();
      await host?.close();
      await redis.stop();
      await database.close();
    }
  });
});
