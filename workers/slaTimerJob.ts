/**
 * SLA timers (`ticket.sla` outbox topic → `sla-timers` queue): the worker side. The decision (obsolete,
 * not yet due, record once and warn) is crm/support's `SlaTimerService`; see crm/support/slaTimers.ts.
 */
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Db } from '../crm';
import { SLA_TOPIC, SlaTimerService, slaDedupeKey, type LiveEventPublisher, type SlaOutcome, type SlaTimerPayload } from '../crm/support';
import { logWorkerProblems, workerOptions, jobIdForKey, QUEUE_NAMES, type QueueConnection } from './queues';

export { SLA_TOPIC, slaDedupeKey, isSlaPayload } from '../crm/support';
export type { SlaOutcome, SlaTimerPayload } from '../crm/support';
export const SLA_JOB_NAME = 'ticket.sla';

/** Deterministic job id of a ticket's timer, e.g. `sla/first_response/<ticket id>`. */
export function slaJobId(p: SlaTimerPayload): string {
  return jobIdForKey(slaDedupeKey(p));
}

export interface SlaTimerOptions {
  db: Db;
  live?: LiveEventPublisher;
  log: Logger;
  clock?: () => Date;
}

/** The SLA check, independent of bullmq (the worker below runs it). */
export class SlaTimerJob {
  private readonly service: SlaTimerService;

  constructor(o: SlaTimerOptions) {
    this.service = new SlaTimerService({
      db: o.db,
      live: o.live,
      clock: o.clock,
      onRecorded: (e) => o.log.info(e, e.stage === 'breach' ? 'SLA breached' : 'SLA about to be breached'),
    });
  }

  run(payload: SlaTimerPayload): Promise<SlaOutcome> {
    return this.service.check(payload);
  }
}

export interface SlaWorkerOptions extends SlaTimerOptions, QueueConnection {
  concurrency?: number;
  /** bullmq lock and stalled-job check (a killed worker's job is retried after about lockDuration). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/** Consumes the `sla-timers` queue. */
export function startSlaWorker(o: SlaWorkerOptions): Worker<SlaTimerPayload, SlaOutcome> {
  const job = new SlaTimerJob(o);
  const worker = new Worker<SlaTimerPayload, SlaOutcome>(
    QUEUE_NAMES.slaTimers,
    async (j: Job<SlaTimerPayload, SlaOutcome>, token?: string) => {
      const result = await job.run(j.data);
      if (result.outcome === 'not_due' && token) {
        // Fired early: wait until the due time instead of failing.
        await j.moveToDelayed(new Date(result.dueAt).getTime() + 50, token);
        throw new DelayedError();
      }
      return result;
    },
    workerOptions(o, { concurrency: 4, lockDurationMs: 30_000, stalledIntervalMs: 30_000 }),
  );
  logWorkerProblems(worker, o.log, 'SLA timer job');
  return worker;
}
