import { and, asc, desc, eq, gt, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../db';
import { NotFoundError, CrmError } from '../errors';
import { agents, OPEN_TICKET_STATUSES, outbox, ticketEvents, tickets, type TicketPriority, type TicketStatus } from '../schema';
import { decidePriority, queueForCategory, slaDueTimes } from './policy';
import { slaTimerRows } from './slaTimers';
import type { RoutingConfig } from './routingConfig';
import { releaseAgentSlot, type AssignmentService } from './assignment';
import type { HandoffRequest, LiveEventPublisher, TicketView } from './types';
import { toTicketView, withRetry } from './views';
import { redactSensitive } from '../privacy';
import { DEFAULT_FOLLOW_UP_SETTINGS, followUpRowsOnResolve, pendingReminderRow, type FollowUpSettings } from './followups';

export class InvalidTicketTransitionError extends CrmError {
  constructor(message: string) {
    super(message, 'invalid_transition');
  }
}

export interface TicketFilter {
  queueIds?: string[];
  statuses?: TicketStatus[];
  assignedAgentId?: string;
  customerId?: string;
  limit?: number;
}

export interface TicketServiceOptions {
  db: Db;
  config: RoutingConfig;
  assignment: AssignmentService;
  live?: LiveEventPublisher;
  /** The customer's value segment (RFM), when known: valued customers get a higher priority. */
  customerSegment?: (customerId: string) => Promise<string | null>;
  /** Follow-up delays (CSAT survey, pending reminder, reopen window); default: the config defaults. */
  followUps?: Partial<FollowUpSettings>;
}

function subjectFrom(messages: string[], stated?: string): string {
  const last = stated?.trim() ? stated : ([...messages].reverse().find((m) => m.trim().length > 0) ?? '');
  // Masked before it is cut to length: a card number cut in half would no longer be recognised.
  const line = redactSensitive(last).replace(/\s+/g, ' ').trim();
  return line.length > 120 ? `${line.slice(0, 117)}...` : line || '(no message)';
}

function summaryFrom(req: HandoffRequest, reasons: string[]): string {
  const why = { asked_for_person: 'asked for a person', complaint: 'complained', negative_sentiment: 'is upset', unresolved: 'was not helped by the bot', other_language: 'writes in a language the bot does not speak', reported_problem: 'reported a problem' }[req.trigger];
  const details = req.entities.map((e) => `${e.type.replace('_', ' ')} ${e.text}`).slice(0, 6);
  const summary = [`Customer ${why} (${req.intent.replace(/_/g, ' ')}, ${req.language}).`, details.length ? `Key details: ${details.join(', ')}.` : '', `Priority: ${reasons.join('; ')}.`]
    .filter(Boolean)
    .join(' ');
  // Entities are the customer's words (an order number, an amount, or a number the bot took for one).
  return redactSensitive(summary);
}

/** Tickets: opened by the bot, worked by agents. Every change writes a ticket event in the same transaction. */
export class TicketService {
  private readonly followUps: FollowUpSettings;

  constructor(private readonly o: TicketServiceOptions) {
    this.followUps = { ...DEFAULT_FOLLOW_UP_SETTINGS, ...o.followUps };
  }

  /** Opens a ticket for the conversation (or returns the one already open) and routes it at once. */
  async open(req: HandoffRequest): Promise<{ ticket: TicketView; created: boolean; position: number | null }> {
    const existing = await this.findOpenForConversation(req.channel, req.conversationId);
    if (existing) return { ticket: existing, created: false, position: await this.positionInQueue(existing) };
    const category = req.intent && req.intent !== 'out_of_scope' && req.intent !== 'human_agent' ? req.intent : 'general';
    const segment = this.o.customerSegment ? await this.o.customerSegment(req.customerId) : null;
    const decision = decidePriority({ category, sentiment: req.sentiment, texts: req.recentMessages, customerSegment: segment }, this.o.config);
    const queueId = queueForCategory(category, this.o.config);
    const now = new Date();
    const due = slaDueTimes(decision.priority, now, this.o.config);
    const created = await this.o.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(tickets)
        .values({
          customerId: req.customerId,
          channel: req.channel,
          conversationId: req.conversationId,
          queueId,
          category,
          priority: decision.priority,
          priorityScore: decision.score,
          language: req.language,
          sentiment: req.sentiment,
          subject: subjectFrom(req.recentMessages, req.subject),
          summary: summaryFrom(req, decision.reasons),
          entities: req.entities as Array<Record<string, unknown>>,
          routing: { reason: `queued in ${queueId}: category ${category}`, priority: decision.reasons },
          createdAt: now,
          updatedAt: now,
          ...due,
        })
        .returning();
      await tx.insert(ticketEvents).values({ ticketId: row.id, type: 'created', actor: 'bot', data: { trigger: req.trigger, priority: decision.priority, reasons: decision.reasons }, at: now });
      // SLA timers, in the same transaction as the ticket (relayed to the job queue by the outbox relay):
      // a warning when 80 % of each SLA has passed, the breach check at the due time (crm/support/slaTimers.ts).
      await tx.insert(outbox).values(slaTimerRows(row.id, now, { first_response: due.firstResponseDueAt, resolution: due.resolutionDueAt }));
      return row;
    });
    await this.o.live?.publish({ type: 'ticket.changed', ticketId: created.id, queueId, assignedAgentId: null, status: 'new' });
    await this.o.assignment.drain(queueId);
    const ticket = (await this.get(created.id))!;
    return { ticket, created: true, position: await this.positionInQueue(ticket) };
  }

  async get(id: string): Promise<TicketView | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const rows = await this.o.db.select().from(tickets).where(eq(tickets.id, id)).limit(1);
    return rows[0] ? toTicketView(rows[0]) : null;
  }

  async require(id: string): Promise<TicketView> {
    const t = await this.get(id);
    if (!t) throw new NotFoundError('ticket');
    return t;
  }

  async list(filter: TicketFilter = {}): Promise<TicketView[]> {
    const where: SQL[] = [];
    if (filter.queueIds) where.push(filter.queueIds.length ? inArray(tickets.queueId, filter.queueIds) : sql`false`);
    if (filter.statuses?.length) where.push(inArray(tickets.status, filter.statuses));
    if (filter.assignedAgentId) where.push(eq(tickets.assignedAgentId, filter.assignedAgentId));
    if (filter.customerId) where.push(eq(tickets.customerId, filter.customerId));
    const rows = await this.o.db
      .select()
      .from(tickets)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(tickets.createdAt))
      .limit(Math.min(filter.limit ?? 200, 1000));
    return rows.map(toTicketView);
  }

  /** The ticket that owns this conversation now (a person, not the bot, is answering), if any. */
  async findOpenForConversation(channel: string, conversationId: string): Promise<TicketView | null> {
    const rows = await this.o.db
      .select()
      .from(tickets)
      .where(and(eq(tickets.channel, channel), eq(tickets.conversationId, conversationId), inArray(tickets.status, [...OPEN_TICKET_STATUSES])))
      .orderBy(desc(tickets.createdAt))
      .limit(1);
    return rows[0] ? toTicketView(rows[0]) : null;
  }

  /**
   * The conversation's open ticket, else its latest resolved one (which a message may reopen), in one
   * query: every turn asks, and most conversations never had a ticket. A conversation has at most one
   * open ticket and a new one opens only after the last is resolved, so the newest of these is the one.
   */
  async openOrLastResolvedForConversation(channel: string, conversationId: string): Promise<TicketView | null> {
    const rows = await this.o.db
      .select()
      .from(tickets)
      .where(and(eq(tickets.channel, channel), eq(tickets.conversationId, conversationId), inArray(tickets.status, [...OPEN_TICKET_STATUSES, 'resolved'])))
      .orderBy(desc(tickets.createdAt))
      .limit(1);
    return rows[0] ? toTicketView(rows[0]) : null;
  }

  /** 1-based place in the queue for a waiting ticket (an id, or the ticket the caller already read); null once assigned. */
  async positionInQueue(ticketOrId: string | TicketView): Promise<number | null> {
    const t = typeof ticketOrId === 'string' ? await this.get(ticketOrId) : ticketOrId;
    if (!t || t.assignedAgentId || !['new', 'reopened'].includes(t.status)) return null;
    const [{ ahead }] = await this.o.db
      .select({ ahead: sql<number>`count(*)::int` })
      .from(tickets)
      .where(
        and(
          eq(tickets.queueId, t.queueId),
          inArray(tickets.status, ['new', 'reopened']),
          isNull(tickets.assignedAgentId),
          or(gt(tickets.priorityScore, t.priorityScore), and(eq(tickets.priorityScore, t.priorityScore), sql`(${tickets.createdAt}, ${tickets.number}) < (${t.createdAt}, ${t.number})`)),
        ),
      );
    return ahead + 1;
  }

  /**
   * A customer's message on an open ticket; `conversation` carries the conversation's sentiment with it
   * and, when this message is the first to state the problem, the new subject.
   */
  async recordCustomerMessage(ticketId: string, message: { text: string; sentiment?: number; at?: Date; conversation?: { sentiment: number; subject?: string } }): Promise<void> {
    const at = message.at ?? new Date();
    const ticket = await this.require(ticketId);
    await this.o.db.transaction(async (tx) => {
      await tx.insert(ticketEvents).values({ ticketId, type: 'customer_message', actor: 'customer', data: { sentiment: message.sentiment ?? null }, at });
      if (message.conversation) {
        const subject = message.conversation.subject?.trim() ? subjectFrom([], message.conversation.subject) : undefined;
        await tx.update(tickets).set({ sentiment: message.conversation.sentiment, ...(subject ? { subject } : {}) }).where(eq(tickets.id, ticketId));
      }
      if (ticket.status === 'pending_customer') {
        await tx.update(tickets).set({ status: 'assigned', updatedAt: at }).where(and(eq(tickets.id, ticketId), eq(tickets.status, 'pending_customer')));
        await tx.insert(ticketEvents).values({ ticketId, type: 'status_changed', actor: 'customer', data: { from: 'pending_customer', to: 'assigned' }, at });
      }
    });
    await this.o.live?.publish({ type: 'ticket.message', ticketId, queueId: ticket.queueId, assignedAgentId: ticket.assignedAgentId, direction: 'inbound', author: 'customer', text: redactSensitive(message.text), at: at.toISOString() });
  }

  /** An agent's reply (delivered by the caller); the first one sets the first-response time. */
  async recordAgentMessage(ticketId: string, agentId: string, text: string, options: { awaitingCustomer?: boolean } = {}): Promise<TicketView> {
    const at = new Date();
    const ticket = await this.require(ticketId);
    await this.o.db.transaction(async (tx) => {
      // Checked under the row lock a resolve takes too: a reply and a resolve at the same moment apply
      // one after the other, and a reply refused here is never delivered (the caller delivers after).
      const [locked] = await tx.select({ status: tickets.status }).from(tickets).where(eq(tickets.id, ticketId)).for('update');
      if (!locked || !['assigned', 'pending_customer', 'reopened', 'new'].includes(locked.status)) throw new InvalidTicketTransitionError(`ticket is ${locked?.status ?? 'gone'}`);
      await tx.insert(ticketEvents).values({ ticketId, type: 'agent_message', actor: agentId, data: { agentId, ...(options.awaitingCustomer ? { awaitingCustomer: true } : {}) }, at });
      await tx
        .update(tickets)
        .set({ firstResponseAt: sql`coalesce(${tickets.firstResponseAt}, ${at})`, updatedAt: at, ...(options.awaitingCustomer ? { status: 'pending_customer' as const } : {}) })
        .where(eq(tickets.id, ticketId));
      // Waiting on the customer: a reminder, then the auto-close (workers/pendingReminderJob.ts).
      if (options.awaitingCustomer) await tx.insert(outbox).values(pendingReminderRow(ticketId, at, this.followUps)).onConflictDoNothing();
    });
    await this.o.live?.publish({ type: 'ticket.message', ticketId, queueId: ticket.queueId, assignedAgentId: ticket.assignedAgentId, direction: 'outbound', author: agentId, text: redactSensitive(text), at: at.toISOString() });
    return this.require(ticketId);
  }

  /** Resolves the ticket (the conversation returns to the bot) and frees the agent for the next one. */
  async resolve(ticketId: string, actor: string, options: { reason?: 'resolved' | 'handback' } = {}): Promise<TicketView> {
    const at = new Date();
    const before = await withRetry(() =>
      this.o.db.transaction(async (tx) => {
        const [t] = await tx.select().from(tickets).where(eq(tickets.id, ticketId)).for('update');
        if (!t) throw new NotFoundError('ticket');
        if (!(OPEN_TICKET_STATUSES as readonly string[]).includes(t.status)) throw new InvalidTicketTransitionError(`ticket is already ${t.status}`);
        if (t.assignedAgentId) {
          await releaseAgentSlot(tx, t.assignedAgentId);
        }
        await tx.update(tickets).set({ status: 'resolved', resolvedAt: at, updatedAt: at }).where(eq(tickets.id, ticketId));
        if (options.reason === 'handback') {
          await tx.insert(ticketEvents).values({ ticketId, type: 'released', actor, data: { agentId: t.assignedAgentId, reason: 'handback' }, at });
        }
        await tx.insert(ticketEvents).values({ ticketId, type: 'resolved', actor, data: { agentId: t.assignedAgentId, reason: options.reason ?? 'resolved' }, at });
        await tx.insert(ticketEvents).values({ ticketId, type: 'status_changed', actor, data: { from: t.status, to: 'resolved' }, at });
        // Follow-ups in the same transaction (CSAT survey, close after the reopen window): none is lost.
        await tx.insert(outbox).values(followUpRowsOnResolve(t, at, options.reason ?? 'resolved', this.followUps)).onConflictDoNothing();
        return t;
      }),
    );
    await this.o.live?.publish({ type: 'ticket.changed', ticketId, queueId: before.queueId, assignedAgentId: before.assignedAgentId, status: 'resolved' });
    if (before.assignedAgentId) await this.o.assignment.drainForAgent(before.assignedAgentId);
    return this.require(ticketId);
  }

  /** Moves the ticket to another agent (who may exceed capacity only if `force`), or back to the queue (null). */
  async reassign(ticketId: string, toAgentId: string | null, actor: string): Promise<TicketView> {
    const at = new Date();
    const before = await withRetry(() =>
      this.o.db.transaction(async (tx) => {
        const [t] = await tx.select().from(tickets).where(eq(tickets.id, ticketId)).for('update');
        if (!t) throw new NotFoundError('ticket');
        if (!(OPEN_TICKET_STATUSES as readonly string[]).includes(t.status)) throw new InvalidTicketTransitionError(`ticket is ${t.status}`);
        if (t.assignedAgentId === toAgentId) return t;
        // Lock agents in id order (as the assignment service does) so this never deadlocks with it.
        const ids = [t.assignedAgentId, toAgentId].filter((x): x is string => !!x).sort();
        const locked = ids.length ? await tx.select().from(agents).where(inArray(agents.userId, ids)).orderBy(asc(agents.userId)).for('update') : [];
        const target = toAgentId ? locked.find((a) => a.userId === toAgentId) : undefined;
        if (toAgentId && !target) throw new NotFoundError('agent');
        if (target && target.activeTickets >= target.maxConcurrent) throw new InvalidTicketTransitionError('that agent has no spare capacity');
        if (t.assignedAgentId) {
          await releaseAgentSlot(tx, t.assignedAgentId);
          await tx.insert(ticketEvents).values({ ticketId, type: 'released', actor, data: { agentId: t.assignedAgentId, reason: 'reassigned' }, at });
        }
        if (target) {
          await tx.update(agents).set({ activeTickets: sql`${agents.activeTickets} + 1`, lastAssignedAt: at }).where(eq(agents.userId, target.userId));
          await tx
            .update(tickets)
            .set({ assignedAgentId: target.userId, status: 'assigned', assignedAt: at, updatedAt: at, routing: sql`${tickets.routing} || jsonb_build_object('reason', ${`reassigned by ${actor}`}::text, 'agentId', ${target.userId}::text)` })
            .where(eq(tickets.id, ticketId));
          await tx.insert(ticketEvents).values({ ticketId, type: 'transferred', actor, data: { fromAgentId: t.assignedAgentId, toAgentId: target.userId }, at });
        } else {
          await tx.update(tickets).set({ assignedAgentId: null, status: 'new', updatedAt: at, routing: sql`${tickets.routing} || jsonb_build_object('reason', ${`returned to the queue by ${actor}`}::text)` }).where(eq(tickets.id, ticketId));
        }
        return t;
      }),
    );
    await this.o.live?.publish({ type: 'ticket.changed', ticketId, queueId: before.queueId, assignedAgentId: toAgentId, status: toAgentId ? 'assigned' : 'new' });
    if (!toAgentId) await this.o.assignment.drain(before.queueId);
    if (before.assignedAgentId) await this.o.assignment.drainForAgent(before.assignedAgentId);
    return this.require(ticketId);
  }

  async setPriority(ticketId: string, priority: TicketPriority, actor: string): Promise<TicketView> {
    const at = new Date();
    const t = await this.require(ticketId);
    if (t.priority !== priority) {
      const delta = this.o.config.priority.weights.base[priority] - this.o.config.priority.weights.base[t.priority];
      await this.o.db.transaction(async (tx) => {
        await tx.update(tickets).set({ priority, priorityScore: sql`${tickets.priorityScore} + ${delta}`, updatedAt: at }).where(eq(tickets.id, ticketId));
        await tx.insert(ticketEvents).values({ ticketId, type: 'priority_changed', actor, data: { from: t.priority, to: priority }, at });
      });
      await this.o.live?.publish({ type: 'ticket.changed', ticketId, queueId: t.queueId, assignedAgentId: t.assignedAgentId, status: t.status });
    }
    return this.require(ticketId);
  }

  /**
   * Corrects the ticket's category (what the customer's request is about). The queue stays: moving
   * the ticket is a reassignment. `alsoInTransaction` runs in the same transaction (the learned label
   * of the correction, crm/understanding), so the change and what is learned from it commit together.
   */
  async setCategory(ticketId: string, category: string, actor: string, alsoInTransaction?: (tx: Tx, previous: TicketView) => Promise<void>): Promise<{ ticket: TicketView; changed: boolean }> {
    const at = new Date();
    const t = await this.require(ticketId);
    const changed = t.category !== category;
    await this.o.db.transaction(async (tx) => {
      if (changed) {
        await tx.update(tickets).set({ category, updatedAt: at }).where(eq(tickets.id, ticketId));
        await tx.insert(ticketEvents).values({ ticketId, type: 'category_changed', actor, data: { from: t.category, to: category }, at });
      }
      await alsoInTransaction?.(tx, t);
    });
    if (changed) await this.o.live?.publish({ type: 'ticket.changed', ticketId, queueId: t.queueId, assignedAgentId: t.assignedAgentId, status: t.status });
    return { ticket: await this.require(ticketId), changed };
  }

  async events(ticketId: string) {
    return this.o.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, ticketId)).orderBy(asc(ticketEvents.id));
  }

  /** Sentiment of the customer's tickets over time (for the console's side panel). */
  async sentimentTrend(customerId: string): Promise<Array<{ at: Date; sentiment: number; ticketNumber: number }>> {
    const rows = await this.o.db
      .select({ at: tickets.createdAt, sentiment: tickets.sentiment, ticketNumber: tickets.number })
      .from(tickets)
      .where(eq(tickets.customerId, customerId))
      .orderBy(asc(tickets.createdAt));
    return rows;
  }
}
