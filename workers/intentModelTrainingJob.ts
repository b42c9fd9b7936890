/**
 * Intent model retraining (`intent-model-training` queue): a repeatable job (cron
 * INTENT_MODEL_TRAIN_CRON, default 04:00 in SUPPORT_TIME_ZONE) and on-demand runs (the dashboard's
 * "Train now", `requestIntentModelTrainingNow`). Each run trains a version from the built-in data plus
 * the learned labels (clarification choices, agent corrections, corrected ticket categories; the
 * latest label per message), scores it on the frozen split and stores it: activated when it is not
 * worse than the active version (nlp/retraining.ts DEFAULT_ACTIVATION_POLICY), else kept as
 * rejected; while a supervisor has pinned a version, stored but not activated. A new active version
 * is announced over Redis (web processes also poll the active id).
 * Idempotent: an on-demand job's id is the data stamp (built-in data + labels), and the same training
 * rows give the same version id, which a run does not train or store twice. Retried like every job
 * (DEFAULT_JOB_OPTIONS); a run killed before its commit stores nothing.
 */
import { Worker, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { ModelActivationNotifier } from '../crm/recommendations';
import type { IntentModelTrainer, IntentTrainingResult } from '../crm/understanding';
import { applySchedule, jobIdForKey, logWorkerProblems, QUEUE_NAMES, workerOptions, type QueueConnection } from './queues';

export const INTENT_MODEL_TRAINING_JOB_NAME = 'nlp.intent_model.train';
export const INTENT_MODEL_TRAINING_SCHEDULER_ID = 'intent-model-training-nightly';
export const DEFAULT_INTENT_MODEL_TRAINING_CRON = '0 4 * * *';

export interface IntentModelTrainingPayload {
  reason: 'scheduled' | 'on-demand' | 'stale' | string;
  stamp?: string;
}

/** What a run did, as the job's return value (bull-board, logs, tests). */
export interface IntentModelTrainingJobResult {
  /** The retrained version (null when there was nothing to learn or it was stored already). */
  versionId: string | null;
  created: boolean;
  decision: string | null;
  activated: string | null;
  activeVersionId: string | null;
  /** The decision's reason (which metric failed, by how much). */
  reason: string | null;
  skipped: 'no_labels' | 'stored' | null;
  baselineVersionId: string | null;
  provenance: Record<string, unknown>;
  scores: Record<string, unknown> | null;
  pruned: string[];
}

export function intentModelTrainingJobId(stamp: string): string {
  return jobIdForKey(`intent-model:train:${stamp}`);
}

/** Schedules the repeatable retraining (replacing an earlier cron). Idempotent; `off` removes it. */
export async function scheduleIntentModelTraining(queue: Queue, o: { cron?: string; tz?: string } = {}): Promise<void> {
  const data: IntentModelTrainingPayload = { reason: 'scheduled' };
  await applySchedule(queue, INTENT_MODEL_TRAINING_SCHEDULER_ID, { cron: o.cron?.trim() || DEFAULT_INTENT_MODEL_TRAINING_CRON, tz: o.tz }, { name: INTENT_MODEL_TRAINING_JOB_NAME, data: { ...data } });
}

/** The id of a retraining job that runs or waits now (the schedule's future run excluded), or null. */
export async function pendingIntentModelTraining(queue: Queue): Promise<string | null> {
  const [now] = await queue.getJobs(['active', 'waiting', 'prioritized'], 0, 0);
  if (now?.id) return now.id;
  const delayed = await queue.getJobs(['delayed'], 0, 50);
  return delayed.find((j) => (j.data as IntentModelTrainingPayload | undefined)?.reason !== 'scheduled')?.id ?? null;
}

/**
 * "Train now": while a retraining waits or runs, that job; otherwise a job for the data as it is. A
 * finished or failed job of the same data is replaced, so pressing it again after a rollback trains again.
 */
export async function requestIntentModelTrainingNow(queue: Queue, trainer: Pick<IntentModelTrainer, 'stamp'>, reason: IntentModelTrainingPayload['reason'] = 'on-demand'): Promise<{ jobId: string; alreadyPending: boolean }> {
  const pending = await pendingIntentModelTraining(queue);
  if (pending) return { jobId: pending, alreadyPending: true };
  const stamp = await trainer.stamp();
  const jobId = intentModelTrainingJobId(stamp);
  const previous = await queue.getJob(jobId);
  if (previous && ((await previous.isCompleted()) || (await previous.isFailed()))) await previous.remove().catch(() => undefined);
  const job = await queue.add(INTENT_MODEL_TRAINING_JOB_NAME, { reason, stamp } satisfies IntentModelTrainingPayload, { jobId });
  return { jobId: job.id!, alreadyPending: false };
}

/**
 * At worker start: when the active version learned from other built-in data (a release changed
 * nlp/data), or nothing is stored yet while labels wait to be learned, asks for a retraining, so
 * neither the new built-in rows nor the labels wait for the night. A fresh install without labels
 * trains nothing (the bot serves the built-in model; the first training stores it as the baseline).
 */
export async function requestIntentModelTrainingIfStale(queue: Queue, trainer: Pick<IntentModelTrainer, 'stamp' | 'baseDataHash' | 'store' | 'labels'>, log: Logger): Promise<string | null> {
  const active = await trainer.store.active();
  if (active ? active.baseDataHash === trainer.baseDataHash() : Object.keys(await trainer.labels.counts()).length === 0) return null;
  const { jobId } = await requestIntentModelTrainingNow(queue, trainer, 'stale');
  log.info({ jobId, activeVersionId: active?.versionId ?? null }, active ? 'the active intent model learned from older built-in data: retraining requested' : 'no intent model version stored yet: training the baseline');
  return jobId;
}

function summarise(r: IntentTrainingResult): IntentModelTrainingJobResult {
  const c = r.candidate;
  const detail = c?.version.decisionDetail as { reason?: string } | undefined;
  return {
    versionId: c?.version.versionId ?? r.candidateSkipped?.versionId ?? null,
    created: c?.created ?? false,
    decision: c?.version.decision ?? null,
    activated: r.activated,
    activeVersionId: r.activeVersionId,
    reason: detail?.reason ?? null,
    skipped: r.candidateSkipped?.reason ?? null,
    baselineVersionId: r.baseline?.version.versionId ?? null,
    provenance: c?.version.provenance ?? { ...r.provenance },
    scores: (c?.version.scores as unknown as Record<string, unknown>) ?? null,
    pruned: r.pruned,
  };
}

export interface IntentModelTrainingWorkerOptions extends QueueConnection {
  trainer: Pick<IntentModelTrainer, 'train'>;
  /** Tells web processes a new version is active. */
  notifier?: ModelActivationNotifier;
  log: Logger;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/** Consumes the retraining queue, one run at a time per process (the training runs in a worker thread). */
export function startIntentModelTrainingWorker(o: IntentModelTrainingWorkerOptions): Worker<IntentModelTrainingPayload, IntentModelTrainingJobResult> {
  const worker = new Worker<IntentModelTrainingPayload, IntentModelTrainingJobResult>(
    QUEUE_NAMES.intentModelTraining,
    async (job) => {
      const r = await o.trainer.train();
      // Told after the commit: a web process that hears it finds the version active.
      if (r.activated) {
        await o.notifier?.modelActivated(r.activated).catch((err: unknown) => o.log.warn({ err }, 'could not announce the new intent model (web processes will see it on their next poll)'));
      }
      const out = summarise(r);
      o.log.info({ jobId: job.id, trigger: job.data.reason, ...out, scores: undefined, accuracy: out.scores?.accuracy, oosRecall: out.scores?.oosRecall }, out.decision === 'rejected' ? 'intent model retrained and kept inactive: worse on the frozen split' : 'intent model retrained');
      return out;
    },
    // A training holds the job for tens of seconds: a long lock, a slow stalled check.
    workerOptions({ ...o, concurrency: 1 }, { concurrency: 1, lockDurationMs: 600_000, stalledIntervalMs: 60_000 }),
  );
  logWorkerProblems(worker, o.log, 'intent model training');
  return worker;
}
