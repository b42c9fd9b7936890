import { randomUUID } from 'node:crypto';
import type { Db } from '../../crm';
import { agents, customers, queueMembers, queues, ticketEvents, tickets, users } from '../../crm/schema';
import type { Period } from '../../crm/scores';

/**
 * A hand-built support desk whose report figures are known (worked out in the comments): two queues,
 * three agents, open tickets in every SLA situation, CSAT requests and ratings with re-ratings and
 * invalid ones, and resolved conversations with customer sentiments. Times are relative to `now`
 * for queue health and fixed (March 2025) for the period reports.
 */
export const CSAT_PERIOD: Period = { start: new Date('2025-03-10T00:00:00Z'), end: new Date('2025-03-11T00:00:00Z') };
export const TREND_PERIOD: Period = { start: new Date('2025-03-10T00:00:00Z'), end: new Date('2025-03-12T00:00:00Z') };
export const DAY1: Period = { start: new Date('2025-03-10T00:00:00Z'), end: new Date('2025-03-11T00:00:00Z') };

const H = 3_600_000;
const MIN = 60_000;
const P = CSAT_PERIOD.start.getTime();

export interface ReportFixture {
  ana: string;
  ben: string;
  cy: string;
  /** Names as stored: Ben's has a quote and a comma (CSV quoting). */
  names: { ana: string; ben: string; cy: string };
}

type EventSpec = { type: string; at: number; data?: Record<string, unknown>; actor?: string };

export async function seedReportFixture(db: Db, now: Date): Promise<ReportFixture> {
  const NOW = now.getTime();
  const names = { ana: 'Ana Archer', ben: 'Ben "Closer", Jr.', cy: 'Cy Offline' };
  const [ana, ben, cy] = [randomUUID(), randomUUID(), randomUUID()];
  for (const [id, name, status, max, active] of [
    [ana, names.ana, 'online', 3, 1],
    [ben, names.ben, 'online', 2, 2],
    [cy, names.cy, 'offline', 4, 0],
  ] as const) {
    await db.insert(users).values({ id, email: `${id.slice(0, 8)}@fixture.test`, displayName: name, role: 'agent', passwordHash: 'not-used' });
    await db.insert(agents).values({ userId: id, status, maxConcurrent: max, activeTickets: active });
  }
  await db.insert(queues).values([{ id: 'billing', name: 'Billing' }, { id: 'orders', name: 'Orders & delivery' }]).onConflictDoNothing();
  await db.insert(queueMembers).values([
    { queueId: 'billing', userId: ana },
    { queueId: 'billing', userId: ben },
    { queueId: 'orders', userId: ben },
    { queueId: 'orders', userId: cy },
  ]);
  const [{ id: customerId }] = await db.insert(customers).values({ displayName: 'Fixture Customer' }).returning({ id: customers.id });

  let n = 0;
  async function ticket(o: {
    queueId: string;
    status: 'new' | 'assigned' | 'pending_customer' | 'reopened' | 'resolved' | 'closed';
    assignedAgentId?: string;
    createdAt: number;
    firstResponseAt?: number;
    firstResponseDueAt: number;
    resolutionDueAt: number;
    events?: EventSpec[];
  }): Promise<string> {
    n += 1;
    const [row] = await db
      .insert(tickets)
      .values({
        customerId,
        channel: 'test',
        conversationId: `fixture-${n}-${randomUUID()}`,
        queueId: o.queueId,
        category: o.queueId,
        priority: 'normal',
        priorityScore: 50,
        subject: `fixture ticket ${n}`,
        status: o.status,
        assignedAgentId: o.assignedAgentId ?? null,
        createdAt: new Date(o.createdAt),
        firstResponseAt: o.firstResponseAt === undefined ? null : new Date(o.firstResponseAt),
        firstResponseDueAt: new Date(o.firstResponseDueAt),
        resolutionDueAt: new Date(o.resolutionDueAt),
      })
      .returning({ id: tickets.id });
    const events = [{ type: 'created', at: o.createdAt }, ...(o.events ?? [])];
    await db.insert(ticketEvents).values(events.map((e) => ({ ticketId: row.id, type: e.type, actor: e.actor ?? 'system', data: e.data ?? {}, at: new Date(e.at) })));
    return row.id;
  }

  // --- Open tickets (queue health). Horizon 30 min.
  // billing o1: waiting 50 min, first response due 20 min ago, unanswered → breached.
  await ticket({ queueId: 'billing', status: 'new', createdAt: NOW - 50 * MIN, firstResponseDueAt: NOW - 20 * MIN, resolutionDueAt: NOW + 10 * H });
  // billing o2: waiting 10 min, first response due in 20 min → at risk.
  await ticket({ queueId: 'billing', status: 'new', createdAt: NOW - 10 * MIN, firstResponseDueAt: NOW + 20 * MIN, resolutionDueAt: NOW + 10 * H });
  // billing o3: Ana's, answered; its first-response due time passed and was warned, but that target is met → fine.
  await ticket({
    queueId: 'billing', status: 'assigned', assignedAgentId: ana, createdAt: NOW - 2 * H, firstResponseAt: NOW - 90 * MIN, firstResponseDueAt: NOW - 1 * H, resolutionDueAt: NOW + 5 * H,
    events: [{ type: 'sla_warning', at: NOW - 70 * MIN, data: { kind: 'first_response' } }],
  });
  // orders o4: reopened 15 min ago (created 3 days ago), unassigned; resolution due in 2 h but warned → at risk; waits 900 s.
  await ticket({
    queueId: 'orders', status: 'reopened', createdAt: NOW - 72 * H, firstResponseAt: NOW - 71 * H, firstResponseDueAt: NOW - 70 * H, resolutionDueAt: NOW + 2 * H,
    events: [{ type: 'reopened', at: NOW - 15 * MIN, actor: 'customer' }, { type: 'sla_warning', at: NOW - 5 * MIN, data: { kind: 'resolution' } }],
  });
  // orders o5: Ben's, not answered, first response due 5 min ago → breached (held, so not waiting).
  await ticket({ queueId: 'orders', status: 'pending_customer', assignedAgentId: ben, createdAt: NOW - 40 * MIN, firstResponseDueAt: NOW - 5 * MIN, resolutionDueAt: NOW + 8 * H });
  // A resolved ticket long overdue: not open, not counted.
  await ticket({ queueId: 'billing', status: 'resolved', assignedAgentId: ana, createdAt: NOW - 30 * H, firstResponseDueAt: NOW - 29 * H, resolutionDueAt: NOW - 20 * H });

  // --- CSAT in CSAT_PERIOD (tickets created earlier so they stay out of the volume figures).
  const old = Date.parse('2025-03-01T08:00:00Z');
  const closed = (events: EventSpec[]) => ticket({ queueId: 'billing', status: 'closed', createdAt: old, firstResponseDueAt: old + H, resolutionDueAt: old + 24 * H, events });
  // t1: Ana asked, rated 5.
  await closed([{ type: 'csat_requested', at: P + 1 * H, data: { agentId: ana } }, { type: 'csat', at: P + 2 * H, data: { agentId: ana, rating: 5 } }]);
  // t2: Ana asked, rated 2 then re-rated 4 → only the 4 counts.
  await closed([
    { type: 'csat_requested', at: P + 3 * H, data: { agentId: ana } },
    { type: 'csat', at: P + 4 * H, data: { agentId: ana, rating: 2 } },
    { type: 'csat', at: P + 5 * H, data: { agentId: ana, rating: 4 } },
  ]);
  // t3: Ben asked, never rated.
  await closed([{ type: 'csat_requested', at: P + 6 * H, data: { agentId: ben } }]);
  // t4: Ben asked, rated 3 the next day: responded, but the rating belongs to the next day.
  await closed([{ type: 'csat_requested', at: P + 7 * H, data: { agentId: ben } }, { type: 'csat', at: P + 30 * H, data: { agentId: ben, rating: 3 } }]);
  // t5: Ana rated 1 the day before: not in the period.
  await closed([{ type: 'csat', at: P - 1 * H, data: { agentId: ana, rating: 1 } }]);
  // t6: a rating tied to no agent (the bot's conversation): overall only.
  await closed([{ type: 'csat', at: P + 8 * H, data: { rating: 5 } }]);
  // t7: invalid ratings (4.5, a string): ignored.
  await closed([{ type: 'csat', at: P + 8 * H, data: { agentId: ana, rating: 4.5 } }, { type: 'csat', at: P + 9 * H, data: { agentId: ben, rating: '5' } }]);
  // t8: Ana rated 3 in the period, re-rated 1 the next day → the period keeps the 3.
  await closed([{ type: 'csat', at: P + 9 * H, data: { agentId: ana, rating: 3 } }, { type: 'csat', at: P + 33 * H, data: { agentId: ana, rating: 1 } }]);

  // --- Resolved conversations in TREND_PERIOD (day 1 = 10 March, day 2 = 11 March).
  const d1 = Date.parse('2025-03-10T00:00:00Z');
  const d2 = Date.parse('2025-03-11T00:00:00Z');
  const msg = (at: number, sentiment: unknown): EventSpec => ({ type: 'customer_message', at, data: { sentiment }, actor: 'customer' });
  const resolved = (at: number, agentId: string): EventSpec => ({ type: 'resolved', at, data: { agentId }, actor: agentId });
  const assigned = (at: number, agentId: string): EventSpec => ({ type: 'assigned', at, data: { agentId } });
  // s1 (Ana): −0.5 → 0 → 0.5, resolved 10:00; a −1 after the resolution does not count. First −0.5, last 0.5.
  await ticket({
    queueId: 'billing', status: 'closed', assignedAgentId: ana, createdAt: d1 + 8 * H, firstResponseAt: d1 + 8 * H + 5 * MIN, firstResponseDueAt: d1 + 9 * H, resolutionDueAt: d1 + 20 * H,
    events: [assigned(d1 + 8 * H + MIN, ana), msg(d1 + 9 * H, -0.5), msg(d1 + 9 * H + 10 * MIN, 0), msg(d1 + 9 * H + 20 * MIN, 0.5), resolved(d1 + 10 * H, ana), msg(d1 + 11 * H, -1)],
  });
  // s2 (Ana): one message −0.2 (and one without a sentiment), resolved 12:00: first = last = −0.2, no change.
  await ticket({
    queueId: 'billing', status: 'closed', assignedAgentId: ana, createdAt: d1 + 8 * H, firstResponseAt: d1 + 8 * H + 10 * MIN, firstResponseDueAt: d1 + 9 * H, resolutionDueAt: d1 + 20 * H,
    events: [assigned(d1 + 8 * H + MIN, ana), msg(d1 + 11 * H, -0.2), msg(d1 + 11 * H + MIN, null), resolved(d1 + 12 * H, ana)],
  });
  // s3 (Ben): no customer messages, resolved 14:00.
  await ticket({
    queueId: 'orders', status: 'closed', assignedAgentId: ben, createdAt: d1 + 8 * H, firstResponseAt: d1 + 9 * H, firstResponseDueAt: d1 + 9 * H, resolutionDueAt: d1 + 20 * H,
    events: [assigned(d1 + 8 * H + MIN, ben), resolved(d1 + 14 * H, ben)],
  });
  // s4 (Ben): resolved day 1 15:00, reopened, resolved again day 2 09:00 → counted on day 2; −0.8 → −0.4.
  await ticket({
    queueId: 'orders', status: 'closed', assignedAgentId: ben, createdAt: d1 + 14 * H, firstResponseAt: d1 + 14 * H + 20 * MIN, firstResponseDueAt: d1 + 16 * H, resolutionDueAt: d1 + 38 * H,
    events: [assigned(d1 + 14 * H + MIN, ben), msg(d1 + 14 * H + 30 * MIN, -0.8), resolved(d1 + 15 * H, ben), { type: 'reopened', at: d1 + 20 * H, actor: 'customer' }, msg(d2 + 8 * H, -0.4), resolved(d2 + 9 * H, ben)],
  });
  return { ana, ben, cy, names };
}
