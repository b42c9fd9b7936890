import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { agents, ticketEvents, tickets } from '../../crm/schema';
import type { Database } from '../../crm';
import type { Support } from '../../crm/support';
import { createAgent, openDesk } from './fixtures';

/** Assignment on the real PostgreSQL server, under real concurrency. */
describe('routing and assignment', () => {
  let database: Database;
  let support: Support;
  let crm: Awaited<ReturnType<typeof openDesk>>['crm'];

  beforeAll(async () => {
    ({ database, support, crm } = await openDesk());
  });
  afterAll(() => database.close());

  async function customer() {
    return crm.customers.resolve({ kind: 'directline', externalId: `dl_${randomUUID()}` });
  }

  function openTicket(customerId: string, o: { intent?: string; sentiment?: number; text?: string; language?: string } = {}) {
    return support.tickets.open({
      customerId,
      channel: 'directline',
      conversationId: `conv-${randomUUID()}`,
      intent: o.intent ?? 'billing',
      language: o.language ?? 'en',
      sentiment: o.sentiment ?? 0,
      recentMessages: [o.text ?? 'I have a question about my invoice'],
      entities: [],
      trigger: 'asked_for_person',
    });
  }

  async function activeCounts(ids: string[]) {
    const rows = await database.db.select({ userId: agents.userId, active: agents.activeTickets }).from(agents).where(inArray(agents.userId, ids));
    const assigned = await database.db
      .select({ agentId: tickets.assignedAgentId, n: sql<number>`count(*)::int` })
      .from(tickets)
      .where(and(inArray(tickets.assignedAgentId, ids), inArray(tickets.status, ['assigned', 'pending_customer'])))
      .groupBy(tickets.assignedAgentId);
    return ids.map((id) => ({ id, counter: rows.find((r) => r.userId === id)!.active, real: assigned.find((a) => a.agentId === id)?.n ?? 0 }));
  }

  it('200 concurrent tickets, 5 agents of capacity 3: never over capacity, never assigned twice, queue served in priority-then-age order', async () => {
    const agentIds = await Promise.all(
      Array.from({ length: 5 }, (_, i) => createAgent({ database, support }, { name: `Billing ${i}`, skills: ['billing'], queues: ['billing'], maxConcurrent: 3, status: 'online' })),
    );
    const customers = await Promise.all(Array.from({ length: 20 }, () => customer()));
    // Mixed sentiment and urgency so the queue has several priority levels.
    const opened = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        openTicket(customers[i % 20].id, { sentiment: [0, -0.5, 0.3, -0.9][i % 4], text: i % 7 === 0 ? 'this is urgent, I was charged twice' : 'question about my bill' }),
      ),
    );
    const ids = opened.map((o) => o.ticket.id);
    expect(new Set(ids).size).toBe(200);

    const counts = await activeCounts(agentIds);
    for (const c of counts) {
      expect(c.real).toBe(3);
      expect(c.counter).toBe(3);
    }
    const assignedOnce = async () => {
      const rows = await database.db
        .select({ ticketId: ticketEvents.ticketId, n: sql<number>`count(*)::int` })
        .from(ticketEvents)
        .where(and(eq(ticketEvents.type, 'assigned'), inArray(ticketEvents.ticketId, ids)))
        .groupBy(ticketEvents.ticketId);
      return rows;
    };
    expect((await assignedOnce()).every((r) => r.n === 1)).toBe(true);
    expect(await assignedOnce()).toHaveLength(15);

    // Agents resolve one ticket at a time; each freed slot must go to the best waiting ticket.
    for (let round = 0; round < 185; round++) {
      const waiting = await database.db
        .select({ id: tickets.id })
        .from(tickets)
        .where(and(inArray(tickets.id, ids), eq(tickets.status, 'new')))
        .orderBy(sql`${tickets.priorityScore} desc`, asc(tickets.createdAt), asc(tickets.number))
        .limit(1);
      const [busy] = await database.db
        .select({ id: tickets.id, agentId: tickets.assignedAgentId })
        .from(tickets)
        .where(and(inArray(tickets.id, ids), eq(tickets.status, 'assigned')))
        .orderBy(asc(tickets.assignedAt))
        .limit(1);
      await support.tickets.resolve(busy.id, busy.agentId!);
      const next = await support.tickets.get(waiting[0].id);
      expect(next).toMatchObject({ status: 'assigned', assignedAgentId: busy.agentId });
      if (round % 37 === 0) for (const c of await activeCounts(agentIds)) expect(c.counter).toBe(c.real);
    }
    for (const c of await activeCounts(agentIds)) expect(c).toMatchObject({ counter: 3, real: 3 });
    expect((await assignedOnce()).every((r) => r.n === 1)).toBe(true);
    expect(await assignedOnce()).toHaveLength(200);
  }, 120_000);

  it('an agent going offline returns their tickets to the queue and they are reassigned', async () => {
    const [ana, ben] = await Promise.all([
      createAgent({ database, support }, { name: 'Ana Orders', skills: ['order_status'], queues: ['orders'], maxConcurrent: 3, status: 'online' }),
      createAgent({ database, support }, { name: 'Ben Orders', skills: ['order_status'], queues: ['orders'], maxConcurrent: 3, status: 'online' }),
    ]);
    const c = await customer();
    const opened = [];
    for (let i = 0; i < 4; i++) opened.push((await openTicket(c.id, { intent: 'order_status' })).ticket);
    expect(opened.map((t) => t.assignedAgentId).sort()).toEqual([ana, ana, ben, ben].sort());
    const anas = opened.filter((t) => t.assignedAgentId === ana).map((t) => t.id);

    await support.agents.setStatus(ana, 'offline');
    const after = await Promise.all(anas.map((id) => support.tickets.get(id)));
    // Ben had room for one more; the other waits in the queue.
    expect(after.filter((t) => t!.assignedAgentId === ben)).toHaveLength(1);
    const stillWaiting = after.filter((t) => t!.assignedAgentId === null);
    expect(stillWaiting).toHaveLength(1);
    expect(stillWaiting[0]).toMatchObject({ status: 'new' });
    expect((await support.agents.require(ana)).activeTickets).toBe(0);
    const events = await support.tickets.events(anas[0]);
    expect(events.map((e) => e.type)).toContain('released');
    expect(events.find((e) => e.type === 'released')!.data).toMatchObject({ agentId: ana, reason: 'agent_offline' });

    const cleo = await createAgent({ database, support }, { name: 'Cleo Orders', skills: ['order_status'], queues: ['orders'], status: 'offline' });
    expect(await support.tickets.positionInQueue(stillWaiting[0]!.id)).toBe(1);
    await support.agents.setStatus(cleo, 'online');
    expect(await support.tickets.get(stillWaiting[0]!.id)).toMatchObject({ status: 'assigned', assignedAgentId: cleo });
  });

  it('prefers an agent who speaks the language and explains the decision', async () => {
    const en = await createAgent({ database, support }, { name: 'En Tech', skills: ['technical_issue'], queues: ['technical'], languages: ['en'], status: 'online' });
    const zh = await createAgent({ database, support }, { name: 'Zh Tech', skills: ['technical_issue'], queues: ['technical'], languages: ['zh', 'en'], status: 'online' });
    const c = await customer();
    const { ticket } = await openTicket(c.id, { intent: 'technical_issue', language: 'zh', text: '应用打不开' });
    expect(ticket.assignedAgentId).toBe(zh);
    expect(ticket.routing.reason).toMatch(/speaks zh/);
    expect(ticket.queueId).toBe('technical');
    const { ticket: second } = await openTicket(c.id, { intent: 'technical_issue', language: 'en' });
    expect(second.assignedAgentId).toBe(en);
  });

  it('keeps one open ticket per conversation and reports the place in the queue', async () => {
    const c = await customer();
    const conversationId = `conv-${randomUUID()}`;
    const req = { customerId: c.id, channel: 'directline', conversationId, intent: 'privacy_request', language: 'en', sentiment: 0, recentMessages: ['delete my data'], entities: [], trigger: 'asked_for_person' as const };
    const first = await support.tickets.open(req);
    const again = await support.tickets.open(req);
    expect(again.created).toBe(false);
    expect(again.ticket.id).toBe(first.ticket.id);
    expect(first.ticket.status).toBe('new');
    expect(first.position).toBeGreaterThanOrEqual(1);
    expect(await support.tickets.findOpenForConversation('directline', conversationId)).toMatchObject({ id: first.ticket.id });
  });
});
