/**
 * Consumes the `followups` queue: one job name per outbox topic (CSAT survey, pending reminder and
 * auto-close, closing after the reopen window), each run by its job class. The messages these jobs
 * send go to the `deliveries` queue (bot/deliveryWorker.ts sends them).
 */
import { Worker, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { AssignmentService, FollowUpService, type FollowUpOutcome, type FollowUpSettings, type LiveEventPublisher } from '../crm/support';
import type { Db } from '../crm';
import { CSAT_SURVEY_JOB_NAME, CSAT_SURVEY_TOPIC, CsatSurveyJob } from './csatSurveyJob';
import { PENDING_AUTO_CLOSE_TOPIC, PENDING_REMINDER_TOPIC, PendingReminderJob } from './pendingReminderJob';
import { CLOSE_RESOLVED_TOPIC, ResolvedCloseJob } from './resolvedCloseJob';
import { logWorkerProblems, workerOptions, QUEUE_NAMES, type QueueConnection } from './queues';
import type { OutboxRoute } from './outboxRelay';

/** The follow-up topics, each relayed as a job of the same name to the `followups` queue. */
export const FOLLOW_UP_JOB_TOPICS = [CSAT_SURVEY_TOPIC, PENDING_REMINDER_TOPIC, PENDING_AUTO_CLOSE_TOPIC, CLOSE_RESOLVED_TOPIC] as const;

/** The relay routes of the follow-up topics. */
export function followUpRoutes(queue: Queue): Record<string, OutboxRoute> {
  return Object.fromEntries(FOLLOW_UP_JOB_TOPICS.map((topic) => [topic, { queue, jobName: topic }]));
}

export interface FollowUpWorkerOptions extends QueueConnection {
  db: Db;
  /** Where the jobs' messages go (the `deliveries` queue). */
  deliveries: Queue;
  live?: LiveEventPublisher;
  settings?: Partial<FollowUpSettings>;
  log: Logger;
  /** Default: a FollowUpService on `db`. */
  followUps?: FollowUpService;
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/** Runs one follow-up job by name (independent of bullmq; the worker below calls it). */
export class FollowUpJobs {
  private readonly csat: CsatSurveyJob;
  private readonly pending: PendingReminderJob;
  private readonly close: ResolvedCloseJob;

  constructor(followUps: FollowUpService, deliveries: Queue) {
    this.csat = new CsatSurveyJob({ followUps, deliveries });
    this.pending = new PendingReminderJob({ followUps, deliveries });
    this.close = new ResolvedCloseJob({ followUps });
  }

  run(name: string, data: unknown): Promise<FollowUpOutcome> {
    switch (name) {
      case CSAT_SURVEY_JOB_NAME:
        return this.csat.run(data);
      case PENDING_REMINDER_TOPIC:
        return this.pending.remind(data);
      case PENDING_AUTO_CLOSE_TOPIC:
        return this.pending.autoClose(data);
      case CLOSE_RESOLVED_TOPIC:
        return this.close.run(data);
      default:
        throw new Error(`unknown follow-up job ${name}`);
    }
  }
}

export function startFollowUpWorker(o: FollowUpWorkerOptions): Worker<unknown, FollowUpOutcome> {
  const followUps = o.followUps ?? new FollowUpService({ db: o.db, assignment: new AssignmentService(o.db, o.live), live: o.live, settings: o.settings });
  const jobs = new FollowUpJobs(followUps, o.deliveries);
  const worker = new Worker<unknown, FollowUpOutcome>(
    QUEUE_NAMES.followUps,
    async (j: Job<unknown, FollowUpOutcome>) => {
      const result = await jobs.run(j.name, j.data);
      o.log.info({ job: j.name, jobId: j.id, ...result }, 'follow-up done');
      return result;
    },
    // Short jobs: a job whose worker died, or whose lock was lost while Redis was away, runs again within
    // about 10 s (a rerun is harmless: the follow-ups decide under the ticket's lock, deliveries by id).
    workerOptions(o, { concurrency: 4, lockDurationMs: 10_000, stalledIntervalMs: 10_000 }),
  );
  logWorkerProblems(worker, o.log, 'follow-up job');
  return worker;
}
