/**
 * Queue names, connections and default job options shared by the relay, the workers and the admin
 * dashboard. A web process may create the queues (to show them) without consuming them.
 */
import { Queue, type ConnectionOptions, type DefaultJobOptions, type Worker, type WorkerOptions } from 'bullmq';
import type { Logger } from 'pino';

/** Key prefix: the braces are a Redis Cluster hash tag, so each queue's keys land on one slot. */
export const DEFAULT_QUEUE_PREFIX = '{concierge}';

export const QUEUE_NAMES = {
  slaTimers: 'sla-timers',
  agentEvaluation: 'agent-evaluation',
  /** RFM, lifetime value and churn risk of every customer (workers/customerValueJob.ts). */
  customerValue: 'customer-value',
  /** CSAT surveys, pending reminders and auto-closes, closing after the reopen window (workers/followUpWorker.ts). */
  followUps: 'followups',
  /** Messages for customers, consumed by web processes (bot/deliveryWorker.ts): workers never import bot/. */
  deliveries: 'deliveries',
  /** Recommendation model training (workers/recommendationTrainingJob.ts). */
  recommendationTraining: 'recommendation-training',
  /** Intent model retraining from learned labels (workers/intentModelTrainingJob.ts). */
  intentModelTraining: 'intent-model-training',
  /** Data subject requests: exports and erasures (workers/privacyRequestJob.ts). */
  privacyRequests: 'privacy-requests',
  /** Nightly retention: expired personal data deleted or anonymised (workers/retentionJob.ts). */
  retention: 'retention',
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export interface QueueConnection {
  redisUrl: string;
  /** Key prefix for every queue (tests use their own). Default `{concierge}`. */
  prefix?: string;
  /** PEM of the CA that signed the server's certificate, for a `rediss://` URL (config REDIS_TLS_CA_FILE); default: the system's CAs. */
  redisTlsCa?: string;
}

/**
 * The ioredis TLS options of a URL (pure): none for redis://; for rediss://, TLS verified against
 * `ca` when given (a private CA), else against the system's CAs. Certificates are always verified.
 */
export function redisTlsOptions(url: string, ca?: string): { tls?: { ca?: string; servername?: string } } {
  const u = new URL(url);
  if (u.protocol !== 'rediss:') return {};
  // SNI and the certificate check use the URL's host name (never an IP address as SNI: Node refuses it).
  const servername = /^[\d.]+$|^\[/.test(u.hostname) ? undefined : u.hostname;
  return { tls: { ...(ca ? { ca } : {}), ...(servername ? { servername } : {}) } };
}

/**
 * Retries with exponential backoff (1 s, 2 s, 4 s, ...); completed jobs stay a week so a re-added
 * job id is still recognised as a duplicate, failed ones a month for the dashboard.
 */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** ioredis options from a redis:// or rediss:// URL (TLS verified against `tlsCa` when given), as bullmq takes them. */
export function connectionFromUrl(url: string, extra: Record<string, unknown> = {}, tlsCa?: string): ConnectionOptions {
  const u = new URL(url);
  const db = u.pathname && u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && !Number.isNaN(db) ? { db } : {}),
    ...redisTlsOptions(url, tlsCa),
    ...extra,
  } as ConnectionOptions;
}

/**
 * A producer-side queue. Producers fail fast when Redis is unreachable (no offline queue), so the
 * outbox relay keeps its rows and tries again later instead of hanging.
 */
export function createQueue<Data = unknown>(name: QueueName, c: QueueConnection): Queue<Data> {
  const queue = new Queue<Data>(name, {
    connection: connectionFromUrl(c.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }, c.redisTlsCa),
    prefix: c.prefix ?? DEFAULT_QUEUE_PREFIX,
    defaultJobOptions: DEFAULT_JOB_OPTIONS,
  });
  // Connection errors surface through the calls that fail; an unhandled 'error' event would crash.
  queue.on('error', () => undefined);
  return queue as Queue<Data>;
}

/** How a consumer takes jobs: in parallel, and how soon a dead worker's job is given to another. */
export interface WorkerTuning {
  concurrency?: number;
  /** bullmq lock; a worker that dies holding a job loses it after about this long. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * The bullmq options of every consumer: a blocking connection that never gives up on a request
 * (bullmq requires it), the queue prefix, and the tuning with the consumer's own defaults.
 */
export function workerOptions(c: QueueConnection & WorkerTuning, defaults: Required<WorkerTuning>): WorkerOptions {
  return {
    connection: connectionFromUrl(c.redisUrl, { maxRetriesPerRequest: null }, c.redisTlsCa),
    prefix: c.prefix ?? DEFAULT_QUEUE_PREFIX,
    concurrency: c.concurrency ?? defaults.concurrency,
    lockDuration: c.lockDurationMs ?? defaults.lockDurationMs,
    stalledInterval: c.stalledIntervalMs ?? defaults.stalledIntervalMs,
  };
}

/** Logs a consumer's failed attempts and connection errors (an unhandled 'error' event would crash the process). */
export function logWorkerProblems(worker: Worker, log: Logger, what: string): void {
  worker.on('failed', (j, err) => log.warn({ err, job: j?.name, jobId: j?.id, attemptsMade: j?.attemptsMade }, `${what} failed`));
  worker.on('error', (err) => log.warn({ err }, `${what} worker error`));
}

/** The job a schedule adds each time it fires. */
export interface ScheduledJob {
  name: string;
  data: Record<string, unknown>;
}

/**
 * Sets a queue's repeatable job (a bullmq job scheduler, one per id whoever upserts it and however
 * often, so every worker process may call this at start), in UTC by default; cron `off` removes it, so
 * turning a schedule off also stops one set up by an earlier start. A scheduled run retries
 * 5 times from a minute apart: the nightly jobs are heavy and the next night comes anyway.
 */
export async function applySchedule(queue: Queue, schedulerId: string, o: { cron: string; tz?: string }, job: ScheduledJob): Promise<void> {
  const cron = o.cron.trim();
  if (cron === 'off') {
    await queue.removeJobScheduler(schedulerId);
    return;
  }
  await queue.upsertJobScheduler(schedulerId, { pattern: cron, tz: o.tz ?? 'UTC' }, { ...job, opts: { attempts: 5, backoff: { type: 'exponential', delay: 60_000 } } });
}

/** Every queue of the system (for the admin dashboard and the relay). */
export function createQueues(c: QueueConnection): Record<keyof typeof QUEUE_NAMES, Queue> {
  return {
    slaTimers: createQueue(QUEUE_NAMES.slaTimers, c),
    agentEvaluation: createQueue(QUEUE_NAMES.agentEvaluation, c),
    customerValue: createQueue(QUEUE_NAMES.customerValue, c),
    followUps: createQueue(QUEUE_NAMES.followUps, c),
    deliveries: createQueue(QUEUE_NAMES.deliveries, c),
    recommendationTraining: createQueue(QUEUE_NAMES.recommendationTraining, c),
    intentModelTraining: createQueue(QUEUE_NAMES.intentModelTraining, c),
    privacyRequests: createQueue(QUEUE_NAMES.privacyRequests, c),
    retention: createQueue(QUEUE_NAMES.retention, c),
  };
}

/**
 * The bullmq job id of an idempotency key (an outbox dedupe key): bullmq refuses ids with a colon
 * (beyond its own `repeat:` ids) and integer ids, so `:` becomes `/` (after escaping `%` and `/`) and an
 * integer gets a `%23` mark. One key, one id; two keys never share one.
 */
export function jobIdForKey(key: string): string {
  const id = key.replace(/%/g, '%25').replace(/\//g, '%2F').replace(/:/g, '/');
  return `${parseInt(id, 10)}` === id ? `%23${id}` : id;
}

/** Rejects when `promise` takes longer than `ms` (the promise itself keeps running). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
