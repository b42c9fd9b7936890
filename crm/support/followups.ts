/**
 * Follow-ups of a ticket after an agent's action: the CSAT survey after a resolve, the reminder and
 * auto-close of a ticket waiting on the customer, the reopen of a recently resolved ticket, and its
 * closing once the reopen window has passed.
 *
 * Scheduling is pure (`followUpRowsOnResolve`, `pendingReminderRow`: outbox rows the ticket service
 * writes in the transaction of the change). Each run below decides under the ticket's row lock whether
 * the follow-up is still due (obsolete otherwise: the customer answered, the ticket moved, already
 * done) and records what it did as a ticket event in that transaction. `send` runs inside the
 * transaction, before the commit: the caller enqueues the message with a deterministic delivery id,
 * so a run that dies before the commit leaves nothing recorded and its retry enqueues the same id.
 */
import { and, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../db';
import { agents, outbox, ticketEvents, tickets } from '../schema';
import { releaseAgentSlot, type AssignmentService } from './assignment';
import { slaDueTimes } from './policy';
import type { RoutingConfig } from './routingConfig';
import { slaTimerRows } from './slaTimers';
import type { LiveEventPublisher, TicketView } from './types';
import { toTicketView, withRetry, type TicketRow } from './views';

/** Delays of the follow-ups, in seconds (config CSAT_SURVEY_DELAY_SECONDS and friends). */
export interface FollowUpSettings {
  csatSurveyDelaySeconds: number;
  pendingReminderSeconds: number;
  pendingAutoCloseSeconds: number;
  reopenWindowSeconds: number;
}

export const DEFAULT_FOLLOW_UP_SETTINGS: FollowUpSettings = {
  csatSurveyDelaySeconds: 120,
  pendingReminderSeconds: 24 * 3600,
  pendingAutoCloseSeconds: 48 * 3600,
  reopenWindowSeconds: 7 * 86400,
};

/** Outbox topics of the follow-ups (relayed to the `followups` queue, one job name per topic). */
export const FOLLOW_UP_TOPICS = {
  csatSurvey: 'followup.csat',
  pendingReminder: 'followup.pending_reminder',
  pendingAutoClose: 'followup.pending_auto_close',
  closeResolved: 'followup.close_resolved',
} as const;

/** `resolution` is the ticket's n-th resolution (1 for the first, reopenCount + 1). */
export interface CsatSurveyPayload {
  ticketId: string;
  resolution: number;
}
export interface PendingReminderPayload {
  ticketId: string;
  /** When the agent's message that put the ticket in pending_customer was recorded. */
  pendingSince: string;
}
export interface PendingAutoClosePayload extends PendingReminderPayload {
  remindedAt: string;
}
export interface CloseResolvedPayload {
  ticketId: string;
  resolution: number;
}

export interface OutboxRow {
  topic: string;
  payload: Record<string, unknown>;
  dedupeKey: string;
  runAt: Date;
}

/** Deterministic id of what a follow-up sends, e.g. `csat-<ticketId>-1` (the delivery's idempotency key). */
export const deliveryIds = {
  csatSurvey: (p: CsatSurveyPayload) => `csat-${p.ticketId}-${p.resolution}`,
  pendingReminder: (p: PendingReminderPayload) => `reminder-${p.ticketId}-${Date.parse(p.pendingSince)}`,
  pendingAutoClose: (p: PendingReminderPayload) => `autoclose-${p.ticketId}-${Date.parse(p.pendingSince)}`,
  reopened: (ticketId: string, reopenCount: number) => `reopened-${ticketId}-${reopenCount}`,
};

const seconds = (at: Date, s: number) => new Date(at.getTime() + s * 1000);

/**
 * The rows a resolve writes. A resolution by an agent asks for a rating; a hand-back (the agent gives
 * the conversation back to the bot, nothing was solved) asks for none and cannot be reopened, so it
 * gets no survey. Both close the ticket after the reopen window (the same for both, so the console's
 * "Resolved" view does not depend on how a ticket ended).
 */
export function followUpRowsOnResolve(t: { id: string; reopenCount: number; assignedAgentId: string | null }, at: Date, reason: 'resolved' | 'handback', s: FollowUpSettings): OutboxRow[] {
  const resolution = t.reopenCount + 1;
  const rows: OutboxRow[] = [];
  if (reason === 'resolved' && t.assignedAgentId) {
    const payload: CsatSurveyPayload = { ticketId: t.id, resolution };
    rows.push({ topic: FOLLOW_UP_TOPICS.csatSurvey, payload: { ...payload }, dedupeKey: `followup:csat:${t.id}:${resolution}`, runAt: seconds(at, s.csatSurveyDelaySeconds) });
  }
  const close: CloseResolvedPayload = { ticketId: t.id, resolution };
  rows.push({ topic: FOLLOW_UP_TOPICS.closeResolved, payload: { ...close }, dedupeKey: `followup:close:${t.id}:${resolution}`, runAt: seconds(at, s.reopenWindowSeconds) });
  return rows;
}

/** The reminder row written when an agent's message leaves the ticket waiting on the customer. */
export function pendingReminderRow(ticketId: string, at: Date, s: FollowUpSettings): OutboxRow {
  const payload: PendingReminderPayload = { ticketId, pendingSince: at.toISOString() };
  return { topic: FOLLOW_UP_TOPICS.pendingReminder, payload: { ...payload }, dedupeKey: `followup:reminder:${ticketId}:${at.getTime()}`, runAt: seconds(at, s.pendingReminderSeconds) };
}

export function pendingAutoCloseRow(p: PendingReminderPayload, remindedAt: Date, s: FollowUpSettings): OutboxRow {
  const payload: PendingAutoClosePayload = { ...p, remindedAt: remindedAt.toISOString() };
  return { topic: FOLLOW_UP_TOPICS.pendingAutoClose, payload: { ...payload }, dedupeKey: `followup:autoclose:${p.ticketId}:${Date.parse(p.pendingSince)}`, runAt: seconds(remindedAt, s.pendingAutoCloseSeconds) };
}

export type FollowUpOutcome =
  | { outcome: 'sent'; deliveryId: string }
  | { outcome: 'already_sent'; deliveryId: string }
  | { outcome: 'closed' }
  | { outcome: 'obsolete'; reason: 'no_ticket' | 'status_moved' | 'reopened' | 'already_rated' | 'customer_answered' | 'superseded' | 'no_agent' };

export type CsatSubmissionOutcome =
  | { outcome: 'recorded'; ticket: TicketView; rating: number }
  | { outcome: 'duplicate'; ticket: TicketView }
  | { outcome: 'not_requested' }
  | { outcome: 'foreign' }
  | { outcome: 'invalid'; problem: string };

/** What a follow-up sends, handed to the caller's `send` (inside the transaction). */
export interface FollowUpMessage {
  deliveryId: string;
  kind: 'csat_survey' | 'pending_reminder' | 'auto_closed';
  ticket: TicketView;
}
export type SendFollowUp = (message: FollowUpMessage) => Promise<void>;

const UUID = /^[0-9a-f-]{36}$/i;

export class FollowUpService {
  constructor(
    private readonly o: {
      db: Db;
      assignment: AssignmentService;
      live?: LiveEventPublisher;
      settings?: Partial<FollowUpSettings>;
      clock?: () => Date;
      /** The SLA targets: a reopened ticket gets a new resolution target from the reopen, with its timers. */
      config?: RoutingConfig;
    },
  ) {}

  get settings(): FollowUpSettings {
    return { ...DEFAULT_FOLLOW_UP_SETTINGS, ...this.o.settings };
  }

  private now(): Date {
    return this.o.clock?.() ?? new Date();
  }

  private async lockTicket(tx: Tx, id: string): Promise<TicketRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const [t] = await tx.select().from(tickets).where(eq(tickets.id, id)).for('update');
    return t;
  }

  /** The ticket's events of these types, newest first. */
  private async eventsOf(db: DbOrTx, ticketId: string, types: string[]) {
    return db
      .select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.ticketId, ticketId), inArray(ticketEvents.type, types)))
      .orderBy(desc(ticketEvents.id));
  }

  /**
   * The CSAT survey of a resolution: obsolete once the ticket was reopened (or closed by a later
   * change) or already rated; else records `csat_requested` {agentId} once and sends the card.
   */
  async requestCsat(p: CsatSurveyPayload, send: SendFollowUp): Promise<FollowUpOutcome> {
    const deliveryId = deliveryIds.csatSurvey(p);
    return withRetry(() =>
      this.o.db.transaction(async (tx): Promise<FollowUpOutcome> => {
        const t = await this.lockTicket(tx, p.ticketId);
        if (!t) return { outcome: 'obsolete', reason: 'no_ticket' };
        if (t.reopenCount + 1 !== p.resolution) return { outcome: 'obsolete', reason: 'reopened' };
        if (t.status !== 'resolved' && t.status !== 'closed') return { outcome: 'obsolete', reason: 'status_moved' };
        const events = await this.eventsOf(tx, t.id, ['csat_requested', 'csat', 'resolved']);
        const requested = events.find((e) => e.type === 'csat_requested' && e.data.resolution === p.resolution);
        if (events.some((e) => e.type === 'csat' && e.data.resolution === p.resolution)) return { outcome: 'obsolete', reason: 'already_rated' };
        const ticket = toTicketView(t);
        if (requested) {
          // Recorded by an earlier run that committed: its delivery was enqueued in that transaction; enqueueing again is a no-op.
          await send({ deliveryId, kind: 'csat_survey', ticket });
          return { outcome: 'already_sent', deliveryId };
        }
        const resolved = events.find((e) => e.type === 'resolved');
        const agentId = (resolved?.data.agentId as string | null | undefined) ?? t.assignedAgentId;
        if (!agentId) return { outcome: 'obsolete', reason: 'no_agent' };
        await tx.insert(ticketEvents).values({ ticketId: t.id, type: 'csat_requested', actor: 'system', data: { agentId, resolution: p.resolution, deliveryId }, at: this.now() });
        await send({ deliveryId, kind: 'csat_survey', ticket });
        return { outcome: 'sent', deliveryId };
      }),
    );
  }

  /**
   * The customer's answer to a survey (the card's submit, or a bare digit right after it). Recorded
   * once per resolution as `csat` {agentId, rating, comment?}: a second answer is a duplicate, an
   * answer from another conversation is foreign, an answer to a survey never sent is not requested.
   */
  async recordCsat(input: { ticketId: string; channel: string; conversationId: string; rating: unknown; comment?: unknown; resolution?: unknown }): Promise<CsatSubmissionOutcome> {
    const rating = typeof input.rating === 'string' && /^\s*[1-5]\s*$/.test(input.rating) ? Number(input.rating) : input.rating;
    if (typeof rating !== 'number' || !Number.isInteger(rating) || rating < 1 || rating > 5) return { outcome: 'invalid', problem: 'rating' };
    if (input.comment !== undefined && input.comment !== null && typeof input.comment !== 'string') return { outcome: 'invalid', problem: 'comment' };
    const comment = typeof input.comment === 'string' ? input.comment.trim().slice(0, 2000) : '';
    return withRetry(() =>
      this.o.db.transaction(async (tx): Promise<CsatSubmissionOutcome> => {
        const t = await this.lockTicket(tx, input.ticketId);
        if (!t || t.channel !== input.channel || t.conversationId !== input.conversationId) return { outcome: 'foreign' };
        const events = await this.eventsOf(tx, t.id, ['csat_requested', 'csat']);
        const wanted = typeof input.resolution === 'number' ? input.resolution : undefined;
        const request = events.find((e) => e.type === 'csat_requested' && (wanted === undefined || e.data.resolution === wanted));
        if (!request) return { outcome: 'not_requested' };
        const resolution = request.data.resolution as number;
        if (events.some((e) => e.type === 'csat' && e.data.resolution === resolution)) return { outcome: 'duplicate', ticket: toTicketView(t) };
        await tx.insert(ticketEvents).values({
          ticketId: t.id,
          type: 'csat',
          actor: 'customer',
          data: { agentId: request.data.agentId, rating, resolution, ...(comment ? { comment } : {}) },
          at: this.now(),
        });
        return { outcome: 'recorded', ticket: toTicketView(t), rating };
      }),
    );
  }

  /** The survey of this conversation still waiting for an answer, if any (for a bare "4"). */
  async openSurvey(channel: string, conversationId: string): Promise<{ ticketId: string; resolution: number } | null> {
    // Only the conversation's latest ticket, and only once it is over: a digit sent to an agent is a message.
    const [t] = await this.o.db
      .select({ id: tickets.id, status: tickets.status })
      .from(tickets)
      .where(and(eq(tickets.channel, channel), eq(tickets.conversationId, conversationId)))
      .orderBy(desc(tickets.createdAt), desc(tickets.number))
      .limit(1);
    if (!t || (t.status !== 'resolved' && t.status !== 'closed')) return null;
    const events = await this.eventsOf(this.o.db, t.id, ['csat_requested', 'csat']);
    const request = events.find((e) => e.type === 'csat_requested');
    if (!request) return null;
    if (events.some((e) => e.type === 'csat' && e.data.resolution === request.data.resolution)) return null;
    return { ticketId: t.id, resolution: request.data.resolution as number };
  }

  /** Obsolete when the ticket no longer waits on the customer since `pendingSince`. */
  private async stillPending(tx: Tx, t: TicketRow, pendingSince: Date): Promise<FollowUpOutcome | null> {
    if (t.status !== 'pending_customer') return { outcome: 'obsolete', reason: 'status_moved' };
    const later = await tx
      .select({ type: ticketEvents.type, data: ticketEvents.data })
      .from(ticketEvents)
      .where(and(eq(ticketEvents.ticketId, t.id), inArray(ticketEvents.type, ['customer_message', 'agent_message']), gt(ticketEvents.at, pendingSince)));
    if (later.some((e) => e.type === 'customer_message')) return { outcome: 'obsolete', reason: 'customer_answered' };
    // A later "waiting on you" message scheduled its own reminder.
    if (later.some((e) => e.type === 'agent_message' && e.data.awaitingCustomer === true)) return { outcome: 'obsolete', reason: 'superseded' };
    return null;
  }

  /** Reminds the customer once, and schedules the auto-close (outbox, same transaction). */
  async remindPending(p: PendingReminderPayload, send: SendFollowUp): Promise<FollowUpOutcome> {
    const deliveryId = deliveryIds.pendingReminder(p);
    const since = new Date(p.pendingSince);
    if (Number.isNaN(since.getTime())) throw new Error(`invalid pendingSince ${p.pendingSince}`);
    return withRetry(() =>
      this.o.db.transaction(async (tx): Promise<FollowUpOutcome> => {
        const t = await this.lockTicket(tx, p.ticketId);
        if (!t) return { outcome: 'obsolete', reason: 'no_ticket' };
        const obsolete = await this.stillPending(tx, t, since);
        if (obsolete) return obsolete;
        const ticket = toTicketView(t);
        const [done] = await tx
          .select({ id: ticketEvents.id })
          .from(ticketEvents)
          .where(and(eq(ticketEvents.ticketId, t.id), eq(ticketEvents.type, 'pending_reminder_sent'), sql`${ticketEvents.data}->>'deliveryId' = ${deliveryId}`))
          .limit(1);
        if (done) {
          await send({ deliveryId, kind: 'pending_reminder', ticket });
          return { outcome: 'already_sent', deliveryId };
        }
        const at = this.now();
        await tx.insert(ticketEvents).values({ ticketId: t.id, type: 'pending_reminder_sent', actor: 'system', data: { deliveryId, pendingSince: p.pendingSince }, at });
        await tx.insert(outbox).values(pendingAutoCloseRow(p, at, this.settings)).onConflictDoNothing();
        await send({ deliveryId, kind: 'pending_reminder', ticket });
        return { outcome: 'sent', deliveryId };
      }),
    );
  }

  /**
   * The customer never answered the reminder: the ticket is resolved and closed for the agent (their
   * capacity is freed and they take the next waiting ticket) and the customer is told.
   */
  async autoClosePending(p: PendingAutoClosePayload, send: SendFollowUp): Promise<FollowUpOutcome> {
    const deliveryId = deliveryIds.pendingAutoClose(p);
    const since = new Date(p.pendingSince);
    if (Number.isNaN(since.getTime())) throw new Error(`invalid pendingSince ${p.pendingSince}`);
    const decided = await withRetry(() =>
      this.o.db.transaction(async (tx): Promise<{ result: FollowUpOutcome; ticket?: TicketRow }> => {
        const t = await this.lockTicket(tx, p.ticketId);
        if (!t) return { result: { outcome: 'obsolete', reason: 'no_ticket' } };
        const obsolete = await this.stillPending(tx, t, since);
        if (obsolete) return { result: obsolete };
        const at = this.now();
        if (t.assignedAgentId) {
          await releaseAgentSlot(tx, t.assignedAgentId);
        }
        const [row] = await tx.update(tickets).set({ status: 'closed', resolvedAt: at, closedAt: at, updatedAt: at }).where(eq(tickets.id, t.id)).returning();
        await tx.insert(ticketEvents).values({ ticketId: t.id, type: 'resolved', actor: 'system', data: { agentId: t.assignedAgentId, reason: 'auto_closed' }, at });
        await tx.insert(ticketEvents).values({ ticketId: t.id, type: 'status_changed', actor: 'system', data: { from: t.status, to: 'closed', reason: 'no_answer', deliveryId }, at });
        await send({ deliveryId, kind: 'auto_closed', ticket: toTicketView(row) });
        return { result: { outcome: 'closed' }, ticket: row };
      }),
    );
    const t = decided.ticket;
    if (t) {
      await this.o.live?.publish({ type: 'ticket.changed', ticketId: t.id, queueId: t.queueId, assignedAgentId: t.assignedAgentId, status: 'closed' });
      if (t.assignedAgentId) await this.o.assignment.drainForAgent(t.assignedAgentId);
    }
    return decided.result;
  }

  /** After the reopen window a resolved ticket is closed (nothing to tell the customer). */
  async closeResolved(p: CloseResolvedPayload): Promise<FollowUpOutcome> {
    return withRetry(() =>
      this.o.db.transaction(async (tx): Promise<FollowUpOutcome> => {
        const t = await this.lockTicket(tx, p.ticketId);
        if (!t) return { outcome: 'obsolete', reason: 'no_ticket' };
        if (t.reopenCount + 1 !== p.resolution) return { outcome: 'obsolete', reason: 'reopened' };
        if (t.status !== 'resolved') return { outcome: 'obsolete', reason: 'status_moved' };
        const at = this.now();
        await tx.update(tickets).set({ status: 'closed', closedAt: at, updatedAt: at }).where(eq(tickets.id, t.id));
        await tx.insert(ticketEvents).values({ ticketId: t.id, type: 'status_changed', actor: 'system', data: { from: 'resolved', to: 'closed', reason: 'reopen_window_passed' }, at });
        return { outcome: 'closed' };
      }),
    );
  }

  /** The conversation's ticket resolved by an agent within the reopen window, if any (cheap check before recognizing). */
  async reopenable(channel: string, conversationId: string): Promise<TicketView | null> {
    const since = new Date(this.now().getTime() - this.settings.reopenWindowSeconds * 1000);
    const [t] = await this.o.db
      .select()
      .from(tickets)
      .where(and(eq(tickets.channel, channel), eq(tickets.conversationId, conversationId), eq(tickets.status, 'resolved'), gt(tickets.resolvedAt, since)))
      .orderBy(desc(tickets.resolvedAt))
      .limit(1);
    if (!t) return null;
    return this.reopenableTicket(toTicketView(t));
  }

  /** The ticket itself when a customer message may reopen it: resolved within the window, not handed back. */
  async reopenableTicket(t: TicketView): Promise<TicketView | null> {
    const since = new Date(this.now().getTime() - this.settings.reopenWindowSeconds * 1000);
    if (t.status !== 'resolved' || !t.resolvedAt || t.resolvedAt <= since) return null;
    const [last] = await this.o.db
      .select({ data: ticketEvents.data })
      .from(ticketEvents)
      .where(and(eq(ticketEvents.ticketId, t.id), eq(ticketEvents.type, 'resolved')))
      .orderBy(desc(ticketEvents.id))
      .limit(1);
    // A hand-back gave the conversation to the bot: the bot answers, nothing reopens.
    if (!last || last.data.reason === 'handback') return null;
    return t;
  }

  /**
   * Reopens a resolved ticket (a customer wrote again within the window): status `reopened`,
   * reopenCount + 1, a `reopened` event; back to the agent who resolved it when they are online with
   * room, else to the queue (assigned to the best agent there, or waiting).
   */
  async reopen(ticketId: string, actor = 'customer'): Promise<TicketView | null> {
    const decided = await withRetry(() =>
      this.o.db.transaction(async (tx) => {
        const t = await this.lockTicket(tx, ticketId);
        if (!t || t.status !== 'resolved') return null;
        const at = this.now();
        if (t.resolvedAt && at.getTime() - t.resolvedAt.getTime() > this.settings.reopenWindowSeconds * 1000) return null;
        const previous = t.assignedAgentId;
        const [agent] = previous ? await tx.select().from(agents).where(eq(agents.userId, previous)).for('update') : [];
        const back = agent && agent.status === 'online' && agent.activeTickets < agent.maxConcurrent ? agent : undefined;
        const reason = back ? `reopened: back to the agent who resolved it (${back.activeTickets}/${back.maxConcurrent} open)` : 'reopened: the agent who resolved it is not available; back to the queue';
        // The customer waits again: a new resolution target counts from now (first response stays met).
        const resolutionDueAt = this.o.config ? slaDueTimes(t.priority, at, this.o.config).resolutionDueAt : t.resolutionDueAt;
        const [row] = await tx
          .update(tickets)
          .set({
            status: 'reopened',
            reopenCount: t.reopenCount + 1,
            assignedAgentId: back ? back.userId : null,
            assignedAt: back ? at : t.assignedAt,
            resolvedAt: null,
            resolutionDueAt,
            updatedAt: at,
            routing: sql`${tickets.routing} || jsonb_build_object('reason', ${reason}::text)`,
          })
          .where(eq(tickets.id, t.id))
          .returning();
        await tx.insert(ticketEvents).values({ ticketId: t.id, type: 'reopened', actor, data: { agentId: previous, reopenCount: t.reopenCount + 1, resolutionDueAt: resolutionDueAt.toISOString() }, at });
        if (this.o.config) await tx.insert(outbox).values(slaTimerRows(t.id, at, { resolution: resolutionDueAt }, t.reopenCount + 1)).onConflictDoNothing();
        await tx.insert(ticketEvents).values({ ticketId: t.id, type: 'status_changed', actor, data: { from: 'resolved', to: 'reopened' }, at });
        if (back) {
          await tx.update(agents).set({ activeTickets: sql`${agents.activeTickets} + 1`, lastAssignedAt: at }).where(eq(agents.userId, back.userId));
          await tx.insert(ticketEvents).values({ ticketId: t.id, type: 'assigned', actor: 'system', data: { agentId: back.userId, reason }, at });
        }
        return row;
      }),
    );
    if (!decided) return null;
    await this.o.live?.publish({ type: 'ticket.changed', ticketId: decided.id, queueId: decided.queueId, assignedAgentId: decided.assignedAgentId, status: 'reopened' });
    if (!decided.assignedAgentId) await this.o.assignment.drain(decided.queueId);
    const [now] = await this.o.db.select().from(tickets).where(eq(tickets.id, decided.id));
    return toTicketView(now);
  }
}
