/**
 * Customer value (`customer-value` queue): a repeatable job (nightly at 03:00 in SUPPORT_TIME_ZONE by default,
 * CUSTOMER_VALUE_CRON) and on-demand runs, each calling crm/value `CustomerValueStore.computeAll(asOf)`:
 * RFM scores, segments, lifetime value and churn risk of every customer, written in one transaction.
 * Idempotent: on-demand job ids name the as-of date (`customer-value/2026-12-01`), so asking twice
 * on a day while the first job is kept runs once; `computeAll` replaces the table as a whole.
 * Merges and undos that move orders ask for a run through the outbox (topic `customer.value`, one row
 * and one job per merge or undo: `customer-value/merge/<merge id>`), so agents see current values
 * within moments instead of the next night. Such requests are coalesced: one whose job was created
 * before a completed current run started is already answered by it (that run read the data after the
 * merge committed), so a burst of merges costs at most two full runs, not one each.
 */
import { Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CustomerValueStore, ValueRunResult } from '../crm/value';
import { CUSTOMER_VALUE_TOPIC } from '../crm/value';
import { applySchedule, logWorkerProblems, workerOptions, DEFAULT_QUEUE_PREFIX, QUEUE_NAMES, type QueueConnection } from './queues';
import type { OutboxRoute } from './outboxRelay';

export const CUSTOMER_VALUE_JOB_NAME = 'customer.value';
export const CUSTOMER_VALUE_SCHEDULER_ID = 'customer-value-nightly';
export const DEFAULT_CUSTOMER_VALUE_CRON = '0 3 * * *';

/** `asOf` (ISO instant): the orders considered; absent for scheduled runs (the scheduled time is used). */
export interface CustomerValuePayload {
  asOf?: string;
  /** Why an unscheduled run was asked for (`merge`, `undo`), for the log. */
  reason?: string;
}

/** The outbox topic whose rows become customer-value runs (merges and undos), for the relay. */
export function customerValueRoutes(queue: Queue): Record<string, OutboxRoute> {
  return { [CUSTOMER_VALUE_TOPIC]: { queue, jobName: CUSTOMER_VALUE_JOB_NAME } };
}

export interface CustomerValueJobResult {
  asOf: string;
  customers: number;
  removed: number;
  /** A merge's or undo's request answered by an earlier run that started after it (ISO start of that run): nothing computed. */
  coveredByRunStartedAt?: string;
}

/** A run whose as-of instant is at most this much before its start counts as current (it covers earlier requests). */
const CURRENT_RUN_TOLERANCE_MS = 60_000;
/** Default allowance for clocks of the relaying and the working process disagreeing. */
export const DEFAULT_VALUE_CLOCK_SKEW_MS = 5_000;
/** Stores the larger of the stored and the given start time (several worker processes may finish runs). */
const SET_MAX_SCRIPT = `local cur = tonumber(redis.call('GET', KEYS[1]) or '0') if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) end return 1`;

/** Redis key, beside the queue's own, of the newest start (epoch ms) of a completed current run. */
export function lastCurrentRunKey(prefix: string = DEFAULT_QUEUE_PREFIX): string {
  return `${prefix}:${QUEUE_NAMES.customerValue}:last-current-run-started`;
}

/** Deterministic job id of an on-demand run: one per UTC as-of date, e.g. `customer-value/2026-12-01`. */
export function customerValueJobId(asOf: Date): string {
  return `customer-value/${asOf.toISOString().slice(0, 10)}`;
}

/** Schedules the repeatable run (replacing an earlier schedule with another cron). Idempotent. */
export async function scheduleCustomerValue(queue: Queue, o: { cron?: string; tz?: string } = {}): Promise<void> {
  await applySchedule(queue, CUSTOMER_VALUE_SCHEDULER_ID, { cron: o.cron?.trim() || DEFAULT_CUSTOMER_VALUE_CRON, tz: o.tz }, { name: CUSTOMER_VALUE_JOB_NAME, data: {} satisfies CustomerValuePayload });
}

/**
 * Asks for a run now (as of `asOf`, default now). Returns the job id: asking again on the same
 * as-of date while its job is kept returns the same job.
 */
export async function requestCustomerValue(queue: Queue, o: { asOf?: Date } = {}): Promise<string> {
  const asOf = o.asOf ?? new Date();
  const job = await queue.add(CUSTOMER_VALUE_JOB_NAME, { asOf: asOf.toISOString() } satisfies CustomerValuePayload, { jobId: customerValueJobId(asOf) });
  return job.id!;
}

export interface CustomerValueWorkerOptions extends QueueConnection {
  values: Pick<CustomerValueStore, 'computeAll'>;
  log: Logger;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /**
   * A merge's request counts as answered by a run that started more than this after the request's job
   * was created (the two clocks may differ; default 5 s). Losing the record (Redis restart) only costs a run.
   */
  clockSkewMs?: number;
}

/** The instant a job was meant to run: a scheduled job's delay counts from its creation. */
function scheduledAt(job: Job): Date {
  return new Date(job.timestamp + (job.delay ?? 0));
}

/** Consumes the `customer-value` queue (one run at a time per process: it loads every order). */
export function startCustomerValueWorker(o: CustomerValueWorkerOptions): Worker<CustomerValuePayload, CustomerValueJobResult> {
  const worker: Worker<CustomerValuePayload, CustomerValueJobResult> = new Worker<CustomerValuePayload, CustomerValueJobResult>(
    QUEUE_NAMES.customerValue,
    async (job): Promise<CustomerValueJobResult> => {
      const asOf = job.data.asOf ? new Date(job.data.asOf) : scheduledAt(job);
      const redis = await worker.client;
      const key = lastCurrentRunKey(o.prefix);
      if (job.data.reason) {
        const lastStarted = Number(await redis.get(key)) || 0;
        if (job.timestamp < lastStarted - (o.clockSkewMs ?? DEFAULT_VALUE_CLOCK_SKEW_MS)) {
          const coveredByRunStartedAt = new Date(lastStarted).toISOString();
          o.log.info({ jobId: job.id, reason: job.data.reason, coveredByRunStartedAt }, 'customer value already current: a later run covered this request');
          return { asOf: asOf.toISOString(), customers: 0, removed: 0, coveredByRunStartedAt };
        }
      }
      const startedAt = Date.now();
      const result: ValueRunResult = await o.values.computeAll(asOf);
      if (asOf.getTime() >= startedAt - CURRENT_RUN_TOLERANCE_MS) await (redis as unknown as Redis).eval(SET_MAX_SCRIPT, 1, key, String(startedAt));
      o.log.info({ jobId: job.id, reason: job.data.reason, asOf: result.asOf, customers: result.customers, removed: result.removed }, 'customer value computed');
      return { asOf: result.asOf.toISOString(), customers: result.customers, removed: result.removed };
    },
    workerOptions({ ...o, concurrency: 1 }, { concurrency: 1, lockDurationMs: 120_000, stalledIntervalMs: 30_000 }),
  );
  logWorkerProblems(worker, o.log, 'customer value run');
  return worker;
}

/**
 * A fresh install has orders (the demo shop, an import) but no values yet: compute once now, so agents
 * see values before the first nightly run. Concurrent starts are serialised by computeAll's lock.
 */
export async function computeCustomerValueIfEmpty(values: Pick<CustomerValueStore, 'needsFirstRun' | 'computeAll'>, log: Logger): Promise<ValueRunResult | null> {
  if (!(await values.needsFirstRun())) return null;
  const result = await values.computeAll();
  log.info({ asOf: result.asOf, customers: result.customers }, 'customer value computed at start (table was empty)');
  return result;
}
