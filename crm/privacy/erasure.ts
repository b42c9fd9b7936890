/**
 * Erasure of one customer (right to erasure, GDPR art. 17): every row and copy in PostgreSQL is
 * deleted or anonymised in one transaction (customerData.ts says which), their Redis keys and queued
 * jobs are removed, and a tombstone of their handles keeps imports and new channel identities from
 * bringing them back. Tickets stay as anonymised rows and agents' scores keep their counts.
 * Idempotent and retry-safe: a second run finds nothing left and reports zeros; Redis is purged
 * before the transaction (while the ids are still known) and again after it.
 */
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db';
import { NotFoundError } from '../errors';
import { queryRows } from '../commerce/rows';
import { VALUE_RUN_LOCK } from '../value/store';
import { releaseAgentSlot } from '../support/assignment';
import type { LiveEventPublisher } from '../support/types';
import type { TicketStatus } from '../schema';
import {
  botState,
  conversationReferences,
  customerEvents,
  customerMerges,
  customerProfiles,
  consentHistory,
  customers,
  customerValues,
  deliveries,
  directLineActivities,
  directLineConversations,
  identities,
  intentLabels,
  messages,
  messageUnderstandings,
  OPEN_TICKET_STATUSES,
  orderLines,
  orders,
  outbox,
  ticketEvents,
  tickets,
} from '../schema';
import { conversationIn, footprintOf, type Conversation, type CustomerFootprint } from './customerData';
import { botStateKeysOf } from './export';
import { requestTrainingInOutbox } from '../recommendations/training';
import { Tombstones, type Handle } from './tombstones';

/** What the customer's Redis keys and queued jobs are found by. */
export interface RedisPurgeTarget {
  ticketIds: string[];
  conversations: Conversation[];
  emails: string[];
}

/** Removes a customer's Redis keys and queued bullmq jobs (follow-ups, SLA timers, deliveries). */
export interface CustomerRedisPurger {
  purge(target: RedisPurgeTarget): Promise<{ keys: number; jobs: number }>;
}

export interface ErasureReport {
  customerId: string;
  /** Rows deleted or anonymised per table, keys and jobs removed in Redis; counts only. */
  counts: Record<string, number>;
  /** False when this run found nothing left to erase (an earlier run did it). */
  changedAnything: boolean;
  /** Open tickets closed by the erasure. */
  closedTickets: number;
}

/** ticket_events.data keys kept by the erasure: ids, figures and codes that scores and reports read; every free text goes. */
export const TICKET_EVENT_KEPT_KEYS = ['agentId', 'fromAgentId', 'toAgentId', 'rating', 'resolution', 'reason', 'from', 'to', 'priority', 'trigger', 'reopenCount', 'awaitingCustomer', 'sentiment', 'deliveryId', 'resolutionDueAt'] as const;

export const ERASED_SUBJECT = '[erased]';

export class CustomerErasure {
  constructor(
    private readonly db: Db,
    private readonly o: { redis?: CustomerRedisPurger; live?: LiveEventPublisher; now?: () => Date } = {},
  ) {}

  async erase(customerId: string, opts: { requestId: string }): Promise<ErasureReport> {
    const [exists] = await this.db.select({ id: customers.id }).from(customers).where(eq(customers.id, customerId)).limit(1);
    if (!exists) throw new NotFoundError('customer');
    const before = await footprintOf(this.db, customerId);
    const target = (fp: CustomerFootprint): RedisPurgeTarget => ({ ticketIds: fp.ticketIds, conversations: fp.conversations, emails: fp.emails });
    const first = this.o.redis ? await this.o.redis.purge(target(before)) : { keys: 0, jobs: 0 };
    const { counts, closedTickets, changedTickets } = await this.db.transaction((tx) => this.eraseRows(tx, customerId, opts.requestId));
    // Consoles showing these tickets reload them (subject and messages gone); a lost event only delays that.
    for (const t of changedTickets) await this.o.live?.publish({ type: 'ticket.changed', ticketId: t.id, queueId: t.queueId, assignedAgentId: t.assignedAgentId, status: t.status }).catch(() => undefined);
    // Again after the commit: a job the outbox relay queued meanwhile for these tickets goes too.
    const second = this.o.redis ? await this.o.redis.purge({ ticketIds: before.ticketIds, conversations: before.conversations, emails: before.emails }) : { keys: 0, jobs: 0 };
    counts.redisKeys = first.keys + second.keys;
    counts.queuedJobs = first.jobs + second.jobs;
    const changedAnything = Object.entries(counts).some(([k, n]) => k !== 'tombstones' && n > 0);
    return { customerId, counts, changedAnything, closedTickets };
  }

  private async eraseRows(tx: Tx, customerId: string, requestId: string): Promise<{ counts: Record<string, number>; closedTickets: number; changedTickets: Array<{ id: string; queueId: string; assignedAgentId: string | null; status: TicketStatus }> }> {
    const now = this.o.now?.() ?? new Date();
    // The customer's row lock: a concurrent turn or merge for them waits, a concurrent erasure runs after this one.
    // A customer value run in progress read the person's orders and would store their value after this deletes it: wait for it
    // (its lock first, before the customer's row, which the run's insert also needs: the other order would deadlock).
    await tx.execute(sql`select pg_advisory_xact_lock(${VALUE_RUN_LOCK})`);
    await tx.select({ id: customers.id }).from(customers).where(eq(customers.id, customerId)).for('update');
    const fp = await footprintOf(tx, customerId);
    const ids = fp.customerIds;
    const counts: Record<string, number> = {};
    const n = (key: string, rows: unknown[]) => {
      counts[key] = (counts[key] ?? 0) + rows.length;
    };

    // Handles for the tombstone, before the rows that hold them go.
    const handles: Handle[] = [...fp.identities.map((i) => ({ kind: i.kind, value: i.externalId })), ...fp.emails.map((e) => ({ kind: 'email', value: e }))];
    const phones = await queryRows<{ phone: string }>(tx, sql`select attributes->>'phone' as phone from customer_profiles where customer_id in (${sql.join(ids.map((c) => sql`${c}::uuid`), sql`, `)}) and attributes ? 'phone'`);
    handles.push(...phones.map((p) => ({ kind: 'phone', value: p.phone })));

    // Timeline, understanding and what was learned from it for training.
    n('intentLabels', await tx.delete(intentLabels).where(or(fp.messageIds.length ? inArray(intentLabels.messageId, fp.messageIds) : sql`false`, fp.ticketIds.length ? inArray(intentLabels.ticketId, fp.ticketIds) : sql`false`)).returning({ id: intentLabels.id }));
    n('understandings', fp.messageIds.length ? await tx.delete(messageUnderstandings).where(inArray(messageUnderstandings.messageId, fp.messageIds)).returning({ id: messageUnderstandings.messageId }) : []);
    n('messages', await tx.delete(messages).where(inArray(messages.customerId, ids)).returning({ id: messages.id }));
    // Transcripts (activities cascade with their conversation), bot state, references, delivery records.
    if (fp.directLineConversationIds.length) {
      n('transcriptActivities', await tx.delete(directLineActivities).where(inArray(directLineActivities.conversationId, fp.directLineConversationIds)).returning({ seq: directLineActivities.seq }));
      n('transcripts', await tx.delete(directLineConversations).where(inArray(directLineConversations.id, fp.directLineConversationIds)).returning({ id: directLineConversations.id }));
    }
    n('botState', await tx.delete(botState).where(botStateKeysOf(fp)).returning({ key: botState.key }));
    n('conversationReferences', await tx.delete(conversationReferences).where(or(inArray(conversationReferences.customerId, ids), conversationIn(conversationReferences.channelId, conversationReferences.conversationId, fp.conversations))).returning({ id: conversationReferences.conversationId }));
    n('deliveries', await tx.delete(deliveries).where(or(fp.ticketIds.length ? inArray(deliveries.ticketId, fp.ticketIds) : sql`false`, conversationIn(deliveries.channel, deliveries.conversationId, fp.conversations))).returning({ id: deliveries.id }));

    // Tickets: open ones are closed (the agent's slot freed), every one loses its texts and conversation.
    let closedTickets = 0;
    let changedTickets: Array<{ id: string; queueId: string; assignedAgentId: string | null; status: TicketStatus }> = [];
    if (fp.ticketIds.length) {
      const open = await tx.select().from(tickets).where(and(inArray(tickets.id, fp.ticketIds), inArray(tickets.status, [...OPEN_TICKET_STATUSES]))).for('update');
      for (const t of open) {
        if (t.assignedAgentId) await releaseAgentSlot(tx, t.assignedAgentId);
        await tx.update(tickets).set({ status: 'closed', closedAt: now, updatedAt: now }).where(eq(tickets.id, t.id));
        await tx.insert(ticketEvents).values({ ticketId: t.id, type: 'status_changed', actor: 'system', data: { from: t.status, to: 'closed', reason: 'customer_erased' }, at: now });
        closedTickets++;
      }
      changedTickets = await tx
        .update(tickets)
        .set({ subject: ERASED_SUBJECT, summary: '', entities: [], conversationId: sql`'erased:' || ${tickets.id}::text`, routing: sql`jsonb_build_object('reason', 'erased')` })
        .where(and(inArray(tickets.id, fp.ticketIds), sql`${tickets.subject} <> ${ERASED_SUBJECT}`))
        .returning({ id: tickets.id, queueId: tickets.queueId, assignedAgentId: tickets.assignedAgentId, status: tickets.status });
      n('tickets', changedTickets);
      const kept = sql.raw(`array[${TICKET_EVENT_KEPT_KEYS.map((k) => `'${k}'`).join(', ')}]`);
      n(
        'ticketEvents',
        await queryRows(
          tx,
          sql`update ticket_events e set data = (select coalesce(jsonb_object_agg(key, value), '{}'::jsonb) from jsonb_each(e.data) where key = any(${kept}) and jsonb_typeof(value) <> 'object')
              where e.ticket_id in (${sql.join(fp.ticketIds.map((t) => sql`${t}::uuid`), sql`, `)})
                and exists (select 1 from jsonb_each(e.data) where not (key = any(${kept})) or jsonb_typeof(value) = 'object') returning e.id`,
        ),
      );
      // Follow-ups and SLA timers not relayed yet: none may reach the person.
      n('outbox', await tx.delete(outbox).where(sql`${outbox.payload}->>'ticketId' in (${sql.join(fp.ticketIds.map((t) => sql`${t}`), sql`, `)})`).returning({ id: outbox.id }));
    }

    // Commerce, value, profile, merges, identities.
    const orderIds = (await tx.select({ id: orders.id }).from(orders).where(inArray(orders.customerId, ids))).map((o) => o.id);
    if (orderIds.length) n('orderLines', await tx.delete(orderLines).where(inArray(orderLines.orderId, orderIds)).returning({ id: orderLines.orderId }));
    n('orders', orderIds.length ? await tx.delete(orders).where(inArray(orders.id, orderIds)).returning({ id: orders.id }) : []);
    n('events', await tx.delete(customerEvents).where(inArray(customerEvents.customerId, ids)).returning({ id: customerEvents.id }));
    n('customerValues', await tx.delete(customerValues).where(inArray(customerValues.customerId, ids)).returning({ id: customerValues.customerId }));
    n(
      'merges',
      await tx
        .update(customerMerges)
        .set({ before: { erased: true }, after: null, reason: '' })
        .where(and(or(inArray(customerMerges.survivorId, ids), inArray(customerMerges.mergedId, ids)), sql`not (${customerMerges.before} ? 'erased')`))
        .returning({ id: customerMerges.id }),
    );
    n('consentChanges', await tx.delete(consentHistory).where(inArray(consentHistory.customerId, ids)).returning({ id: consentHistory.id }));
    n('profiles', await tx.delete(customerProfiles).where(inArray(customerProfiles.customerId, ids)).returning({ id: customerProfiles.customerId }));
    n('identities', await tx.delete(identities).where(inArray(identities.customerId, ids)).returning({ id: identities.id }));
    n(
      'customers',
      await tx
        .update(customers)
        .set({ displayName: null, email: null, language: null, attributes: { erased: true }, updatedAt: now })
        .where(and(inArray(customers.id, ids), sql`not (${customers.attributes} ? 'erased' and ${customers.displayName} is null and ${customers.email} is null)`))
        .returning({ id: customers.id }),
    );
    // The active recommendation model's matrix holds their purchases and views: a retraining without them, through the outbox.
    if ((counts.orders ?? 0) + (counts.events ?? 0) > 0) counts.recommendationRetraining = (await requestTrainingInOutbox(tx, { reason: 'erasure' })) ? 1 : 0;
    counts.tombstones = await new Tombstones(tx).add(handles, requestId, tx);
    return { counts, closedTickets, changedTickets };
  }
}
