/**
 * Retention (`retention` queue): a repeatable job (nightly at 01:30 in SUPPORT_TIME_ZONE by default,
 * RETENTION_CRON) and on-demand runs, each calling crm/privacy `RetentionService.run(now)`: expired
 * transcripts, behavioural events, learned data and audit entries deleted, expired closed tickets
 * anonymised. Idempotent: what a run removed is gone and anonymised tickets are marked, so a rerun (a
 * retry, a second worker process) changes nothing; on-demand job ids name the day
 * (`retention/2026-12-07`), so asking twice on a day while the first job is kept runs once.
 */
import { Worker, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { describeRetention, type RetentionCounts, type RetentionRunReport, type RetentionService } from '../crm/privacy';
import { applySchedule, logWorkerProblems, workerOptions, QUEUE_NAMES, type QueueConnection } from './queues';

export const RETENTION_JOB_NAME = 'privacy.retention';
export const RETENTION_SCHEDULER_ID = 'retention-nightly';
export const DEFAULT_RETENTION_CRON = '30 1 * * *';

/** `now` (ISO instant) the cutoffs count from; absent for scheduled runs (the scheduled time is used). */
export interface RetentionPayload {
  now?: string;
}

export interface RetentionJobResult {
  at: string;
  counts: RetentionCounts;
  detail: RetentionRunReport['detail'];
}

/** Deterministic job id of an on-demand run: one per UTC day, e.g. `retention/2026-12-07`. */
export function retentionJobId(now: Date): string {
  return `retention/${now.toISOString().slice(0, 10)}`;
}

/** Schedules the nightly run (replacing an earlier schedule with another cron; `off` removes it). Idempotent. */
export async function scheduleRetention(queue: Queue, o: { cron?: string; tz?: string } = {}): Promise<void> {
  await applySchedule(queue, RETENTION_SCHEDULER_ID, { cron: o.cron?.trim() || DEFAULT_RETENTION_CRON, tz: o.tz }, { name: RETENTION_JOB_NAME, data: {} satisfies RetentionPayload });
}

/** Asks for a run now; asking again the same UTC day while its job is kept returns that job. */
export async function requestRetention(queue: Queue, o: { now?: Date } = {}): Promise<string> {
  const now = o.now ?? new Date();
  const job = await queue.add(RETENTION_JOB_NAME, { now: now.toISOString() } satisfies RetentionPayload, { jobId: retentionJobId(now) });
  return job.id!;
}

/** The instant a job was meant to run: a scheduled job's delay counts from its creation. */
function scheduledAt(job: Job): Date {
  return new Date(job.timestamp + (job.delay ?? 0));
}

/** One run: applies the policy as of the job's time, logs what it did per kind and returns it. */
export class RetentionJob {
  constructor(
    private readonly retention: Pick<RetentionService, 'run'>,
    private readonly log: Logger,
  ) {}

  async handle(job: Pick<Job<RetentionPayload>, 'id' | 'data' | 'timestamp' | 'delay'>): Promise<RetentionJobResult> {
    const now = job.data.now ? new Date(job.data.now) : scheduledAt(job as Job);
    const report = await this.retention.run({ now });
    this.log.info({ jobId: job.id, at: report.at, counts: report.counts, detail: report.detail, lines: describeRetention(report) }, 'retention applied');
    return { at: report.at, counts: report.counts, detail: report.detail };
  }
}

export interface RetentionWorkerOptions extends QueueConnection {
  retention: Pick<RetentionService, 'run'>;
  log: Logger;
}

/** Consumes the `retention` queue, one run at a time per process (each run scans whole tables). */
export function startRetentionWorker(o: RetentionWorkerOptions): Worker<RetentionPayload, RetentionJobResult> {
  const job = new RetentionJob(o.retention, o.log);
  const worker = new Worker<RetentionPayload, RetentionJobResult>(QUEUE_NAMES.retention, (j) => job.handle(j), workerOptions({ ...o, concurrency: 1 }, { concurrency: 1, lockDurationMs: 300_000, stalledIntervalMs: 60_000 }));
  logWorkerProblems(worker, o.log, 'retention run');
  return worker;
}
