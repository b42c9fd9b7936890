/**
 * SLA timers of a ticket: which outbox rows schedule them (pure), and the check a timer runs at its
 * time (under the ticket's row lock). workers/slaTimerJob.ts runs the check for the `ticket.sla` queue.
 *
 * At the due time, if the first response or the resolution is still missing, the breach is recorded
 * once as a `sla_breached` ticket event and the assigned agent (supervisors too for urgent tickets) is
 * warned through the live events. A `warning` stage, due at 80 % of the target, warns without a breach.
 *
 * A reopened ticket gets a new resolution target from the reopen (`cycle` = the reopen count): the
 * earlier cycle's timers become obsolete and the new cycle's breach is recorded on its own.
 *
 * Exactly once: the check, the insert and the live warning run in one transaction under the ticket's
 * row lock, and the event is looked up first, so a timer run twice (retry, stalled job, duplicate)
 * records one event and warns once. The warning is published before the commit: a worker killed in
 * between leaves no record, and the rerun records and warns (a warning may then repeat, never be lost).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db';
import { OPEN_TICKET_STATUSES, ticketEvents, tickets } from '../schema';
import type { LiveEventPublisher, SlaKind } from './types';

export const SLA_TOPIC = 'ticket.sla';

/** A timer's data (the outbox row's payload). `stage` defaults to `breach`, `cycle` to 0 (before any reopen). */
export interface SlaTimerPayload {
  ticketId: string;
  kind: SlaKind;
  stage?: 'warning' | 'breach';
  cycle?: number;
}

export type SlaOutcome =
  | { outcome: 'recorded'; eventId: number }
  | { outcome: 'already_recorded'; eventId: number }
  | { outcome: 'obsolete'; reason: 'no_ticket' | 'responded' | 'resolved' | 'closed' | 'past_due' | 'superseded' }
  | { outcome: 'not_due'; dueAt: string };

/** Share of a target after which the warning goes out. */
const WARN_AT = 0.8;

/** The outbox dedupe key of a ticket's timer (cycle 0 keeps the keys written before reopen cycles existed). */
export function slaDedupeKey(p: SlaTimerPayload): string {
  const base = p.stage === 'warning' ? `sla:${p.kind}:warning:${p.ticketId}` : `sla:${p.kind}:${p.ticketId}`;
  return p.cycle ? `${base}:cycle${p.cycle}` : base;
}

export function isSlaPayload(data: unknown): data is SlaTimerPayload {
  const d = data as Partial<SlaTimerPayload> | null;
  return (
    !!d &&
    typeof d.ticketId === 'string' &&
    (d.kind === 'first_response' || d.kind === 'resolution') &&
    (d.stage === undefined || d.stage === 'warning' || d.stage === 'breach') &&
    (d.cycle === undefined || (Number.isInteger(d.cycle) && d.cycle >= 0))
  );
}

/**
 * The outbox rows of a ticket's timers from `from`: for each given target, a warning at 80 % of the way
 * and the breach check at the due time.
 */
export function slaTimerRows(
  ticketId: string,
  from: Date,
  due: Partial<Record<SlaKind, Date>>,
  cycle = 0,
): Array<{ topic: string; payload: Record<string, unknown>; dedupeKey: string; runAt: Date }> {
  const rows: Array<{ topic: string; payload: Record<string, unknown>; dedupeKey: string; runAt: Date }> = [];
  for (const kind of ['first_response', 'resolution'] as const) {
    const dueAt = due[kind];
    if (!dueAt) continue;
    const warnAt = new Date(from.getTime() + Math.round((dueAt.getTime() - from.getTime()) * WARN_AT));
    for (const [stage, runAt] of [['warning', warnAt], ['breach', dueAt]] as const) {
      const payload: SlaTimerPayload = { ticketId, kind, ...(stage === 'warning' ? { stage } : {}), ...(cycle ? { cycle } : {}) };
      rows.push({ topic: SLA_TOPIC, payload: { ...payload }, dedupeKey: slaDedupeKey(payload), runAt });
    }
  }
  return rows;
}

const EVENT_TYPE = { breach: 'sla_breached', warning: 'sla_warning' } as const;

export interface SlaTimerServiceOptions {
  db: Db;
  live?: LiveEventPublisher;
  clock?: () => Date;
  /** Told what was recorded (for logs). */
  onRecorded?: (e: { ticketId: string; kind: SlaKind; stage: 'warning' | 'breach'; priority: string }) => void;
}

/** Runs a ticket's SLA timer: records and warns once, or says why it has nothing to do. */
export class SlaTimerService {
  constructor(private readonly o: SlaTimerServiceOptions) {}

  async check(payload: SlaTimerPayload): Promise<SlaOutcome> {
    if (!isSlaPayload(payload)) throw new Error(`invalid SLA timer payload: ${JSON.stringify(payload)}`);
    if (!/^[0-9a-f-]{36}$/i.test(payload.ticketId)) return { outcome: 'obsolete', reason: 'no_ticket' };
    const now = this.o.clock?.() ?? new Date();
    return this.o.db.transaction((tx) => this.checkIn(tx, payload, now));
  }

  private async checkIn(tx: Tx, payload: SlaTimerPayload, now: Date): Promise<SlaOutcome> {
    const stage = payload.stage ?? 'breach';
    const cycle = payload.cycle ?? 0;
    const type = EVENT_TYPE[stage];
    const [t] = await tx.select().from(tickets).where(eq(tickets.id, payload.ticketId)).for('update');
    if (!t) return { outcome: 'obsolete', reason: 'no_ticket' };
    const dueAt = payload.kind === 'first_response' ? t.firstResponseDueAt : t.resolutionDueAt;
    const [existing] = await tx
      .select({ id: ticketEvents.id })
      .from(ticketEvents)
      .where(
        and(
          eq(ticketEvents.ticketId, t.id),
          eq(ticketEvents.type, type),
          sql`${ticketEvents.data}->>'kind' = ${payload.kind}`,
          sql`coalesce((${ticketEvents.data}->>'cycle')::int, 0) = ${cycle}`,
        ),
      )
      .limit(1);
    if (existing) return { outcome: 'already_recorded', eventId: existing.id };
    if (!(OPEN_TICKET_STATUSES as readonly string[]).includes(t.status)) return { outcome: 'obsolete', reason: t.status === 'closed' ? 'closed' : 'resolved' };
    // A reopen set a new resolution target with timers of its own.
    if (payload.kind === 'resolution' && cycle !== t.reopenCount) return { outcome: 'obsolete', reason: 'superseded' };
    if (payload.kind === 'first_response' && t.firstResponseAt) return { outcome: 'obsolete', reason: 'responded' };
    if (payload.kind === 'resolution' && t.resolvedAt) return { outcome: 'obsolete', reason: 'resolved' };
    // A breach is only a breach once due (a timer may fire early: clock skew, a due time moved later).
    if (stage === 'breach' && now.getTime() < dueAt.getTime()) return { outcome: 'not_due', dueAt: dueAt.toISOString() };
    // A warning that comes too late (the relay was held up) would only repeat the breach.
    if (stage === 'warning' && now.getTime() >= dueAt.getTime()) return { outcome: 'obsolete', reason: 'past_due' };
    const [row] = await tx
      .insert(ticketEvents)
      .values({ ticketId: t.id, type, actor: 'system', data: { kind: payload.kind, dueAt: dueAt.toISOString(), priority: t.priority, assignedAgentId: t.assignedAgentId, ...(cycle ? { cycle } : {}) }, at: now })
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
    this.o.onRecorded?.({ ticketId: t.id, kind: payload.kind, stage, priority: t.priority });
    return { outcome: 'recorded', eventId: row.id };
  }
}
