/**
 * The export of everything held about one customer (right of access, GDPR art. 15 / portability, art. 20):
 * a machine-readable JSON archive plus a readable text summary. Reads only; what is read is listed in
 * customerData.ts (CUSTOMER_DATA_TABLES).
 */
import { asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { NotFoundError } from '../errors';
import {
  auditLog,
  botState,
  conversationReferences,
  customerEvents,
  customerMerges,
  customerProfiles,
  customers,
  customerValues,
  consentHistory,
  deliveries,
  directLineActivities,
  directLineConversations,
  identities,
  intentLabels,
  messages,
  messageUnderstandings,
  orderLines,
  orders,
  privacyRequests,
  products,
  ticketEvents,
  tickets,
} from '../schema';
import { conversationIn, footprintOf, type CustomerFootprint } from './customerData';

export const EXPORT_FORMAT = 'concierge-customer-export/1';

type Row = Record<string, unknown>;

export interface CustomerExportData {
  format: typeof EXPORT_FORMAT;
  generatedAt: string;
  customerId: string;
  profile: { customer: Row; profile: Row | null; learnedProfile: unknown; mergedProfiles: Array<{ customer: Row; profile: Row | null }> };
  identities: Row[];
  consent: { current: Record<string, unknown>; history: Row[] };
  messages: Row[];
  understandings: Row[];
  intentLabels: Row[];
  transcripts: Array<{ conversation: Row; activities: Row[] }>;
  conversationReferences: Row[];
  botState: Row[];
  tickets: Array<{ ticket: Row; events: Row[]; messages: Row[] }>;
  csatAnswers: Row[];
  deliveries: Row[];
  orders: Array<{ order: Row; lines: Row[] }>;
  events: Row[];
  customerValue: Row | null;
  recommendationsShown: Row[];
  merges: Row[];
  accessLog: Row[];
  privacyRequests: Row[];
}

export interface CustomerExportArchive {
  /** The machine-readable archive. */
  data: CustomerExportData;
  /** The same, for a person to read. */
  summary: string;
  /** How many records of each kind (what the request's outcome keeps: counts, no data). */
  counts: Record<string, number>;
}

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : d);
/** Dates as ISO strings, so the archive is plain JSON. */
function plain<T>(row: T): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row as Row)) out[k] = v instanceof Date ? v.toISOString() : Buffer.isBuffer(v) ? v.toString('base64') : v;
  return out;
}

export function countsOf(d: CustomerExportData): Record<string, number> {
  return {
    identities: d.identities.length,
    consentFlags: Object.keys(d.consent.current).length,
    consentChanges: d.consent.history.length,
    messages: d.messages.length,
    understandings: d.understandings.length,
    intentLabels: d.intentLabels.length,
    transcripts: d.transcripts.length,
    transcriptActivities: d.transcripts.reduce((n, t) => n + t.activities.length, 0),
    tickets: d.tickets.length,
    ticketEvents: d.tickets.reduce((n, t) => n + t.events.length, 0),
    csatAnswers: d.csatAnswers.length,
    orders: d.orders.length,
    orderLines: d.orders.reduce((n, o) => n + o.lines.length, 0),
    events: d.events.length,
    recommendationsShown: d.recommendationsShown.length,
    learnedProfile: d.profile.learnedProfile ? 1 : 0,
    customerValue: d.customerValue ? 1 : 0,
    merges: d.merges.length,
    deliveries: d.deliveries.length,
    accessLog: d.accessLog.length,
  };
}

/** The readable summary (pure). */
export function renderSummary(d: CustomerExportData): string {
  const c = d.profile.customer;
  const lines: string[] = [];
  lines.push('Your data held by Concierge', `Exported ${d.generatedAt} for customer ${d.customerId}.`, '');
  lines.push('Profile', `  Name: ${c.displayName ?? '(none)'}`, `  Email: ${c.email ?? '(none)'}`, `  Language: ${(d.profile.profile?.language as string | undefined) ?? c.language ?? '(none)'}`);
  const tags = (d.profile.profile?.tags as string[] | undefined) ?? [];
  if (tags.length) lines.push(`  Tags: ${tags.join(', ')}`);
  const attributes = { ...((d.profile.profile?.attributes as Row | undefined) ?? {}) };
  for (const [k, v] of Object.entries(attributes)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
  lines.push('', `Ways we recognise you (${d.identities.length})`, ...d.identities.map((i) => `  ${i.kind}: ${i.externalId}`));
  lines.push('', 'Consent', ...Object.entries(d.consent.current).map(([k, v]) => `  ${k}: ${(v as { granted?: boolean }).granted ? 'granted' : 'refused'} (${(v as { at?: string }).at ?? ''})`));
  if (d.consent.history.length) lines.push(`  ${d.consent.history.length} recorded change(s) of consent`);
  if (d.profile.learnedProfile) lines.push('', 'What the assistant learned from your messages', `  ${JSON.stringify(d.profile.learnedProfile)}`);
  lines.push('', `Messages (${d.messages.length})`, ...d.messages.map((m) => `  ${m.createdAt}  ${m.direction === 'inbound' ? 'you' : String(m.author)}: ${String(m.text)}`));
  lines.push('', `Support tickets (${d.tickets.length})`, ...d.tickets.map((t) => `  #${t.ticket.number} ${t.ticket.createdAt}  ${String(t.ticket.subject)} [${String(t.ticket.status)}]`));
  if (d.csatAnswers.length) lines.push('', `Your ratings (${d.csatAnswers.length})`, ...d.csatAnswers.map((a) => `  ${a.at}  ${JSON.stringify((a.data as Row).rating)}${(a.data as Row).comment ? ` “${String((a.data as Row).comment)}”` : ''}`));
  lines.push('', `Orders (${d.orders.length})`, ...d.orders.map((o) => `  ${String(o.order.orderNumber)} ${o.order.placedAt}  ${(Number(o.order.totalMinor) / 100).toFixed(2)} ${String(o.order.currency)} [${String(o.order.status)}], ${o.lines.length} line(s)`));
  lines.push('', `Shop activity (${d.events.length} events: views, add to cart, purchases)`);
  if (d.recommendationsShown.length) lines.push(`Recommendations shown to you: ${d.recommendationsShown.length}`);
  if (d.customerValue) lines.push(`Customer value: segment ${String(d.customerValue.segment)}`);
  lines.push(`Chat transcripts: ${d.transcripts.length} conversation(s)`, `Language understanding of your messages: ${d.understandings.length}`, `Who at our company viewed or changed your data: ${d.accessLog.length} entries`);
  lines.push('', 'Every record is in the JSON archive that comes with this summary.');
  return `${lines.join('\n')}\n`;
}

export class CustomerDataExport {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async build(customerId: string): Promise<CustomerExportArchive> {
    const [customer] = await this.db.select().from(customers).where(eq(customers.id, customerId)).limit(1);
    if (!customer) throw new NotFoundError('customer');
    const fp = await footprintOf(this.db, customerId);
    const data = await this.collect(customer, fp);
    return { data, summary: renderSummary(data), counts: countsOf(data) };
  }

  private async collect(customer: typeof customers.$inferSelect, fp: CustomerFootprint): Promise<CustomerExportData> {
    const db = this.db;
    const ids = fp.customerIds;
    const profileRows = await db.select().from(customerProfiles).where(inArray(customerProfiles.customerId, ids));
    const profileOf = (id: string) => profileRows.find((p) => p.customerId === id) ?? null;
    const mergedCustomers = ids.length > 1 ? await db.select().from(customers).where(inArray(customers.id, ids.slice(1))) : [];
    const identityRows = await db.select().from(identities).where(inArray(identities.customerId, ids)).orderBy(asc(identities.createdAt));
    const messageRows = await db.select().from(messages).where(inArray(messages.customerId, ids)).orderBy(asc(messages.createdAt));
    const understandingRows = fp.messageIds.length ? await db.select().from(messageUnderstandings).where(inArray(messageUnderstandings.messageId, fp.messageIds)) : [];
    const labelRows =
      fp.messageIds.length || fp.ticketIds.length
        ? await db
            .select()
            .from(intentLabels)
            .where(or(fp.messageIds.length ? inArray(intentLabels.messageId, fp.messageIds) : sql`false`, fp.ticketIds.length ? inArray(intentLabels.ticketId, fp.ticketIds) : sql`false`))
        : [];
    const dlConversations = fp.directLineConversationIds.length ? await db.select().from(directLineConversations).where(inArray(directLineConversations.id, fp.directLineConversationIds)) : [];
    const dlActivities = fp.directLineConversationIds.length
      ? await db.select().from(directLineActivities).where(inArray(directLineActivities.conversationId, fp.directLineConversationIds)).orderBy(asc(directLineActivities.conversationId), asc(directLineActivities.seq))
      : [];
    const references = await db
      .select()
      .from(conversationReferences)
      .where(or(inArray(conversationReferences.customerId, ids), conversationIn(conversationReferences.channelId, conversationReferences.conversationId, fp.conversations)));
    const stateRows = await db.select().from(botState).where(botStateKeysOf(fp));
    const ticketRows = ids.length ? await db.select().from(tickets).where(inArray(tickets.customerId, ids)).orderBy(asc(tickets.createdAt)) : [];
    const eventRows = fp.ticketIds.length ? await db.select().from(ticketEvents).where(inArray(ticketEvents.ticketId, fp.ticketIds)).orderBy(asc(ticketEvents.id)) : [];
    const deliveryRows = await db
      .select()
      .from(deliveries)
      .where(or(fp.ticketIds.length ? inArray(deliveries.ticketId, fp.ticketIds) : sql`false`, conversationIn(deliveries.channel, deliveries.conversationId, fp.conversations)));
    const orderRows = await db.select().from(orders).where(inArray(orders.customerId, ids)).orderBy(asc(orders.placedAt));
    const lineRows = orderRows.length
      ? await db
          .select({ orderId: orderLines.orderId, lineNo: orderLines.lineNo, sku: products.sku, name: products.name, quantity: orderLines.quantity, unitPriceMinor: orderLines.unitPriceMinor })
          .from(orderLines)
          .innerJoin(products, eq(products.id, orderLines.productId))
          .where(inArray(orderLines.orderId, orderRows.map((o) => o.id)))
          .orderBy(asc(orderLines.orderId), asc(orderLines.lineNo))
      : [];
    const eventsRows = await db
      .select({ id: customerEvents.id, type: customerEvents.type, sku: products.sku, product: products.name, quantity: customerEvents.quantity, at: customerEvents.at, source: customerEvents.source, data: customerEvents.data })
      .from(customerEvents)
      .leftJoin(products, eq(products.id, customerEvents.productId))
      .where(inArray(customerEvents.customerId, ids))
      .orderBy(asc(customerEvents.at));
    const [value] = await db.select().from(customerValues).where(inArray(customerValues.customerId, ids)).limit(1);
    const consentRows = await db.select().from(consentHistory).where(inArray(consentHistory.customerId, ids)).orderBy(asc(consentHistory.at));
    const mergeRows = await db.select().from(customerMerges).where(or(inArray(customerMerges.survivorId, ids), inArray(customerMerges.mergedId, ids)));
    const auditRows = await db.select().from(auditLog).where(inArray(auditLog.customerId, ids)).orderBy(asc(auditLog.at));
    const requestRows = await db.select().from(privacyRequests).where(inArray(privacyRequests.customerId, ids)).orderBy(asc(privacyRequests.requestedAt));

    const intentOf = new Map(understandingRows.map((u) => [u.messageId, u.intent]));
    // Recommendations shown: the bot's carousels (attachments) in the transcripts, and the bot's replies to a message understood as asking for recommendations.
    const recommendationsShown: Row[] = [];
    for (const a of dlActivities) {
      const act = a.activity as { from?: { role?: string }; attachments?: unknown[]; timestamp?: string };
      if (act.from?.role === 'bot' && Array.isArray(act.attachments) && act.attachments.length > 0) recommendationsShown.push({ conversationId: a.conversationId, at: iso(a.createdAt), attachments: act.attachments });
    }
    let lastIntent: string | undefined;
    for (const m of messageRows) {
      if (m.direction === 'inbound') lastIntent = intentOf.get(m.id);
      else if (lastIntent === 'recommendation') recommendationsShown.push({ conversationId: m.conversationId, at: iso(m.createdAt), text: m.text });
    }
    // Every change of consent (console, chat, import) is in consent_history; edits from before it existed are read off the audit log.
    const consentChanges: Row[] = consentRows.length
      ? consentRows.map((c) => ({ at: iso(c.at), purpose: c.purpose, granted: c.granted, source: c.source }))
      : auditRows.filter((e) => e.action === 'edit' && Array.isArray((e.detail as Row).consent)).map((e) => ({ at: iso(e.at), by: e.actorRole, purposes: (e.detail as Row).consent }));
    const profile = profileOf(customer.id);
    const attributes = (customer.attributes ?? {}) as Row;
    return {
      format: EXPORT_FORMAT,
      generatedAt: this.now().toISOString(),
      customerId: customer.id,
      profile: {
        customer: plain(customer),
        profile: profile ? plain(profile) : null,
        learnedProfile: attributes.learned ?? null,
        mergedProfiles: mergedCustomers.map((c) => ({ customer: plain(c), profile: profileOf(c.id) ? plain(profileOf(c.id)) : null })),
      },
      identities: identityRows.map(plain),
      consent: { current: { ...((profile?.consent as Row | undefined) ?? {}) }, history: consentChanges },
      messages: messageRows.map(plain),
      understandings: understandingRows.map(plain),
      intentLabels: labelRows.map(plain),
      transcripts: dlConversations.map((c) => ({ conversation: plain(c), activities: dlActivities.filter((a) => a.conversationId === c.id).map(plain) })),
      conversationReferences: references.map(plain),
      botState: stateRows.map(plain),
      tickets: ticketRows.map((t) => ({
        ticket: plain(t),
        events: eventRows.filter((e) => e.ticketId === t.id).map(plain),
        messages: messageRows.filter((m) => m.channel === t.channel && m.conversationId === t.conversationId && m.createdAt >= t.createdAt).map(plain),
      })),
      csatAnswers: eventRows.filter((e) => e.type === 'csat').map(plain),
      deliveries: deliveryRows.map(plain),
      orders: orderRows.map((o) => ({ order: plain(o), lines: lineRows.filter((l) => l.orderId === o.id).map(plain) })),
      events: eventsRows.map(plain),
      customerValue: value ? plain(value) : null,
      recommendationsShown,
      merges: mergeRows.map(plain),
      accessLog: auditRows.map(plain),
      privacyRequests: requestRows.map((r) => plain({ id: r.id, kind: r.kind, status: r.status, source: r.source, requestedAt: r.requestedAt, dueAt: r.dueAt, completedAt: r.completedAt })),
    };
  }
}

/** bot_state rows of the customer's conversations and channel users (botbuilder's `channel/conversations/id/…`, `channel/users/id/…` keys). */
export function botStateKeysOf(fp: CustomerFootprint) {
  const prefixes = [
    ...fp.conversations.map((c) => `${c.channel}/conversations/${c.conversationId}/`),
    ...fp.identities.map((i) => `${i.kind}/users/${i.externalId}/`),
  ];
  if (prefixes.length === 0) return sql`false`;
  return or(...prefixes.map((p) => sql`left(${botState.key}, ${p.length}) = ${p}`))!;
}

