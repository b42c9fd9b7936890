/**
 * Where a customer's data lives, read once for both the export and the erasure, so the two cannot
 * disagree about what "everything held about them" is. CUSTOMER_DATA_TABLES names every table that
 * holds or links to a customer's data and what the export and the erasure do with it; a test fails when
 * a new table with a customer id is added and not listed here.
 */
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db';
import { queryRows } from '../commerce/rows';
import { customerProfiles, identities, messages, tickets, conversationReferences } from '../schema';

export type TableHandling =
  | { export: string; erase: 'delete' | 'anonymise' | 'keep'; why?: string }
  | { excluded: string; erase: 'delete' | 'anonymise' | 'keep' };

/** Every table that holds a customer's data or links to it, and what privacy does with it. */
export const CUSTOMER_DATA_TABLES: Record<string, TableHandling> = {
  customers: { export: 'profile.customer', erase: 'anonymise', why: 'the row stays (no name, email, language or attributes) so the tickets that count in agents’ scores keep their customer' },
  customer_profiles: { export: 'profile.profile, consent', erase: 'delete' },
  identities: { export: 'identities', erase: 'delete' },
  consent_history: { export: 'consent.history', erase: 'delete' },
  messages: { export: 'messages, tickets[].messages', erase: 'delete' },
  message_understandings: { export: 'understandings', erase: 'delete' },
  intent_labels: { export: 'intentLabels', erase: 'delete', why: 'the label keeps the customer’s words and is used for training' },
  directline_conversations: { export: 'transcripts', erase: 'delete' },
  directline_activities: { export: 'transcripts[].activities, recommendationsShown', erase: 'delete' },
  conversation_references: { export: 'conversationReferences', erase: 'delete' },
  bot_state: { export: 'botState', erase: 'delete' },
  tickets: { export: 'tickets', erase: 'anonymise', why: 'subject, summary, entities and conversation removed; the row stays so reports and scores keep their counts' },
  ticket_events: { export: 'tickets[].events, csatAnswers', erase: 'anonymise', why: 'free text (CSAT comments, reasons) removed; types, times, agents and ratings stay for scores' },
  deliveries: { export: 'deliveries', erase: 'delete' },
  outbox: { excluded: 'transport rows holding ticket ids only (no personal data); the erasure deletes those of the customer’s tickets so no follow-up reaches them', erase: 'delete' },
  orders: { export: 'orders', erase: 'delete' },
  order_lines: { export: 'orders[].lines', erase: 'delete' },
  customer_events: { export: 'events', erase: 'delete' },
  customer_values: { export: 'customerValue', erase: 'delete' },
  customer_merges: { export: 'merges', erase: 'anonymise', why: 'the profile snapshots (before/after) are emptied; the merge’s ids and time stay' },
  customer_merge_moves: { excluded: 'row ids of a merge only (no personal data)', erase: 'keep' },
  audit_log: { export: 'accessLog', erase: 'keep', why: 'append-only record of who accessed the data (accountability); entries hold ids and field names, not the data' },
  privacy_requests: { export: 'privacyRequests', erase: 'keep', why: 'proof the request was handled; counts only' },
  privacy_tombstones: { excluded: 'hashes of an erased person’s handles, never the values: what keeps them erased', erase: 'keep' },
  recommendation_models: {
    excluded: 'trained models: the snapshot’s interaction matrix is keyed by customer id; an erasure that deleted orders or events asks for a retraining through the outbox (a pinned version keeps serving until unpinned; older versions go when the training prunes them)',
    erase: 'keep',
  },
  intent_models: { excluded: 'trained intent model versions: weights and vocabulary, no messages; the erased labels are not in the next retraining', erase: 'keep' },
};

export interface Conversation {
  channel: string;
  conversationId: string;
}

/** The ids a customer's data is found by. */
export interface CustomerFootprint {
  /** The customer and every profile merged into them (the same person). */
  customerIds: string[];
  identities: Array<{ kind: string; externalId: string }>;
  emails: string[];
  conversations: Conversation[];
  /** Direct Line conversation ids (from the timeline, tickets, references, and the visitor's user ids). */
  directLineConversationIds: string[];
  ticketIds: string[];
  messageIds: string[];
}

const uniq = <T>(xs: Iterable<T>) => [...new Set(xs)];

/** Finds everything a customer's data is keyed by. */
export async function footprintOf(db: DbOrTx, customerId: string): Promise<CustomerFootprint> {
  // Profiles merged into this one, transitively.
  const customerIds = [customerId];
  for (let i = 0; i < customerIds.length; i++) {
    const merged = await db.select({ id: customerProfiles.customerId }).from(customerProfiles).where(eq(customerProfiles.mergedInto, customerIds[i]));
    for (const m of merged) if (!customerIds.includes(m.id)) customerIds.push(m.id);
  }
  const ids = await db.select({ kind: identities.kind, externalId: identities.externalId }).from(identities).where(inArray(identities.customerId, customerIds));
  const emails = await queryRows<{ email: string }>(db, sql`select email from customers where id in (${sql.join(customerIds.map((c) => sql`${c}::uuid`), sql`, `)}) and email is not null`);
  const convRows = await queryRows<Conversation>(
    db,
    sql`select distinct channel, conversation_id as "conversationId" from messages where customer_id in (${sql.join(customerIds.map((c) => sql`${c}::uuid`), sql`, `)})
        union select distinct channel, conversation_id from tickets where customer_id in (${sql.join(customerIds.map((c) => sql`${c}::uuid`), sql`, `)}) and conversation_id not like 'erased:%'
        union select distinct channel_id, conversation_id from conversation_references where customer_id in (${sql.join(customerIds.map((c) => sql`${c}`), sql`, `)})`,
  );
  const visitorIds = ids.filter((i) => i.kind === 'directline').map((i) => i.externalId);
  const dlFromVisitors = visitorIds.length
    ? await queryRows<{ id: string }>(db, sql`select id from directline_conversations where user_id in (${sql.join(visitorIds.map((v) => sql`${v}`), sql`, `)})`)
    : [];
  const directLineConversationIds = uniq([...convRows.filter((c) => c.channel === 'directline').map((c) => c.conversationId), ...dlFromVisitors.map((r) => r.id)]);
  const conversations = uniq([...convRows, ...directLineConversationIds.map((id) => ({ channel: 'directline', conversationId: id }))].map((c) => `${c.channel}\u0000${c.conversationId}`)).map((k) => {
    const [channel, conversationId] = k.split('\u0000');
    return { channel, conversationId };
  });
  const ticketRows = await db.select({ id: tickets.id }).from(tickets).where(inArray(tickets.customerId, customerIds));
  const messageRows = await db.select({ id: messages.id }).from(messages).where(inArray(messages.customerId, customerIds));
  return {
    customerIds,
    identities: ids,
    emails: uniq([...emails.map((e) => e.email), ...ids.filter((i) => i.kind === 'email').map((i) => i.externalId)]),
    conversations,
    directLineConversationIds,
    ticketIds: ticketRows.map((t) => t.id),
    messageIds: messageRows.map((m) => m.id),
  };
}

/** `(channel, conversation_id) in (...)` for a table's two columns; false when there are none. */
export function conversationIn(channelColumn: unknown, conversationColumn: unknown, conversations: readonly Conversation[]) {
  if (conversations.length === 0) return sql`false`;
  return or(...conversations.map((c) => and(sql`${channelColumn} = ${c.channel}`, sql`${conversationColumn} = ${c.conversationId}`)))!;
}

export { conversationReferences };
