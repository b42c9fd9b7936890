import { Redis } from 'ioredis';
import type { Queue, QueueEvents, Worker } from 'bullmq';
import { startInProcessApp } from '../support/apps';
import type { Application } from '../../bot/application';
import {
  RecommendationModelStore, RecommendationService, RecommendationTrainer, RedisModelActivations, trainingDataStamp, type TrainingResult,
} from '../../crm/recommendations';
import {
  createQueue, QUEUE_NAMES, recommendationTrainingJobId, scheduleRecommendationTraining, startRecommendationTrainingWorker,
  type RecommendationTrainingResult,
} from '../../workers';
import { ConsoleClient, expectClosedRoutes, makeUser, PASSWORD } from '../api/consoleClient';
import { openShop, type Shop } from '../recommendations/dbFixtures';
import { awaitCompleted, queueEvents, silentLog } from '../workers/fixtures/helpers';
import { runQueuePrefix, runRedisNames } from '../support/redisNames';

/**
 * The dashboard's recommendation model versions over HTTP (own database, the run's PostgreSQL and
 * Redis): who may use the routes, the list against versions trained and saved with the real store,
 * activation (one active version, announced over Redis: a watching RecommendationService reloads to
 * it; the activated version is pinned for the supervisor), unpin, and "train now" through the real
 * training queue (while pinned: stored, not activated).
 */
describe('dashboard: recommendation model versions', () => {
  let app: Application & { url: string };
  let shop: Shop;
  let supervisor: ConsoleClient;
  let admin: ConsoleClient;
  let agent: ConsoleClient;
  let samPin: { actor: string; name: string };
  let store: RecommendationModelStore;
  let popularity: TrainingResult;
  let knn: TrainingResult;
  const anon = () => new ConsoleClient(app.url);
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const T1 = new Date('2026-11-20T03:30:00Z');
  const T2 = new Date('2026-11-21T03:30:00Z');

  beforeAll(async () => {
    app = await startInProcessApp();
    // The small tea-and-coffee shop (14 customers, 8 bought products) in the app's database.
    shop = await openShop();
    store = new RecommendationModelStore(shop.database.db);
    popularity = await new RecommendationTrainer({ db: shop.database.db, algorithm: 'popularity', execution: 'inline', now: () => T1 }).trainAndActivate();
    knn = await new RecommendationTrainer({ db: shop.database.db, algorithm: 'item-knn', execution: 'inline', now: () => T2 }).trainAndActivate();
    const sam = await makeUser(app, 'supervisor', [], 'Sam Supervisor');
    const ada = await makeUser(app, 'admin', [], 'Ada Admin');
    const bea = await makeUser(app, 'agent', ['billing'], 'Bea Billing');
    samPin = { actor: `agent:${sam.id}`, name: 'Sam Supervisor' };
    supervisor = await new ConsoleClient(app.url).signIn(sam.email, PASSWORD);
    admin = await new ConsoleClient(app.url).signIn(ada.email, PASSWORD);
    agent = await new ConsoleClient(app.url).signIn(bea.email, PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await shop?.database.close();
  });

  const ROUTES: Array<[string, string]> = [
    ['GET', '/api/dashboard/recommendations/models'],
    ['POST', '/api/dashboard/recommendations/models/ease-000000000000/activate'],
    ['POST', '/api/dashboard/recommendations/models/unpin'],
    ['POST', '/api/dashboard/recommendations/train'],
  ];

  it('is closed: 401 without a session, 403 for agents, on every route; a refused activation changes nothing', async () => {
    await expectClosedRoutes(ROUTES, anon, agent);
    const refused = await agent.post(`/api/dashboard/recommendations/models/${popularity.info.versionId}/activate`, {});
    expect(refused.status).toBe(403);
    expect(await store.activeVersionId()).toBe(knn.info.versionId);
    expect(await store.pinned()).toBeNull();
  });

  it('lists the stored versions newest first with algorithm, training time, sizes, metrics and the active one', async () => {
    const stored = await store.list();
    for (const who of [supervisor, admin]) {
      const res = await who.get('/api/dashboard/recommendations/models');
      expect(res.status).toBe(200);
      expect(res.body.activeVersionId).toBe(knn.info.versionId);
      expect(res.body.pin).toBeNull();
      expect(res.body.versions).toEqual(
        [knn, popularity].map((t) => {
          const row = stored.find((v) => v.versionId === t.info.versionId)!;
          return {
            versionId: t.info.versionId,
            algorithm: t.info.algorithm,
            active: t === knn,
            pinned: false,
            trainedAt: t.info.trainedAt.toISOString(),
            activatedAt: row.activatedAt?.toISOString() ?? null,
            sizes: { customers: t.info.customers, items: t.info.items, interactions: t.info.interactions },
            metrics: { ...t.metrics },
            params: t.info.params,
            trainingMs: t.info.trainingMs,
            modelBytes: t.info.modelBytes,
            snapshotBytes: t.snapshot.byteLength,
          };
        }),
      );
    }
    const [newest, older] = (await supervisor.get('/api/dashboard/recommendations/models')).body.versions;
    expect(newest.sizes).toMatchObject({ customers: 14, items: 8 });
    // The twelve customers with two or more products were evaluated against popularity, at k = 1 (8 items / 5).
    expect(newest.metrics).toEqual({ evaluatedCustomers: 12, k: 1, hitRate: expect.any(Number), popularityHitRate: expect.any(Number), coverage: expect.any(Number) });
    expect(older.activatedAt).not.toBeNull(); // it was active before the newer training replaced it
  });

  it('refuses a malformed version id with 400 and an unknown one with 404; nothing changes', async () => {
    for (const bad of ['not-a-version', 'EASE-0123456789ab', 'ease-0123', `ease-${'a'.repeat(13)}`, `${'x'.repeat(60)}-0123456789ab`]) {
      const res = await supervisor.post(`/api/dashboard/recommendations/models/${encodeURIComponent(bad)}/activate`, {});
      expect({ bad, status: res.status, code: res.body?.error?.code }).toEqual({ bad, status: 400, code: 'invalid_request' });
    }
    const unknown = await supervisor.post('/api/dashboard/recommendations/models/ease-0123456789ab/activate', {});
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'unknown_model_version']);
    expect(await store.activeVersionId()).toBe(knn.info.versionId);
  });

  it('activating a stored version switches the active one, pins it for the supervisor, and every watching web process reloads to it; again is a no-op', async () => {
    const pub = new Redis(redisUrl);
    const sub = new Redis(redisUrl);
    // Another web process: no poll, so only the Redis announcement can make it reload.
    const web = new RecommendationService({ db: shop.database.db, autoTrainMaxProducts: 0 });
    try {
      await web.start();
      expect(web.versionId).toBe(knn.info.versionId);
      await web.watch({ activations: new RedisModelActivations(pub, sub, runRedisNames().recommendationModelChannel), pollMs: 0 });

      const res = await supervisor.post(`/api/dashboard/recommendations/models/${popularity.info.versionId}/activate`, {});
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ changed: true, announced: true, version: { versionId: popularity.info.versionId, active: true, pinned: true, algorithm: 'popularity' } });
      expect(res.body.pin).toEqual({ versionId: popularity.info.versionId, pinnedAt: res.body.version.activatedAt, pinnedBy: samPin });
      expect(Date.parse(res.body.version.activatedAt)).toBeGreaterThan(T2.getTime());
      expect(await store.pinned()).toEqual({ versionId: popularity.info.versionId, pinnedAt: new Date(res.body.pin.pinnedAt), pinnedBy: samPin });
      expect(await store.activeVersionId()).toBe(popularity.info.versionId);
      await web.whenServing(popularity.info.versionId);
      expect(web.versionId).toBe(popularity.info.versionId);
      // Served from the rolled-back version: popularity has no personal results.
      expect(web.forCustomer(shop.customer.teaNewbie, { k: 3 }).cards.every((c) => c.source !== 'personalized')).toBe(true);

      const again = await admin.post(`/api/dashboard/recommendations/models/${popularity.info.versionId}/activate`, {});
      expect(again.status).toBe(200);
      // The admin's second activation keeps Sam's pin as it was.
      expect(again.body).toMatchObject({ changed: false, announced: false, version: { versionId: popularity.info.versionId, active: true }, pin: res.body.pin });
      const list = (await supervisor.get('/api/dashboard/recommendations/models')).body;
      expect(list.activeVersionId).toBe(popularity.info.versionId);
      expect(list.pin).toEqual(res.body.pin);
      expect(list.versions.map((v: { versionId: string; active: boolean; pinned: boolean }) => [v.versionId, v.active, v.pinned])).toEqual([
        [knn.info.versionId, false, false],
        [popularity.info.versionId, true, true],
      ]);

      // Roll forward again, by the admin: the pin moves with it.
      const forward = await admin.post(`/api/dashboard/recommendations/models/${knn.info.versionId}/activate`, {});
      expect(forward.body).toMatchObject({ changed: true, announced: true, pin: { versionId: knn.info.versionId, pinnedBy: { actor: expect.stringMatching(/^agent:/), name: 'Ada Admin' } } });
      await web.whenServing(knn.info.versionId);
      expect(await store.activeVersionId()).toBe(knn.info.versionId);
      expect((await store.pinned())?.versionId).toBe(knn.info.versionId);
    } finally {
      await web.close();
      pub.disconnect();
      sub.disconnect();
    }
  });

  describe('train now', () => {
    let queue: Queue;
    let events: QueueEvents;
    let worker: Worker | undefined;
    let pub: Redis;

    beforeAll(async () => {
      queue = createQueue(QUEUE_NAMES.recommendationTraining, { redisUrl, prefix: runQueuePrefix() });
      // This run's Redis database is ours: jobs an earlier run left behind would answer instead.
      await queue.obliterate({ force: true });
      events = await queueEvents(QUEUE_NAMES.recommendationTraining, redisUrl, runQueuePrefix());
      pub = new Redis(redisUrl);
    });
    afterAll(async () => {
      await worker?.close();
      await events?.close();
      await queue?.obliterate({ force: true });
      await queue?.close();
      pub?.disconnect();
    });

    const pendingCount = async () => {
      const counts = await queue.getJobCounts('wait', 'active', 'prioritized', 'delayed');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    };

    it('queues exactly one training job for the data as it is, and answers with it while it waits', async () => {
      // The nightly schedule's next run is a delayed job: not a pending "now".
      await scheduleRecommendationTraining(queue, { cron: '30 3 * * *' });
      expect(await queue.getJobCounts('delayed')).toEqual({ delayed: 1 });

      const stamp = await trainingDataStamp(shop.database.db);
      const first = await supervisor.post('/api/dashboard/recommendations/train', {});
      expect(first.status).toBe(202);
      expect(first.body).toEqual({ jobId: recommendationTrainingJobId(stamp), alreadyPending: false });
      const job = await queue.getJob(first.body.jobId);
      expect(job?.data).toEqual({ reason: 'on-demand', stamp });
      expect(await job?.getState()).toBe('waiting');

      // Pressed again (twice at once) while it waits: the same job, none added.
      const again = await Promise.all([supervisor.post('/api/dashboard/recommendations/train', {}), admin.post('/api/dashboard/recommendations/train', {})]);
      for (const r of again) expect([r.status, r.body]).toEqual([202, { jobId: first.body.jobId, alreadyPending: true }]);
      expect(await queue.getJobCounts('wait')).toEqual({ wait: 1 });
      expect(await pendingCount()).toBe(2); // the waiting job and the schedule's future run
      await scheduleRecommendationTraining(queue, { cron: 'off' });
      expect(await pendingCount()).toBe(1);
    });

    it('while a version is pinned it runs, stores the new version with its metrics, and does not activate it; activating that version from the list moves the pin; unpin is idempotent', async () => {
      const pinned = await store.pinned();
      expect(pinned?.versionId).toBe(knn.info.versionId);
      const jobId = recommendationTrainingJobId(await trainingDataStamp(shop.database.db));
      const done = awaitCompleted(events, [jobId], { failOnFailed: true });
      worker = startRecommendationTrainingWorker({ redisUrl, prefix: runQueuePrefix(), trainer: new RecommendationTrainer({ db: shop.database.db, algorithm: 'ease' }), notifier: new RedisModelActivations(pub, undefined, runRedisNames().recommendationModelChannel), log: silentLog });
      const result = (await done).get(jobId) as RecommendationTrainingResult;
      await worker.close();
      worker = undefined;
      expect(result).toMatchObject({ algorithm: 'ease', created: true, activated: false, notActivatedReason: 'pinned', pinnedVersionId: knn.info.versionId });

      const list = (await supervisor.get('/api/dashboard/recommendations/models')).body;
      expect(list.activeVersionId).toBe(knn.info.versionId);
      expect(list.pin).toEqual({ versionId: knn.info.versionId, pinnedAt: pinned!.pinnedAt.toISOString(), pinnedBy: pinned!.pinnedBy });
      expect(list.versions[0]).toMatchObject({ versionId: result.versionId, algorithm: 'ease', active: false, pinned: false, metrics: result.metrics });
      expect(result.metrics).toMatchObject({ hitRate: expect.any(Number) });
      // Pruning (keep 3) kept the pinned version.
      expect(list.versions.map((v: { versionId: string }) => v.versionId)).toEqual([result.versionId, knn.info.versionId, popularity.info.versionId]);

      // The supervisor likes the new version after all: activating it serves it and moves the pin.
      const moved = await supervisor.post(`/api/dashboard/recommendations/models/${result.versionId}/activate`, {});
      expect(moved.body).toMatchObject({ changed: true, version: { versionId: result.versionId, active: true, pinned: true }, pin: { versionId: result.versionId, pinnedBy: samPin } });

      const unpinned = await supervisor.post('/api/dashboard/recommendations/models/unpin', {});
      expect([unpinned.status, unpinned.body]).toEqual([200, { changed: true, previous: moved.body.pin }]);
      const again = await admin.post('/api/dashboard/recommendations/models/unpin', {});
      expect([again.status, again.body]).toEqual([200, { changed: false, previous: null }]);
      const after = (await supervisor.get('/api/dashboard/recommendations/models')).body;
      expect([after.activeVersionId, after.pin]).toEqual([result.versionId, null]); // unpinning serves the same version
      // Back to the rollback target for the next test, unpinned: the next training activates its result.
      expect(await store.activate(knn.info.versionId)).toBe(true);
      expect(await store.pinned()).toBeNull();
    });

    it('unpinned: the next run activates its result again (announced), and pressing it again queues a new run', async () => {
      // Pub/sub is shared by every Redis database: other runs' announcements may arrive too.
      const announced = new Set<string>();
      let onAnnounced = () => undefined as void;
      const sub = new Redis(redisUrl);
      try {
        await new RedisModelActivations(pub, sub, runRedisNames().recommendationModelChannel).subscribe((id) => {
          announced.add(id);
          onAnnounced();
        });
        // The same data as the run while pinned: its stored version, activated this time.
        const queued = await supervisor.post('/api/dashboard/recommendations/train', {});
        const jobId = recommendationTrainingJobId(await trainingDataStamp(shop.database.db));
        expect([queued.status, queued.body]).toEqual([202, { jobId, alreadyPending: false }]);
        const done = awaitCompleted(events, [jobId], { failOnFailed: true });
        worker = startRecommendationTrainingWorker({ redisUrl, prefix: runQueuePrefix(), trainer: new RecommendationTrainer({ db: shop.database.db, algorithm: 'ease' }), notifier: new RedisModelActivations(pub, undefined, runRedisNames().recommendationModelChannel), log: silentLog });
        const result = (await done).get(jobId) as RecommendationTrainingResult;
        expect(result).toMatchObject({ algorithm: 'ease', created: false, activated: true, notActivatedReason: null });
        await new Promise<void>((resolve) => {
          onAnnounced = () => (announced.has(result.versionId) ? resolve() : undefined);
          onAnnounced();
        });
        await worker.close();
        worker = undefined;

        const list = (await supervisor.get('/api/dashboard/recommendations/models')).body;
        expect(list.activeVersionId).toBe(result.versionId);
        expect(list.versions[0]).toMatchObject({ versionId: result.versionId, algorithm: 'ease', active: true });
        expect(list.versions).toHaveLength(3);

        // The finished job of the same data is replaced: a new run is queued, one job.
        const next = await supervisor.post('/api/dashboard/recommendations/train', {});
        expect([next.status, next.body]).toEqual([202, { jobId, alreadyPending: false }]);
        expect(await (await queue.getJob(jobId))?.getState()).toBe('waiting');
        expect(await pendingCount()).toBe(1);
      } finally {
        sub.disconnect();
      }
    });
  });

  it('appears in the OpenAPI document with its roles', async () => {
    const doc = await anon().get('/api/docs');
    const paths = doc.body.paths as Record<string, Record<string, { 'x-roles'?: string[]; responses: Record<string, unknown> }>>;
    const routes: Array<[string, 'get' | 'post', string]> = [
      ['/api/dashboard/recommendations/models', 'get', '200'],
      ['/api/dashboard/recommendations/models/{versionId}/activate', 'post', '200'],
      ['/api/dashboard/recommendations/models/unpin', 'post', '200'],
      ['/api/dashboard/recommendations/train', 'post', '202'],
    ];
    for (const [p, method, ok] of routes) {
      expect(paths[p]?.[method]?.['x-roles']).toEqual(['supervisor', 'admin']);
      expect(Object.keys(paths[p][method].responses)).toEqual(expect.arrayContaining([ok, '401', '403']));
    }
    expect(Object.keys(paths['/api/dashboard/recommendations/models/{versionId}/activate'].post.responses)).toEqual(expect.arrayContaining(['400', '404']));
  });
});
