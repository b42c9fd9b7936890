/**
 * SLA timers (`ticket.sla` outbox topic → `sla-timers` queue). At the due time, if the first response
 * or the resolution is still missing, the breach is recorded once as a `sla_breached` ticket event
 * and the assigned agent (supervisors too for urgent tickets) is warned through the live events.
 * A `warning` stage, due shortly before the breach, warns without a breach.
 *
 * Obsolete timers do nothing: the ticket was answered, resolved or closed, or no longer exists.
 * Exactly once: the check, the insert and the live warning run in one transaction under the ticket's
 * row lock, and the event is looked up first, so a job run twice (retry, stalled job, duplicate)
 * records one event and warns once. The warning is published before the commit: a worker killed in
 * between leaves no record, and the rerun records and warns (a warning may then repeat, never be lost).
 */
import { and, eq, sql } from 'drizzle-orm';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Db } from '../crm';
import { OPEN_TICKET_STATUSES, ticketEvents, tickets } from '../crm/schema';
import type { LiveEventPublisher, SlaKind } from '../crm/support';
import { logWorkerProblems, workerOptions, jobIdForKey, QUEUE_NAMES, type QueueConnection } from './queues';

export const SLA_TOPIC = 'ticket.sla';
export const SLA_JOB_NAME = 'ticket.sla';

/** The job's data (the outbox row's payload). `stage` defaults to `breach`. */
export interface SlaTimerPayload {
  ticketId: string;
  kind: SlaKind;
  stage?: 'warning' | 'breach';
}

export type SlaOutcome =
  | { outcome: 'recorded'; eventId: number }
  | { outcome: 'already_recorded'; eventId: number }
  | { outcome: 'obsolete'; reason: 'no_ticket' | 'responded' | 'resolved' | 'closed' | 'past_due' }
  | { outcome: 'not_due'; dueAt: string };

/** The outbox dedupe key of a ticket's timer (as crm/support/tickets.ts writes it). */
export function slaDedupeKey(p: SlaTimerPayload): string {
  return p.stage === 'warning' ? `sla:${p.kind}:warning:${p.ticketId}` : `sla:${p.kind}:${p.ticketId}`;
}

/** Deterministic job id of a ticket's timer, e.g. `sla/first_response/<ticket id>`. */
export function slaJobId(p: SlaTimerPayload): string {
  return jobIdForKey(slaDedupeKey(p));
}

export function isSlaPayload(data: unknown): data is SlaTimerPayload {
  const d = data as Partial<SlaTimerPayload> | null;
  return (
    !!d &&
    typeof d.ticketId === 'string' &&
    (d.kind === 'first_response' || d.kind === 'resolution') &&
    (d.stage === undefined || d.stage === 'warning' || d.stage === 'breach')
  );
}

export interface SlaTimerOptions {
  db: Db;
  live?: LiveEventPublisher;
  log: Logger;
  clock?: () => Date;
}

const EVENT_TYPE = { breach: 'sla_breached', warning: 'sla_warning' } as const;

/** The SLA check itself, independent of bullmq (the worker below runs it). */
export class SlaTimerJob {
  constructor(private readonly o: SlaTimerOptions) {}

  async run(payload: SlaTimerPayload): Promise<SlaOutcome> {
    if (!isSlaPayload(payload)) throw new Error(`invalid SLA timer payload: ${JSON.stringify(payload)}`);
    if (!/^[0-9a-f-]{36}$/i.test(payload.ticketId)) return { outcome: 'obsolete', reason: 'no_ticket' };
    const stage = payload.stage ?? 'breach';
    const type = EVENT_TYPE[stage];
    const now = this.o.clock?.() ?? new Date();
    const decided = await this.o.db.transaction(async (tx): Promise<SlaOutcome> => {
      const [t] = await tx.select().from(tickets).where(eq(tickets.id, payload.ticketId)).for('update');
      if (!t) return { outcome: 'obsolete', reason: 'no_ticket' };
      const dueAt = payload.kind === 'first_response' ? t.firstResponseDueAt : t.resolutionDueAt;
      const [existing] = await tx
        .select({ id: ticketEvents.id })
        .from(ticketEvents)
        .where(and(eq(ticketEvents.ticketId, t.id), eq(ticketEvents.type, type), sql`${ticketEvents.data}->>'kind' = ${payload.kind}`))
        .limit(1);
      if (existing) return { outcome: 'already_recorded', eventId: existing.id };
      if (!(OPEN_TICKET_STATUSES as readonly string[]).includes(t.status)) return { outcome: 'obsolete', reason: t.status === 'closed' ? 'closed' : 'resolved' };
      if (payload.kind === 'first_response' && t.firstResponseAt) return { outcome: 'obsolete', reason: 'responded' };
      if (payload.kind === 'resolution' && t.resolvedAt) return { outcome: 'obsolete', reason: 'resolved' };
      // A breach is only a breach once due (a timer may fire early: clock skew, a due time moved later).
      if (stage === 'breach' && now.getTime() < dueAt.getTime()) return { outcome: 'not_due', dueAt: dueAt.toISOString() };
      // A warning that comes too late (the relay was held up) would only repeat the breach.
      if (stage === 'warning' && now.getTime() >= dueAt.getTime()) return { outcome: 'obsolete', reason: 'past_due' };
      const [row] = await tx
        .insert(ticketEvents)
        .values({ ticketId: t.id, type, actor: 'system', data: { kind: payload.kind, dueAt: dueAt.toISOString(), priority: t.priority, assignedAgentId: t.assignedAgentId }, at: now })
        .returning({ id: ticketEvents.id });
      // Warned before the commit: if the warning cannot go out, nothing is recorded and the job retries;
      // a worker dying between the two leaves no record, so the rerun records and warns.
      await this.o.live?.publish({
        type: stage === 'breach' ? 'sla.breached' : 'sla.warning',
        ticketId: t.id,
        queueId: t.queueId,
        assignedAgentId: t.assignedAgentId,
        kind: payload.kind,
        priority: t.priority,
        dueAt: dueAt.toISOString(),
        notifySupervisors: t.priority === 'urgent',
      });
      this.o.log.info({ ticketId: t.id, kind: payload.kind, stage, priority: t.priority }, stage === 'breach' ? 'SLA breached' : 'SLA about to be breached');
      return { outcome: 'recorded', eventId: row.id };
    });
    return decided;
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
