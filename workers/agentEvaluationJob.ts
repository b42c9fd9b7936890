/**
 * Agent evaluation (`agent-evaluation` queue): a repeatable job (nightly at 02:00 in the support
 * team's time zone by default, any cron) and on-demand runs, each calling crm/scores
 * `AgentEvaluationService.evaluate(period)` for the previous local day, ISO week (Monday to Monday) or
 * month in that zone (SUPPORT_TIME_ZONE, crm/calendar). Idempotent per period: the job id names the
 * period (a second request while the first waits or runs is a duplicate; one after it finished runs it
 * again) and `evaluate` replaces the period's scores as a whole, so a rerun never duplicates.
 */
import { Worker, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { DEFAULT_TIME_ZONE, previousPeriod } from '../crm/calendar';
import type { AgentEvaluationService, AgentScore, Period } from '../crm/scores';
import { applySchedule, logWorkerProblems, workerOptions, QUEUE_NAMES, type QueueConnection } from './queues';

export const EVALUATION_JOB_NAME = 'agent.evaluate';
export const EVALUATION_SCHEDULER_ID = 'agent-evaluation-nightly';
export const DEFAULT_EVALUATION_CRON = '0 2 * * *';

export type EvaluationGranularity = 'day' | 'week' | 'month';

/** Either an explicit period (ISO instants) or the previous day/week/month before the job's scheduled time. */
export interface AgentEvaluationPayload {
  granularity: EvaluationGranularity;
  start?: string;
  end?: string;
  /** The zone the schedule's cron runs in, so its period is that zone's previous day (default: the worker's). */
  timeZone?: string;
}

export interface AgentEvaluationResult {
  start: string;
  end: string;
  agents: number;
}

/** The payload's explicit period, or the whole day/week/month in `timeZone` before the one containing `scheduledAt`. */
export function periodFor(payload: AgentEvaluationPayload, scheduledAt: Date, timeZone: string = DEFAULT_TIME_ZONE): Period {
  if (payload.start && payload.end) return { start: new Date(payload.start), end: new Date(payload.end) };
  return previousPeriod(payload.granularity, scheduledAt, payload.timeZone ?? timeZone);
}

/** Deterministic job id of one period's evaluation, e.g. `evaluation/2026-11-21T00:00Z/2026-11-22T00:00Z`. */
export function evaluationJobId(period: Period): string {
  const iso = (d: Date) => d.toISOString().replace(/:00\.000Z$/, 'Z').replace(/:/g, '');
  return `evaluation/${iso(period.start)}/${iso(period.end)}`;
}

/** Schedules the repeatable evaluation (replacing an earlier schedule with another cron; `off` removes it). Idempotent. */
export async function scheduleAgentEvaluation(queue: Queue, o: { cron?: string; tz?: string; granularity?: EvaluationGranularity } = {}): Promise<void> {
  const tz = o.tz ?? DEFAULT_TIME_ZONE;
  // The cron fires in the team's zone and the job evaluates that zone's previous day: both from `tz`.
  const data: AgentEvaluationPayload = { granularity: o.granularity ?? 'day', timeZone: tz };
  await applySchedule(queue, EVALUATION_SCHEDULER_ID, { cron: o.cron?.trim() || DEFAULT_EVALUATION_CRON, tz }, { name: EVALUATION_JOB_NAME, data: { ...data } });
}

/**
 * Asks for an evaluation now (of the previous day/week, or an explicit period). Returns the job id.
 * While the period's job waits or runs, asking again returns that same job (one evaluation however
 * often the button is pressed). Once it has finished, asking again runs it again: late ratings and
 * reopens arrive after a period ends, and `evaluate` replaces the period's scores, so a rerun is safe.
 */
export async function requestAgentEvaluation(queue: Queue, o: { granularity?: EvaluationGranularity; period?: Period; now?: Date; timeZone?: string } = {}): Promise<string> {
  const granularity = o.granularity ?? 'day';
  const period = o.period ?? periodFor({ granularity }, o.now ?? new Date(), o.timeZone);
  const payload: AgentEvaluationPayload = { granularity, start: period.start.toISOString(), end: period.end.toISOString() };
  const jobId = evaluationJobId(period);
  const previous = await queue.getJob(jobId);
  if (previous && ((await previous.isCompleted()) || (await previous.isFailed()))) {
    // A concurrent request may have removed it first; either way the add below creates one job.
    await previous.remove().catch(() => undefined);
  }
  const job = await queue.add(EVALUATION_JOB_NAME, payload, { jobId });
  return job.id!;
}

export interface AgentEvaluationWorkerOptions extends QueueConnection {
  evaluation: Pick<AgentEvaluationService, 'evaluate'>;
  log: Logger;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** The support team's zone (config SUPPORT_TIME_ZONE) for jobs that carry none; default UTC. */
  timeZone?: string;
}

/** The instant a job was meant to run: a scheduled job's delay counts from its creation. */
function scheduledAt(job: Job): Date {
  return new Date(job.timestamp + (job.delay ?? 0));
}

/** Consumes the `agent-evaluation` queue (one evaluation at a time per process: they are heavy). */
export function startAgentEvaluationWorker(o: AgentEvaluationWorkerOptions): Worker<AgentEvaluationPayload, AgentEvaluationResult> {
  const worker = new Worker<AgentEvaluationPayload, AgentEvaluationResult>(
    QUEUE_NAMES.agentEvaluation,
    async (job) => {
      const period = periodFor(job.data, scheduledAt(job), o.timeZone);
      const scores: AgentScore[] = await o.evaluation.evaluate(period);
      o.log.info({ start: period.start, end: period.end, agents: scores.length }, 'agents evaluated');
      return { start: period.start.toISOString(), end: period.end.toISOString(), agents: scores.length };
    },
    workerOptions({ ...o, concurrency: 1 }, { concurrency: 1, lockDurationMs: 120_000, stalledIntervalMs: 30_000 }),
  );
  logWorkerProblems(worker, o.log, 'agent evaluation');
  return worker;
}
