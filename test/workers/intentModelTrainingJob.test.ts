import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Queue, QueueEvents, Worker } from 'bullmq';
import { eq } from 'drizzle-orm';
import { RedisModelActivations } from '../../crm/recommendations';
import { IntentLabelStore, IntentModelStore, IntentModelTrainer, unpackModelDir, type IntentModelVersion } from '../../crm/understanding';
import { customers, intentLabels, messages } from '../../crm/schema';
import { DEFAULT_HOLDOUT, DEFAULT_INTENTS_FILE, loadDefaultNlpEngine, loadEngineFromModelDir, readExamples, splitExamples } from '../../nlp';
import {
  createQueue, DEFAULT_INTENT_MODEL_TRAINING_CRON, INTENT_MODEL_TRAINING_JOB_NAME, INTENT_MODEL_TRAINING_SCHEDULER_ID, intentModelTrainingJobId, QUEUE_NAMES,
  requestIntentModelTrainingIfStale, requestIntentModelTrainingNow, scheduleIntentModelTraining, startIntentModelTrainingWorker, type IntentModelTrainingJobResult,
} from '../../workers';
import { IntentModelServing } from '../../bot/intentModels';
import { awaitCompleted, MAIN_REDIS_URL, openDesk, queueEvents, silentLog, testPrefix } from './fixtures/helpers';
import { recordUnderstood } from '../understanding/fixtures';
import { sharedNlpCache, tempDir } from '../support/apps';
import type { Database } from '../../crm';

/**
 * The intent retraining job on the run's PostgreSQL and Redis, the training in its worker thread
 * and scored on the real frozen split: an agent's correction reaches the next training (provenance,
 * and the trained model reads the corrected message as corrected), a running bot switches to the
 * activated version without a restart, a model made worse by its labels is stored as rejected and
 * not served, reruns store nothing new, a pinned version holds, a failing run is retried.
 */
describe('intent model training job', () => {
  let database: Database;
  let labels: IntentLabelStore;
  let store: IntentModelStore;
  let customerId: string;
  let prefix: string;
  let queue: Queue;
  let events: QueueEvents;
  let pub: Redis;
  let sub: Redis;
  let activations: RedisModelActivations;
  const workers: Worker[] = [];
  // The bot at a glance: a message the built-in model reads as a complaint; the customer meant feedback.
  const CORRECTED = '你们的包装太浪费了';
  // Accepts whatever it trains (the first test is about learning, not the gate: that is the second's).
  const lenient = { accuracyTolerance: 1, languageAccuracyTolerance: 1, oosRecallTolerance: 1 };

  beforeAll(async () => {
    ({ database } = await openDesk());
    labels = new IntentLabelStore(database.db);
    store = new IntentModelStore(database.db);
    [{ id: customerId }] = await database.db.insert(customers).values({ displayName: 'Learning Customer' }).returning({ id: customers.id });
    prefix = testPrefix();
    queue = createQueue(QUEUE_NAMES.intentModelTraining, { redisUrl: MAIN_REDIS_URL, prefix });
    events = await queueEvents(QUEUE_NAMES.intentModelTraining, MAIN_REDIS_URL, prefix);
    pub = new Redis(MAIN_REDIS_URL);
    sub = new Redis(MAIN_REDIS_URL);
    // A channel of this test's own: pub/sub is shared by every Redis database on the server.
    activations = new RedisModelActivations(pub, sub, `test:intent-models:${randomBytes(4).toString('hex')}`);
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    pub.disconnect();
    sub.disconnect();
    await database.close();
  });

  const startWorker = (trainer: IntentModelTrainer) => {
    const w = startIntentModelTrainingWorker({ redisUrl: MAIN_REDIS_URL, prefix, trainer, notifier: activations, log: silentLog });
    workers.push(w);
    return w;
  };
  const runJob = async (trainer: IntentModelTrainer): Promise<IntentModelTrainingJobResult> => {
    const { jobId } = await requestIntentModelTrainingNow(queue, trainer);
    const done = awaitCompleted(events, [jobId], { failOnFailed: true });
    return (await done).get(jobId) as IntentModelTrainingJobResult;
  };
  /** The stored version as a bot would serve it. */
  async function engineOf(v: Pick<IntentModelVersion, 'versionId'>) {
    const dir = path.join(tempDir('intent-version'), v.versionId);
    unpackModelDir((await store.bytes(v.versionId))!, dir);
    return loadEngineFromModelDir(dir);
  }

  it('the nightly schedule is one job scheduler (04:00 by default, in the support time zone); `off` removes it', async () => {
    await Promise.all([scheduleIntentModelTraining(queue, { tz: 'Asia/Shanghai' }), scheduleIntentModelTraining(queue, { tz: 'Asia/Shanghai' })]);
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: INTENT_MODEL_TRAINING_SCHEDULER_ID, pattern: DEFAULT_INTENT_MODEL_TRAINING_CRON, tz: 'Asia/Shanghai' });
    await scheduleIntentModelTraining(queue, { cron: 'off' });
    expect(await queue.getJobSchedulers()).toHaveLength(0);
  });

  it('an agent correction reaches the next training: counted in its provenance, learned by the model, and a running bot switches to it without a restart', async () => {
    const trainer = new IntentModelTrainer({ db: database.db, policy: lenient });
    // Nothing stored and nothing learned yet: a worker start asks for no training.
    expect(await requestIntentModelTrainingIfStale(queue, trainer, silentLog)).toBeNull();

    // The bot read the message as a complaint; an agent corrects it. Another message was clarified by the customer.
    const conversationId = `conv-${randomUUID()}`;
    const corrected = await recordUnderstood(database.db, { customerId, conversationId, text: CORRECTED, intent: 'complaint', confidence: 0.62, outcome: 'answered' });
    const clarified = await recordUnderstood(database.db, { customerId, conversationId, text: 'can I change where it goes', intent: 'update_details', confidence: 0.41, outcome: 'clarified', reason: 'close_call' });
    await labels.label({ messageId: corrected, intent: 'feedback', source: 'agent_correction', labelledBy: 'agent:00000000-0000-4000-8000-000000000001' });
    await labels.label({ messageId: clarified, intent: 'shipping_info', source: 'clarification', labelledBy: 'customer' });
    // Now a worker start asks for the first training (labels wait, nothing is stored).
    const staleJob = await requestIntentModelTrainingIfStale(queue, trainer, silentLog);
    expect(staleJob).toBe(intentModelTrainingJobId(await trainer.stamp()));
    await queue.remove(staleJob!);

    // A running bot: serves the built-in model (nothing stored yet) and watches for activations.
    const serving = new IntentModelServing({ store, cacheDir: tempDir('intent-versions'), fallback: () => loadDefaultNlpEngine({ cacheDir: sharedNlpCache }) });
    const bot = await serving.start();
    await serving.watch({ activations, pollMs: 0 });
    try {
      expect(serving.versionId).toBeNull();
      const builtInId = bot.modelInfo.id;
      expect((await bot.analyze(CORRECTED)).intent.name).not.toBe('feedback');

      startWorker(trainer);
      const result = await runJob(trainer);
      // The first run stores the built-in model as the baseline (the bot's own model: same id), then the retrained one.
      expect(result.baselineVersionId).toBe(builtInId);
      expect(result).toMatchObject({ created: true, decision: 'activated', skipped: null });
      const base = readExamples(DEFAULT_INTENTS_FILE);
      expect(result.provenance).toEqual({
        // The built-in model trains on every row (DEFAULT_HOLDOUT); the frozen split measures it.
        builtIn: DEFAULT_HOLDOUT > 0 ? splitExamples(base, DEFAULT_HOLDOUT).train.length : base.length,
        learned: 2,
        agent_correction: 1,
        clarification: 1,
        superseded: 0,
        excludedFrozenOverlap: 0,
        excludedInvalid: 0,
        excludedOtherLanguage: 0,
      });
      expect(result.scores).toMatchObject({ n: 4000, accuracy: expect.any(Number), oosRecall: expect.any(Number), inScopeAccuracy: expect.any(Number), byLanguage: { en: { n: 2000 }, zh: { n: 2000 } } });

      const versions = await store.list();
      expect(versions.map((v) => [v.versionId, v.decision, v.active, v.params.kind])).toEqual([
        [result.versionId, 'activated', true, 'retrained'],
        [builtInId, 'baseline', false, 'built-in'],
      ]);
      // The decision compared it with the baseline, metric by metric.
      expect(versions[0].decisionDetail).toMatchObject({ activate: true, comparedWith: builtInId, failed: [], checks: expect.arrayContaining([expect.objectContaining({ metric: 'accuracy', passed: true })]) });
      expect(versions[0].modelBytes).toBeGreaterThan(500_000);
      expect(versions[0].storedBytes).toBeLessThan(versions[0].modelBytes);

      // The trained model reads the corrected message as the agent said.
      expect((await (await engineOf(versions[0])).analyze(CORRECTED)).intent.name).toBe('feedback');
      // The running bot heard the announcement and serves the new version: same answer, no restart.
      await serving.whenServing(result.versionId);
      expect(bot.modelInfo.id).toBe(result.versionId);
      expect((await bot.analyze(CORRECTED)).intent.name).toBe('feedback');

      // Asked again for the same data: the finished job is replaced, the rerun trains nothing and stores nothing.
      const rerun = await runJob(trainer);
      expect(rerun).toMatchObject({ versionId: result.versionId, created: false, skipped: 'stored', activated: null, baselineVersionId: null });
      expect(await store.list()).toHaveLength(2);
      // And the worker start check: the active version learned from today's built-in data.
      expect(await requestIntentModelTrainingIfStale(queue, trainer, silentLog)).toBeNull();
    } finally {
      await serving.close();
      await workers.pop()!.close();
    }
  }, 600_000);

  it('a model made worse by its labels (a whole intent flipped to another) is kept as rejected and not served', async () => {
    const before = (await store.active())!;
    // Every built-in training row of `thanks`, said by customers and "clarified" as goodbye.
    const thanks = readExamples(DEFAULT_INTENTS_FILE).filter((r) => r.intent === 'thanks');
    const conversationId = `flip-${randomUUID()}`;
    const inserted = await database.db
      .insert(messages)
      .values(thanks.map((r, i) => ({ customerId, channel: 'directline', conversationId, direction: 'inbound' as const, author: 'customer', text: r.text, activityId: `flip-${i}` })))
      .returning({ id: messages.id });
    await database.db.insert(intentLabels).values(inserted.map((m, i) => ({ text: thanks[i].text, language: thanks[i].lang!, intent: 'goodbye', source: 'clarification' as const, messageId: m.id, previousIntent: 'thanks', labelledBy: 'customer' })));

    const trainer = new IntentModelTrainer({ db: database.db });
    startWorker(trainer);
    const announcedNow: string[] = [];
    const unsubscribe = await activations.subscribe((id) => announcedNow.push(id));
    try {
      const result = await runJob(trainer);
      expect(result).toMatchObject({ created: true, decision: 'rejected', activated: null, activeVersionId: before.versionId });
      // Short thanks ("thank you", 谢谢) say the same as frozen test rows: those labels are left out, the rest trained on.
      const p = result.provenance as Record<string, number>;
      expect(p).toMatchObject({ agent_correction: 1, excludedFrozenOverlap: expect.any(Number) });
      expect(p.clarification + p.excludedFrozenOverlap).toBe(1 + thanks.length);
      expect(p.clarification).toBeGreaterThan(thanks.length / 2);
      expect(result.reason).toMatch(/^worse than the active model on the frozen split: accuracy/);
      const rejected = (await store.get(result.versionId!))!;
      expect(rejected).toMatchObject({ active: false, decision: 'rejected', decisionDetail: { activate: false, comparedWith: before.versionId } });
      expect((rejected.decisionDetail as { failed: string[] }).failed).toContain('accuracy');
      expect(rejected.scores.accuracy).toBeLessThan(before.scores.accuracy - 0.002);
      expect(await store.activeVersionId()).toBe(before.versionId);
      expect(announcedNow).toEqual([]);
    } finally {
      unsubscribe();
      await workers.pop()!.close();
      // The flipped labels go, for the next test.
      await database.db.delete(intentLabels).where(eq(intentLabels.labelledBy, 'customer'));
    }
  }, 600_000);

  it('while a supervisor pins a version, a passing retraining is stored as pinned, not activated', async () => {
    const pinned = (await store.active())!;
    await store.activate(pinned.versionId, { pinnedBy: { actor: 'agent:00000000-0000-4000-8000-00000000000a', name: 'Sam Supervisor' } });
    const another = await recordUnderstood(database.db, { customerId, conversationId: `conv-${randomUUID()}`, text: 'the lid of the tin does not close properly', intent: 'product_question', confidence: 0.5 });
    await labels.label({ messageId: another, intent: 'complaint', source: 'agent_correction', labelledBy: 'agent:00000000-0000-4000-8000-000000000001' });
    const result = await new IntentModelTrainer({ db: database.db, policy: lenient, execution: 'inline' }).train();
    expect(result.candidate).toMatchObject({ created: true, activated: false, version: { decision: 'pinned', active: false }, pin: { versionId: pinned.versionId, pinnedBy: { name: 'Sam Supervisor' } } });
    expect(result.activated).toBeNull();
    expect(await store.activeVersionId()).toBe(pinned.versionId);
    expect(await store.unpin()).toMatchObject({ versionId: pinned.versionId });
  }, 600_000);

  it('a run that cannot read its data fails the job, which is retried; nothing is stored', async () => {
    const failPrefix = testPrefix();
    const failQueue = createQueue(QUEUE_NAMES.intentModelTraining, { redisUrl: MAIN_REDIS_URL, prefix: failPrefix });
    const failEvents = await queueEvents(QUEUE_NAMES.intentModelTraining, MAIN_REDIS_URL, failPrefix);
    const before = await store.list();
    const failing = startIntentModelTrainingWorker({ redisUrl: MAIN_REDIS_URL, prefix: failPrefix, trainer: new IntentModelTrainer({ db: database.db, frozenPath: path.join(tempDir('none'), 'missing') }), log: silentLog });
    try {
      const job = await failQueue.add(INTENT_MODEL_TRAINING_JOB_NAME, { reason: 'on-demand' }, { attempts: 2, backoff: { type: 'fixed', delay: 1 } });
      const failed = new Promise<string>((resolve) => failEvents.on('failed', ({ jobId, failedReason }) => jobId === job.id && resolve(failedReason)));
      expect(await failed).toMatch(/ENOENT/);
      const after = await failQueue.getJob(job.id!);
      expect(after?.attemptsMade).toBe(2);
      expect(await after?.getState()).toBe('failed');
      expect((await store.list()).map((v) => v.versionId)).toEqual(before.map((v) => v.versionId));
    } finally {
      await failing.close();
      await failEvents.close();
      await failQueue.obliterate({ force: true });
      await failQueue.close();
    }
  }, 120_000);
});
