/**
 * workers/: bullmq jobs on Redis. Never imports bot/: reaches people through ports (live events for
 * consoles, the `deliveries` queue for customers, which web processes send). Several worker processes may run at once (`npm run start:workers`):
 * the outbox relay locks rows with SKIP LOCKED, job ids are deterministic, bullmq hands each job to one
 * worker and retries a job whose worker died.
 */
import type { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Crm, Db } from '../crm';
import { AgentEvaluationService } from '../crm/scores';
import type { FollowUpSettings, LiveEventPublisher } from '../crm/support';
import { OutboxRelay } from './outboxRelay';
import { createQueues, QUEUE_NAMES, type QueueConnection } from './queues';
import { SLA_JOB_NAME, SLA_TOPIC, startSlaWorker } from './slaTimerJob';
import { followUpRoutes, startFollowUpWorker } from './followUpWorker';
import { scheduleAgentEvaluation, startAgentEvaluationWorker, DEFAULT_EVALUATION_CRON } from './agentEvaluationJob';
import { RECOMMENDATION_TRAINING_JOB_NAME, scheduleRecommendationTraining, startRecommendationTrainingWorker } from './recommendationTrainingJob';
import { RECOMMENDATIONS_TRAIN_TOPIC, RecommendationTrainer, type AlgorithmName, type ModelActivationNotifier } from '../crm/recommendations';
import { computeCustomerValueIfEmpty, customerValueRoutes, scheduleCustomerValue, startCustomerValueWorker } from './customerValueJob';
import { CustomerValueStore } from '../crm/value';
import { IntentModelTrainer } from '../crm/understanding';
import type { PrivacyService } from '../crm/privacy';
import { requeueOpenPrivacyRequests, startPrivacyRequestWorker } from './privacyRequestJob';
import { PrivacyNotices, processWithNotices } from './privacyNotices';
import { scheduleRetention, startRetentionWorker } from './retentionJob';
import { DEFAULT_RETENTION_DAYS, retentionPolicyFromDays, RetentionService, type RetentionPolicy } from '../crm/privacy';
import { requestIntentModelTrainingIfStale, scheduleIntentModelTraining, startIntentModelTrainingWorker } from './intentModelTrainingJob';

export * from './queues';
export * from './outboxRelay';
export * from './slaTimerJob';
export * from './agentEvaluationJob';
export * from './recommendationTrainingJob';
export * from './deliveries';
export * from './privacyNotices';
export * from './csatSurveyJob';
export * from './pendingReminderJob';
export * from './resolvedCloseJob';
export * from './followUpWorker';
export * from './customerValueJob';
export * from './intentModelTrainingJob';
export * from './privacyRequestJob';
export * from './retentionJob';
export { queueAdminRoutes, QUEUE_ADMIN_PATH } from './queueAdmin';
export type { QueueAdminOptions } from './queueAdmin';

export type WorkerQueues = Record<keyof typeof QUEUE_NAMES, Queue>;

export interface WorkerHostOptions extends QueueConnection {
  crm: Crm;
  /** The database the outbox, tickets and scores live in. */
  db: Db;
  log: Logger;
  /** Warnings to consoles (SLA). Without it, breaches are recorded but nobody is warned live. */
  live?: LiveEventPublisher;
  /** Agent evaluation (the app passes crm/scores with config SCORES_OPTIONS); default: crm/scores on `db` with the documented defaults. */
  evaluation?: Pick<AgentEvaluationService, 'evaluate'>;
  /** Cron of the nightly evaluation (in `timeZone`; config AGENT_EVALUATION_CRON). Default `0 2 * * *`; `off` schedules none. */
  evaluationCron?: string;
  /** The support team's IANA zone (config SUPPORT_TIME_ZONE): the evaluation's cron and its "yesterday". Default UTC. */
  timeZone?: string;
  /** Customer value runs; default: crm/value on `db`. */
  values?: CustomerValueStore;
  /** Cron of the nightly customer value run (UTC; config CUSTOMER_VALUE_CRON). Default `0 3 * * *`; `off` schedules none. */
  customerValueCron?: string;
  /** Follow-up delays (config CSAT_SURVEY_DELAY_SECONDS, PENDING_*, REOPEN_WINDOW_SECONDS); default: the config defaults. */
  followUps?: Partial<FollowUpSettings>;
  /** Cron of the recommendation training (UTC; config RECOMMENDATIONS_TRAIN_CRON). Default `30 3 * * *`; `off` schedules none. */
  recommendationsCron?: string;
  /** config RECOMMENDATIONS_ALGORITHM (default ease). */
  recommendationsAlgorithm?: AlgorithmName;
  /** Tells web processes a new recommendation model is active (Redis pub/sub). */
  recommendationActivations?: ModelActivationNotifier;
  /** Cron of the intent model retraining (in `timeZone`; config INTENT_MODEL_TRAIN_CRON). Default `0 4 * * *`; `off` schedules none. */
  intentModelCron?: string;
  /** The intent retraining; default: crm/understanding on `db` (a worker thread per run). */
  intentTrainer?: IntentModelTrainer;
  /** Tells web processes a new intent model version is active (Redis pub/sub). */
  intentModelActivations?: ModelActivationNotifier;
  /** Data subject requests (exports, erasures); without it, this process runs none. */
  privacy?: PrivacyService;
  /** Retention per kind (config RETENTION_*_DAYS); default: crm/privacy's defaults. */
  retentionPolicy?: RetentionPolicy;
  /** Cron of the nightly retention run (in `timeZone`; config RETENTION_CRON). Default `30 1 * * *`; `off` schedules none. */
  retentionCron?: string;
  /** Outbox poll period (default 1000 ms) and longest wait after failed passes (default 5 s). */
  relayPollMs?: number;
  relayBackoffMaxMs?: number;
  /** bullmq lock duration and stalled check of the SLA workers (a dead worker's job restarts after it). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export interface WorkerHost {
  /** The queues of the system (for the dashboard and producers). */
  queues: WorkerQueues;
  relay: OutboxRelay;
  /** Graceful: stops taking jobs, lets current jobs finish, stops the relay, closes connections. */
  close(): Promise<void>;
}

/** Starts the outbox relay and the workers of this process. */
export async function startWorkers(o: WorkerHostOptions): Promise<WorkerHost> {
  const connection: QueueConnection = { redisUrl: o.redisUrl, prefix: o.prefix, redisTlsCa: o.redisTlsCa };
  const values = o.values ?? new CustomerValueStore(o.db);
  const intentTrainer = o.intentTrainer ?? new IntentModelTrainer({ db: o.db });
  const queues = createQueues(connection);
  const relay = new OutboxRelay({
    db: o.db,
    log: o.log.child({ part: 'outbox-relay' }),
    routes: {
      [SLA_TOPIC]: { queue: queues.slaTimers, jobName: SLA_JOB_NAME },
      ...followUpRoutes(queues.followUps),
      [RECOMMENDATIONS_TRAIN_TOPIC]: { queue: queues.recommendationTraining, jobName: RECOMMENDATION_TRAINING_JOB_NAME },
      ...customerValueRoutes(queues.customerValue),
    },
    pollMs: o.relayPollMs,
    backoffMaxMs: o.relayBackoffMaxMs,
  });
  const workers: Worker[] = [
    startSlaWorker({ ...connection, db: o.db, live: o.live, log: o.log.child({ job: 'sla' }), lockDurationMs: o.lockDurationMs, stalledIntervalMs: o.stalledIntervalMs }),
    startAgentEvaluationWorker({
      ...connection,
      evaluation: o.evaluation ?? new AgentEvaluationService(o.db),
      log: o.log.child({ job: 'agent-evaluation' }),
      timeZone: o.timeZone,
    }),
    startFollowUpWorker({
      ...connection,
      db: o.db,
      deliveries: queues.deliveries,
      live: o.live,
      settings: o.followUps,
      log: o.log.child({ job: 'follow-up' }),
      lockDurationMs: o.lockDurationMs,
      stalledIntervalMs: o.stalledIntervalMs,
    }),
    startCustomerValueWorker({ ...connection, values, log: o.log.child({ job: 'customer-value' }) }),
    startRecommendationTrainingWorker({
      ...connection,
      trainer: new RecommendationTrainer({ db: o.db, algorithm: o.recommendationsAlgorithm }),
      notifier: o.recommendationActivations,
      log: o.log.child({ job: 'recommendation-training' }),
    }),
    startIntentModelTrainingWorker({ ...connection, trainer: intentTrainer, notifier: o.intentModelActivations, log: o.log.child({ job: 'intent-model-training' }) }),
    // A request made in chat is told done in the customer's conversation (workers/privacyNotices.ts).
    ...(o.privacy
      ? [
          startPrivacyRequestWorker({
            ...connection,
            privacy: processWithNotices(o.privacy, new PrivacyNotices({ references: o.crm.references, transcripts: o.crm.transcripts, understanding: o.crm.understanding, deliveries: queues.deliveries })),
            log: o.log.child({ job: 'privacy-request' }),
          }),
        ]
      : []),
    startRetentionWorker({ ...connection, retention: new RetentionService(o.db, o.retentionPolicy ?? retentionPolicyFromDays(DEFAULT_RETENTION_DAYS)), log: o.log.child({ job: 'retention' }) }),
  ];
  if (o.privacy) {
    await requeueOpenPrivacyRequests(queues.privacyRequests, o.privacy).catch((err: unknown) => o.log.warn({ err }, 'could not re-queue open privacy requests (Redis unreachable?)'));
  }
  // Every worker process upserts the same schedulers: one schedule each, whatever the process count.
  const cron = o.evaluationCron?.trim() || DEFAULT_EVALUATION_CRON;
  await scheduleAgentEvaluation(queues.agentEvaluation, { cron, tz: o.timeZone }).catch((err: unknown) => o.log.warn({ err }, 'could not schedule the agent evaluation (Redis unreachable?)'));
  // Every nightly job runs at its hour in the support team's zone, like the evaluation.
  await scheduleCustomerValue(queues.customerValue, { cron: o.customerValueCron, tz: o.timeZone }).catch((err: unknown) => o.log.warn({ err }, 'could not schedule the customer value run (Redis unreachable?)'));
  await scheduleRecommendationTraining(queues.recommendationTraining, { cron: o.recommendationsCron, tz: o.timeZone }).catch((err: unknown) =>
    o.log.warn({ err }, 'could not schedule the recommendation training (Redis unreachable?)'),
  );
  await scheduleIntentModelTraining(queues.intentModelTraining, { cron: o.intentModelCron, tz: o.timeZone }).catch((err: unknown) =>
    o.log.warn({ err }, 'could not schedule the intent model retraining (Redis unreachable?)'),
  );
  await scheduleRetention(queues.retention, { cron: o.retentionCron, tz: o.timeZone }).catch((err: unknown) => o.log.warn({ err }, 'could not schedule the retention run (Redis unreachable?)'));
  // No version stored yet (first start) or the active one learned from older built-in data: train now, in the background.
  await requestIntentModelTrainingIfStale(queues.intentModelTraining, intentTrainer, o.log.child({ job: 'intent-model-training' })).catch((err: unknown) =>
    o.log.warn({ err }, 'could not check the intent model version at start'),
  );
  // A fresh install with orders (the demo shop) shows values at once rather than after the first night.
  await computeCustomerValueIfEmpty(values, o.log.child({ job: 'customer-value' })).catch((err: unknown) =>
    o.log.warn({ err }, 'could not compute customer value at start'),
  );
  relay.start();
  o.log.info({ queues: Object.values(queues).map((q) => q.name), evaluationCron: cron, timeZone: o.timeZone ?? 'UTC' }, 'workers started');
  let closing: Promise<void> | undefined;
  return {
    queues,
    relay,
    close: () =>
      (closing ??= (async () => {
        await relay.stop();
        // Worker.close() waits for the jobs in progress to finish.
        await Promise.all(workers.map((w) => w.close()));
        await Promise.all(Object.values(queues).map((q) => q.close()));
      })()),
  };
}
