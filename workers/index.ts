/**
 * workers/: bullmq jobs on Redis. Never imports bot/: reaches people through ports (live events,
 * later the delivery port). Several worker processes may run at once (`npm run start:workers`):
 * the outbox relay locks rows with SKIP LOCKED, job ids are deterministic, bullmq hands each job to one
 * worker and retries a job whose worker died.
 */
import type { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Crm, Db } from '../crm';
import { AgentEvaluationService, type ScoreOptionsInput } from '../crm/scores';
import type { LiveEventPublisher } from '../crm/support';
import { OutboxRelay } from './outboxRelay';
import { createQueues, QUEUE_NAMES, type QueueConnection } from './queues';
import { SLA_JOB_NAME, SLA_TOPIC, startSlaWorker } from './slaTimerJob';
import { scheduleAgentEvaluation, startAgentEvaluationWorker, DEFAULT_EVALUATION_CRON } from './agentEvaluationJob';

export * from './queues';
export * from './outboxRelay';
export * from './slaTimerJob';
export * from './agentEvaluationJob';
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
  /** Agent evaluation; default: crm/scores on `db` with `scoreOptions`. */
  evaluation?: Pick<AgentEvaluationService, 'evaluate'>;
  /** Score options (config SCORES_OPTIONS, parsed); default: the documented defaults. */
  scoreOptions?: ScoreOptionsInput;
  /** Cron of the nightly evaluation (UTC; config AGENT_EVALUATION_CRON). Default `0 2 * * *`; `off` schedules none. */
  evaluationCron?: string;
  /** Outbox poll period (default 1000 ms) and longest wait after failed passes (default 30 s). */
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
  const connection: QueueConnection = { redisUrl: o.redisUrl, prefix: o.prefix };
  const queues = createQueues(connection);
  const relay = new OutboxRelay({
    db: o.db,
    log: o.log.child({ part: 'outbox-relay' }),
    routes: { [SLA_TOPIC]: { queue: queues.slaTimers, jobName: SLA_JOB_NAME } },
    pollMs: o.relayPollMs,
    backoffMaxMs: o.relayBackoffMaxMs,
  });
  const workers: Worker[] = [
    startSlaWorker({ ...connection, db: o.db, live: o.live, log: o.log.child({ job: 'sla' }), lockDurationMs: o.lockDurationMs, stalledIntervalMs: o.stalledIntervalMs }),
    startAgentEvaluationWorker({
      ...connection,
      evaluation: o.evaluation ?? new AgentEvaluationService(o.db, o.scoreOptions),
      log: o.log.child({ job: 'agent-evaluation' }),
    }),
  ];
  const cron = o.evaluationCron?.trim() || DEFAULT_EVALUATION_CRON;
  if (cron !== 'off') {
    // Every worker process upserts the same scheduler: one schedule, whatever the process count.
    await scheduleAgentEvaluation(queues.agentEvaluation, { cron }).catch((err: unknown) => o.log.warn({ err }, 'could not schedule the agent evaluation (Redis unreachable?)'));
  }
  relay.start();
  o.log.info({ queues: Object.values(queues).map((q) => q.name), evaluationCron: cron }, 'workers started');
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
