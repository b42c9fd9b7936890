/**
 * Customer value (`customer-value` queue): a repeatable job (nightly at 03:00 UTC by default,
 * CUSTOMER_VALUE_CRON) and on-demand runs, each calling crm/value `CustomerValueStore.computeAll(asOf)`:
 * RFM scores, segments, lifetime value and churn risk of every customer, written in one transaction.
 * Idempotent: on-demand job ids name the as-of date (`customer-value/2026-12-01`), so asking twice
 * on a day while the first job is kept runs once; `computeAll` replaces the table as a whole.
 * Merges and undos that move orders ask for a run through the outbox (topic `customer.value`, one row
 * and one job per merge or undo: `customer-value/merge/<merge id>`), so agents see current values
 * within moments instead of the next night.
 */
import { Worker, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { CustomerValueStore, ValueRunResult } from '../crm/value';
import { CUSTOMER_VALUE_TOPIC } from '../crm/value';
import { applySchedule, logWorkerProblems, workerOptions, QUEUE_NAMES, type QueueConnection } from './queues';
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
}

/** The instant a job was meant to run: a scheduled job's delay counts from its creation. */
function scheduledAt(job: Job): Date {
  return new Date(job.timestamp + (job.delay ?? 0));
}

/** Consumes the `customer-value` queue (one run at a time per process: it loads every order). */
export function startCustomerValueWorker(o: CustomerValueWorkerOptions): Worker<CustomerValuePayload, CustomerValueJobResult> {
  const worker = new Worker<CustomerValuePayload, CustomerValueJobResult>(
    QUEUE_NAMES.customerValue,
    async (job) => {
      const asOf = job.data.asOf ? new Date(job.data.asOf) : scheduledAt(job);
      const result: ValueRunResult = await o.values.computeAll(asOf);
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
