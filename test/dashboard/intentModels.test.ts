import type { Queue } from 'bullmq';
import { startInProcessApp, testDatabaseUrl } from '../support/apps';
import type { Application } from '../../bot/application';
import { openDatabase, type Database } from '../../crm';
import { customers } from '../../crm/schema';
import { IntentLabelStore, IntentModelStore, IntentModelTrainer, type IntentTrainingResult } from '../../crm/understanding';
import { createQueue, intentModelTrainingJobId, QUEUE_NAMES } from '../../workers';
import { ConsoleClient, expectClosedRoutes, makeUser, PASSWORD } from '../api/consoleClient';
import { recordUnderstood } from '../understanding/fixtures';
import { runQueuePrefix } from '../support/redisNames';

/**
 * The dashboard's intent model versions over HTTP, on versions trained for real (the built-in
 * baseline and a retrained version with one agent correction) before the app started: the list with
 * frozen-split scores, provenance and decisions; roll back to the baseline (pinned, announced over
 * Redis: the running bot switches without a restart), roll forward, unpin; "Retrain now" queues one
 * job. The app polls the active id only every 30 s, so a switch within the test is the announcement.
 */
describe('dashboard: intent model versions', () => {
  let database: Database;
  let app: Application & { url: string };
  let supervisor: ConsoleClient;
  let admin: ConsoleClient;
  let agent: ConsoleClient;
  let trained: IntentTrainingResult;
  let store: IntentModelStore;
  let queue: Queue;
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

  beforeAll(async () => {
    database = await openDatabase({ url: testDatabaseUrl() });
    store = new IntentModelStore(database.db);
    const [{ id: customerId }] = await database.db.insert(customers).values({ displayName: 'Dashboard Customer' }).returning({ id: customers.id });
    const m = await recordUnderstood(database.db, { customerId, conversationId: 'conv-models', text: 'the parcel came squashed and the lid was cracked', intent: 'shipping_info', confidence: 0.4 });
    await new IntentLabelStore(database.db).label({ messageId: m, intent: 'complaint', source: 'agent_correction', labelledBy: 'agent:00000000-0000-4000-8000-000000000001' });
    // Activated whatever its scores (the gate is tested with the job): this test is about what supervisors do.
    trained = await new IntentModelTrainer({ db: database.db, execution: 'inline', policy: { accuracyTolerance: 1, languageAccuracyTolerance: 1, oosRecallTolerance: 1 } }).train();
    app = await startInProcessApp();
    supervisor = await new ConsoleClient(app.url).signIn((await makeUser(app, 'supervisor', [], 'Sam Supervisor')).email, PASSWORD);
    admin = await new ConsoleClient(app.url).signIn((await makeUser(app, 'admin', [], 'Ada Admin')).email, PASSWORD);
    agent = await new ConsoleClient(app.url).signIn((await makeUser(app, 'agent', ['billing'])).email, PASSWORD);
    queue = createQueue(QUEUE_NAMES.intentModelTraining, { redisUrl, prefix: runQueuePrefix() });
    // This run's Redis database is ours: a job an earlier run left would answer instead.
    await queue.obliterate({ force: true });
  }, 300_000);
  afterAll(async () => {
    await queue?.obliterate({ force: true });
    await queue?.close();
    await app?.stop();
    await database?.close();
  });

  const baselineId = () => trained.baseline!.version.versionId;
  const retrainedId = () => trained.candidate!.version.versionId;

  it('the bot started on the active version from the database', () => {
    expect(trained.activated).toBe(retrainedId());
    expect(app.intentModels?.versionId).toBe(retrainedId());
  });

  it('is closed: 401 without a session, 403 for agents; a refused activation changes nothing', async () => {
    await expectClosedRoutes(
      [
        ['GET', '/api/dashboard/intent-models'],
        ['POST', `/api/dashboard/intent-models/${baselineId()}/activate`],
        ['POST', '/api/dashboard/intent-models/unpin'],
        ['POST', '/api/dashboard/intent-models/train'],
      ],
      () => new ConsoleClient(app.url),
      agent,
    );
    expect(await store.activeVersionId()).toBe(retrainedId());
    expect(await store.pinned()).toBeNull();
  });

  it('lists the versions newest first with frozen-split scores, provenance, the decision and which one is active', async () => {
    const res = await supervisor.get('/api/dashboard/intent-models');
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body).toMatchObject({ activeVersionId: retrainedId(), pin: null, policy: { accuracyTolerance: 0.002, languageAccuracyTolerance: 0.005, oosRecallTolerance: 0.01 }, labels: { agent_correction: 1 } });
    expect(body.versions.map((v: { versionId: string; kind: string; decision: string; active: boolean }) => [v.versionId, v.kind, v.decision, v.active])).toEqual([
      [retrainedId(), 'retrained', 'activated', true],
      [baselineId(), 'built-in', 'baseline', false],
    ]);
    const [retrained, baseline] = body.versions;
    expect(retrained.provenance).toMatchObject({ builtIn: baseline.provenance.builtIn, learned: 1, agent_correction: 1 });
    expect(retrained).toMatchObject({ comparedWith: baselineId(), reason: expect.any(String), checks: expect.arrayContaining([expect.objectContaining({ metric: 'oosRecall' })]) });
    for (const v of body.versions) {
      expect(v.scores).toMatchObject({ n: 4000, accuracy: expect.any(Number), oosRecall: expect.any(Number), inScopeAccuracy: expect.any(Number), byLanguage: { en: { n: 2000 }, zh: { n: 2000 } } });
      expect(v.storedBytes).toBeLessThan(v.modelBytes);
    }
  });

  it('refuses a malformed version id with 400 and an unknown one with 404; nothing changes', async () => {
    for (const bad of ['ease-0123456789ab', 'intent-', 'INTENT-abc', `intent-${'a'.repeat(60)}`]) {
      const res = await supervisor.post(`/api/dashboard/intent-models/${encodeURIComponent(bad)}/activate`, {});
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
    }
    const unknown = await supervisor.post('/api/dashboard/intent-models/intent-0123456789ab/activate', {});
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'unknown_model_version']);
    expect(await store.activeVersionId()).toBe(retrainedId());
  });

  it('rolling back to the baseline pins it and the running bot switches to it at once; again is a no-op; forward moves the pin; unpin is idempotent', async () => {
    const back = await supervisor.post(`/api/dashboard/intent-models/${baselineId()}/activate`, {});
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ changed: true, announced: true, version: { versionId: baselineId(), active: true, pinned: true }, pin: { versionId: baselineId(), pinnedBy: { actor: expect.stringMatching(/^agent:/), name: 'Sam Supervisor' } } });
    await app.intentModels!.whenServing(baselineId());
    expect(app.intentModels!.versionId).toBe(baselineId());

    const again = await admin.post(`/api/dashboard/intent-models/${baselineId()}/activate`, {});
    expect(again.body).toMatchObject({ changed: false, announced: false, pin: back.body.pin });
    const listed = (await supervisor.get('/api/dashboard/intent-models')).body;
    expect([listed.activeVersionId, listed.pin]).toEqual([baselineId(), back.body.pin]);

    const forward = await admin.post(`/api/dashboard/intent-models/${retrainedId()}/activate`, {});
    expect(forward.body).toMatchObject({ changed: true, pin: { versionId: retrainedId(), pinnedBy: { name: 'Ada Admin' } } });
    await app.intentModels!.whenServing(retrainedId());

    const unpinned = await supervisor.post('/api/dashboard/intent-models/unpin', {});
    expect([unpinned.status, unpinned.body]).toEqual([200, { changed: true, previous: forward.body.pin }]);
    expect((await admin.post('/api/dashboard/intent-models/unpin', {})).body).toEqual({ changed: false, previous: null });
    expect(await store.activeVersionId()).toBe(retrainedId());
  });

  it('"Retrain now" queues one job for the data as it is, and answers with it while it waits', async () => {
    const stamp = await new IntentModelTrainer({ db: database.db }).stamp();
    const first = await supervisor.post('/api/dashboard/intent-models/train', {});
    expect([first.status, first.body]).toEqual([202, { jobId: intentModelTrainingJobId(stamp), alreadyPending: false }]);
    expect((await queue.getJob(first.body.jobId))?.data).toEqual({ reason: 'on-demand', stamp });
    const again = await Promise.all([supervisor.post('/api/dashboard/intent-models/train', {}), admin.post('/api/dashboard/intent-models/train', {})]);
    for (const r of again) expect([r.status, r.body]).toEqual([202, { jobId: first.body.jobId, alreadyPending: true }]);
    expect(await queue.getJobCounts('wait')).toEqual({ wait: 1 });
  });
});
