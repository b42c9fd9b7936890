import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { Queue, QueueEvents, Worker } from 'bullmq';
import {
  RecommendationModelStore, RecommendationService, RecommendationTrainer, RECOMMENDATIONS_TRAIN_TOPIC, RedisModelActivations, requestTrainingInOutbox,
  trainingDataStamp, type AlgorithmName,
} from '../../crm/recommendations';
import {
  createQueue, DEFAULT_RECOMMENDATION_TRAINING_CRON, OutboxRelay, QUEUE_NAMES, RECOMMENDATION_TRAINING_JOB_NAME, RECOMMENDATION_TRAINING_SCHEDULER_ID,
  recommendationTrainingJobId, requestRecommendationTraining, scheduleRecommendationTraining, startRecommendationTrainingWorker,
  type RecommendationTrainingResult,
} from '../../workers';
import { awaitCompleted, MAIN_REDIS_URL, queueEvents, silentLog, testPrefix } from './fixtures/helpers';
import { openShop, type Shop } from '../recommendations/dbFixtures';

describe('recommendation training job', () => {
  let shop: Shop;
  let prefix: string;
  let queue: Queue;
  let events: QueueEvents;
  let worker: Worker | undefined;
  let pub: Redis;
  let sub: Redis;
  let activations: RedisModelActivations;
  const announced: string[] = [];

  beforeAll(async () => {
    shop = await openShop();
    prefix = testPrefix();
    queue = createQueue(QUEUE_NAMES.recommendationTraining, { redisUrl: MAIN_REDIS_URL, prefix });
    events = await queueEvents(QUEUE_NAMES.recommendationTraining, MAIN_REDIS_URL, prefix);
    pub = new Redis(MAIN_REDIS_URL);
    sub = new Redis(MAIN_REDIS_URL);
    // A channel of this test's own: pub/sub is shared by every Redis database on the server.
    activations = new RedisModelActivations(pub, sub, `test:recs:${randomBytes(4).toString('hex')}`);
    await activations.subscribe((id) => announced.push(id));
  });
  afterAll(async () => {
    await worker?.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    pub.disconnect();
    sub.disconnect();
    await shop.database.close();
  });

  const startWorker = () =>
    (worker ??= startRecommendationTrainingWorker({
      redisUrl: MAIN_REDIS_URL,
      prefix,
      trainer: new RecommendationTrainer({ db: shop.database.db }),
      notifier: activations,
      log: silentLog,
    }));

  it('the nightly schedule is one job scheduler (03:30 UTC by default); `off` removes it', async () => {
    await Promise.all([scheduleRecommendationTraining(queue), scheduleRecommendationTraining(queue)]);
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: RECOMMENDATION_TRAINING_SCHEDULER_ID, pattern: DEFAULT_RECOMMENDATION_TRAINING_CRON, tz: 'UTC' });
    const next = new Date(schedulers[0].next!);
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([3, 30]);
    await scheduleRecommendationTraining(queue, { cron: 'off' });
    expect(await queue.getJobSchedulers()).toHaveLength(0);
  });

  it('on demand: one job per data stamp however often asked; it trains, stores, activates and announces a version', async () => {
    const stamp = await trainingDataStamp(shop.database.db);
    const ids = await Promise.all([requestRecommendationTraining(queue, shop.database.db), requestRecommendationTraining(queue, shop.database.db)]);
    expect(ids[0]).toBe(recommendationTrainingJobId(stamp));
    expect(ids[1]).toBe(ids[0]);
    expect(await queue.getJobCounts('wait')).toMatchObject({ wait: 1 });

    const done = awaitCompleted(events, [ids[0]], { failOnFailed: true });
    startWorker();
    const result = (await done).get(ids[0]) as RecommendationTrainingResult;
    expect(result).toMatchObject({ algorithm: 'ease', created: true, activated: true, items: 8, customers: 14 });
    const store = new RecommendationModelStore(shop.database.db);
    expect(await store.activeVersionId()).toBe(result.versionId);
    // The twelve customers with two or more purchased products (not teaNewbie, not the viewer).
    expect(result.metrics).toMatchObject({ evaluatedCustomers: 12, hitRate: expect.any(Number) });

    // A web process started now serves that version.
    const web = new RecommendationService({ db: shop.database.db, autoTrainMaxProducts: 0 });
    await web.start();
    expect(web.versionId).toBe(result.versionId);
    expect(web.forCustomer(shop.customer.teaNewbie, { k: 3 }).cards.map((c) => c.sku)).not.toContain('SENCHA');
    await web.close();

    // The announcement reaches subscribers (published after the commit).
    await new Promise<void>((resolve) => (announced.includes(result.versionId) ? resolve() : activations.subscribe((id) => id === result.versionId && resolve())));
    expect(announced).toContain(result.versionId);

    // Asked again with the same data: the same job (kept as completed), nothing runs.
    expect(await requestRecommendationTraining(queue, shop.database.db)).toBe(ids[0]);
    expect(await queue.getJobCounts('wait', 'active', 'delayed')).toEqual({ wait: 0, active: 0, delayed: 0 });
  });

  it('new data, new job and new version; the same data trained twice stores nothing new', async () => {
    const store = new RecommendationModelStore(shop.database.db);
    const first = await store.activeVersionId();
    await shop.buy('c2', ['JASMINE']);
    const id = await requestRecommendationTraining(queue, shop.database.db);
    const done = awaitCompleted(events, [id], { failOnFailed: true });
    startWorker();
    const result = (await done).get(id) as RecommendationTrainingResult;
    expect(result.versionId).not.toBe(first);
    expect(result).toMatchObject({ created: true, activated: true, items: 9 });
    expect((await store.list()).map((v) => v.versionId)).toEqual([result.versionId, first]);

    // A rerun of that data (the job retried after a crash, or run by hand): same version, no new row, nothing to announce.
    const rerun = await new RecommendationTrainer({ db: shop.database.db }).trainAndActivate();
    expect(rerun).toMatchObject({ created: false, activated: false });
    expect(rerun.version.versionId).toBe(result.versionId);
    expect(await store.list()).toHaveLength(2);
  });

  it('through the outbox: one row per data stamp, relayed as the same deterministic job', async () => {
    await shop.buy('t3', ['JASMINE']);
    const keys = await Promise.all([requestTrainingInOutbox(shop.database.db), requestTrainingInOutbox(shop.database.db)]);
    expect(keys[1]).toBe(keys[0]);
    const stamp = await trainingDataStamp(shop.database.db);
    expect(keys[0]).toBe(`recommendations:train:${stamp}`);
    const relay = new OutboxRelay({ db: shop.database.db, log: silentLog, routes: { [RECOMMENDATIONS_TRAIN_TOPIC]: { queue, jobName: RECOMMENDATION_TRAINING_JOB_NAME } } });
    const done = awaitCompleted(events, [recommendationTrainingJobId(stamp)], { failOnFailed: true });
    expect(await relay.relayAll()).toBe(1);
    startWorker();
    const result = (await done).get(recommendationTrainingJobId(stamp)) as RecommendationTrainingResult;
    expect(result).toMatchObject({ created: true, activated: true });
    expect(await new RecommendationModelStore(shop.database.db).activeVersionId()).toBe(result.versionId);
  });

  it('while a supervisor has pinned a version, a run stores its version with metrics but does not activate or announce it, and logs why; unpinned, the next run activates', async () => {
    const store = new RecommendationModelStore(shop.database.db);
    const pinnedId = (await store.activeVersionId())!;
    await store.activate(pinnedId, { pinnedBy: { actor: 'agent:5b0f8a4e-0000-4000-8000-00000000000a', name: 'Sam Supervisor' } });
    // A worker of its own whose log is read (the shared one logs nothing).
    await worker?.close();
    worker = undefined;
    const logged: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const listening = startRecommendationTrainingWorker({ redisUrl: MAIN_REDIS_URL, prefix, trainer: new RecommendationTrainer({ db: shop.database.db }), notifier: activations, log });
    try {
      await shop.buy('t4', ['GRINDER']);
      const id = await requestRecommendationTraining(queue, shop.database.db);
      const done = awaitCompleted(events, [id], { failOnFailed: true });
      const result = (await done).get(id) as RecommendationTrainingResult;
      expect(result).toMatchObject({ created: true, activated: false, notActivatedReason: 'pinned', pinnedVersionId: pinnedId });
      expect(result.metrics).toMatchObject({ evaluatedCustomers: expect.any(Number), hitRate: expect.any(Number) });
      expect(await store.activeVersionId()).toBe(pinnedId);
      const stored = (await store.list()).find((v) => v.versionId === result.versionId);
      expect(stored).toMatchObject({ active: false, pin: null, metrics: result.metrics });
      expect(announced).not.toContain(result.versionId);
      expect(logged.filter((l) => l.versionId === result.versionId)).toEqual([
        expect.objectContaining({
          msg: 'recommendation model trained and stored, not activated: a supervisor pinned another version',
          jobId: id,
          activated: false,
          notActivatedReason: 'pinned',
          pinnedVersionId: pinnedId,
          pinnedBy: 'Sam Supervisor',
        }),
      ]);

      expect(await store.unpin()).toMatchObject({ versionId: pinnedId });
      await shop.buy('t5', ['GRINDER']);
      const nextId = await requestRecommendationTraining(queue, shop.database.db);
      const next = (await awaitCompleted(events, [nextId], { failOnFailed: true })).get(nextId) as RecommendationTrainingResult;
      expect(next).toMatchObject({ created: true, activated: true, notActivatedReason: null, pinnedVersionId: null });
      expect(await store.activeVersionId()).toBe(next.versionId);
      expect(logged.find((l) => l.versionId === next.versionId)).toMatchObject({ msg: 'recommendation model trained', activated: true });
    } finally {
      await listening.close();
    }
  });

  it('a training that fails in its thread fails the job, which is retried; nothing is stored', async () => {
    // Its own prefix: a worker of its own whose trainer cannot train (an algorithm the thread does not know).
    const failPrefix = testPrefix();
    const failQueue = createQueue(QUEUE_NAMES.recommendationTraining, { redisUrl: MAIN_REDIS_URL, prefix: failPrefix });
    const failEvents = await queueEvents(QUEUE_NAMES.recommendationTraining, MAIN_REDIS_URL, failPrefix);
    const store = new RecommendationModelStore(shop.database.db);
    const before = await store.list();
    const failing = startRecommendationTrainingWorker({
      redisUrl: MAIN_REDIS_URL,
      prefix: failPrefix,
      trainer: new RecommendationTrainer({ db: shop.database.db, algorithm: 'no-such-algorithm' as AlgorithmName }),
      log: silentLog,
    });
    try {
      const job = await failQueue.add(RECOMMENDATION_TRAINING_JOB_NAME, { reason: 'on-demand' }, { attempts: 2, backoff: { type: 'fixed', delay: 1 } });
      const failed = new Promise<string>((resolve) => failEvents.on('failed', ({ jobId, failedReason }) => jobId === job.id && resolve(failedReason)));
      expect(await failed).toMatch(/training thread: unknown recommendation algorithm: no-such-algorithm/);
      const after = await failQueue.getJob(job.id!);
      expect(after?.attemptsMade).toBe(2);
      expect(await after?.getState()).toBe('failed');
      expect(await store.list()).toEqual(before);
    } finally {
      await failing.close();
      await failEvents.close();
      await failQueue.obliterate({ force: true });
      await failQueue.close();
    }
  });
});
