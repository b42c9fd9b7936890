/**
 * Recommendation training (`recommendation-training` queue): a repeatable job (cron
 * RECOMMENDATIONS_TRAIN_CRON, default 03:30 UTC) and on-demand runs, directly
 * (`requestRecommendationTraining`) or through the outbox (topic `recommendations.train`, written by
 * crm/recommendations `requestTrainingInOutbox`). Each run loads purchases, events and the catalogue
 * from PostgreSQL, trains (RECOMMENDATIONS_ALGORITHM), stores the version, activates it, prunes old
 * versions and tells web processes to load it (Redis message; they also poll the active id). While a
 * supervisor has pinned a version, the new one is stored but not activated (logged, and in the result).
 * Idempotent: an on-demand job's id is the data stamp (same data, one job), and the version id is
 * deterministic (training the same data again stores nothing new).
 */
import { Worker, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { trainingDataStamp, type ModelActivationNotifier, type RecommendationTrainer } from '../crm/recommendations';
import type { DbOrTx } from '../crm';
import { applySchedule, logWorkerProblems, workerOptions, jobIdForKey, QUEUE_NAMES, type QueueConnection } from './queues';

export const RECOMMENDATION_TRAINING_JOB_NAME = 'recommendations.train';
export const RECOMMENDATION_TRAINING_SCHEDULER_ID = 'recommendation-training-nightly';
export const DEFAULT_RECOMMENDATION_TRAINING_CRON = '30 3 * * *';

export interface RecommendationTrainingPayload {
  reason: 'scheduled' | 'on-demand' | string;
  /** The data stamp the request was made for (on-demand requests). */
  stamp?: string;
}

export interface RecommendationTrainingResult {
  versionId: string;
  algorithm: string;
  created: boolean;
  activated: boolean;
  /** 'pinned': stored but not activated, because a supervisor pinned `pinnedVersionId`. */
  notActivatedReason: 'pinned' | null;
  pinnedVersionId: string | null;
  pruned: string[];
  items: number;
  customers: number;
  metrics: Record<string, unknown>;
}

/** The job id of a training request for one data stamp (the same id the outbox relay gives its row). */
export function recommendationTrainingJobId(stamp: string): string {
  return jobIdForKey(`recommendations:train:${stamp}`);
}

/** Schedules the repeatable training (replacing an earlier cron). Idempotent; `off` removes it. */
export async function scheduleRecommendationTraining(queue: Queue, o: { cron?: string; tz?: string } = {}): Promise<void> {
  const data: RecommendationTrainingPayload = { reason: 'scheduled' };
  await applySchedule(queue, RECOMMENDATION_TRAINING_SCHEDULER_ID, { cron: o.cron?.trim() || DEFAULT_RECOMMENDATION_TRAINING_CRON, tz: o.tz }, { name: RECOMMENDATION_TRAINING_JOB_NAME, data: { ...data } });
}

/** Asks for a training run now, for the data as it is: asking again before the data changes returns the same job. */
export async function requestRecommendationTraining(queue: Queue, db: DbOrTx): Promise<string> {
  const stamp = await trainingDataStamp(db);
  const job = await queue.add(RECOMMENDATION_TRAINING_JOB_NAME, { reason: 'on-demand', stamp } satisfies RecommendationTrainingPayload, { jobId: recommendationTrainingJobId(stamp) });
  return job.id!;
}

export interface TrainingNowRequest {
  jobId: string;
  /** True when a training was already waiting or running: that job is returned, none is added. */
  alreadyPending: boolean;
}

/**
 * "Train now" (the supervisor dashboard): while a training waits or runs, that job; otherwise a job
 * for the data as it is. A finished or failed job of the same data is replaced, so pressing it again
 * after a failure, a rollback or a change of algorithm trains again (like "Evaluate now").
 * The nightly schedule's next, future run does not count as pending.
 */
export async function requestRecommendationTrainingNow(queue: Queue, db: DbOrTx): Promise<TrainingNowRequest> {
  const pending = await pendingRecommendationTraining(queue);
  if (pending) return { jobId: pending, alreadyPending: true };
  const stamp = await trainingDataStamp(db);
  const jobId = recommendationTrainingJobId(stamp);
  const previous = await queue.getJob(jobId);
  if (previous && ((await previous.isCompleted()) || (await previous.isFailed()))) {
    // A concurrent request may have removed it first; either way the add below creates one job.
    await previous.remove().catch(() => undefined);
  }
  const job = await queue.add(RECOMMENDATION_TRAINING_JOB_NAME, { reason: 'on-demand', stamp } satisfies RecommendationTrainingPayload, { jobId });
  return { jobId: job.id!, alreadyPending: false };
}

/** The id of a training job that runs or waits now (a retry's backoff included; the schedule's future run excluded), or null. */
export async function pendingRecommendationTraining(queue: Queue): Promise<string | null> {
  const [now] = await queue.getJobs(['active', 'waiting', 'prioritized'], 0, 0);
  if (now?.id) return now.id;
  const delayed = await queue.getJobs(['delayed'], 0, 50);
  return delayed.find((j) => (j.data as RecommendationTrainingPayload | undefined)?.reason !== 'scheduled')?.id ?? null;
}

export interface RecommendationTrainingWorkerOptions extends QueueConnection {
  trainer: Pick<RecommendationTrainer, 'trainAndActivate'>;
  /** Tells web processes a new version is active. */
  notifier?: ModelActivationNotifier;
  log: Logger;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/** Consumes the training queue, one run at a time per process (training is CPU-heavy). */
export function startRecommendationTrainingWorker(o: RecommendationTrainingWorkerOptions): Worker<RecommendationTrainingPayload, RecommendationTrainingResult> {
  const worker = new Worker<RecommendationTrainingPayload, RecommendationTrainingResult>(
    QUEUE_NAMES.recommendationTraining,
    async (job) => {
      const r = await o.trainer.trainAndActivate();
      const v = r.version;
      // Told after the commit: a web process that hears it finds the version active.
      if (r.activated) await o.notifier?.modelActivated(v.versionId).catch((err: unknown) => o.log.warn({ err }, 'could not announce the new recommendation model (web processes will see it on their next poll)'));
      const figures = { jobId: job.id, reason: job.data.reason, versionId: v.versionId, created: r.created, activated: r.activated, pruned: r.pruned.length, items: v.items, customers: v.customers, metrics: v.metrics };
      if (r.notActivatedReason === 'pinned') {
        o.log.info({ ...figures, notActivatedReason: 'pinned', pinnedVersionId: r.pin?.versionId, pinnedBy: r.pin?.pinnedBy.name, pinnedAt: r.pin?.pinnedAt }, 'recommendation model trained and stored, not activated: a supervisor pinned another version');
      } else {
        o.log.info(figures, 'recommendation model trained');
      }
      return {
        versionId: v.versionId, algorithm: v.algorithm, created: r.created, activated: r.activated, notActivatedReason: r.notActivatedReason, pinnedVersionId: r.pin?.versionId ?? null,
        pruned: r.pruned, items: v.items, customers: v.customers, metrics: v.metrics,
      };
    },
    // Training runs in a worker thread (RecommendationTrainer), so this process keeps serving; one run at a time.
    workerOptions({ ...o, concurrency: 1 }, { concurrency: 1, lockDurationMs: 600_000, stalledIntervalMs: 60_000 }),
  );
  logWorkerProblems(worker, o.log, 'recommendation training');
  return worker;
}
