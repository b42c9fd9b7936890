import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../crm';
import { agents, customers, queues, ticketEvents, tickets, users } from '../../crm/schema';
import { AgentEvaluationService } from '../../crm/scores';
import { tempDir } from '../support/apps';

/** The same evaluation on the embedded database (PGlite), which `npm start` uses by default. */
it('evaluates, stores and explains scores on PGlite', async () => {
  const database = await openDatabase({ dataDir: tempDir('scores-pglite') });
  try {
    const db = database.db;
    const agentId = randomUUID();
    await db.insert(users).values({ id: agentId, email: 'pg@example.test', displayName: 'Pg', role: 'agent', passwordHash: 'x' });
    await db.insert(agents).values({ userId: agentId });
    await db.insert(queues).values({ id: 'general', name: 'General', isDefault: true });
    const [{ id: customerId }] = await db.insert(customers).values({}).returning({ id: customers.id });
    const t0 = Date.parse('2025-05-01T10:00:00Z');
    const [{ id: ticketId }] = await db
      .insert(tickets)
      .values({
        customerId, channel: 'directline', conversationId: 'c', queueId: 'general', category: 'general', priority: 'normal', priorityScore: 50,
        subject: 's', status: 'resolved', assignedAgentId: agentId, createdAt: new Date(t0), assignedAt: new Date(t0 + 10_000),
        firstResponseAt: new Date(t0 + 70_000), firstResponseDueAt: new Date(t0 + 900_000), resolutionDueAt: new Date(t0 + 3_600_000), resolvedAt: new Date(t0 + 600_000),
      })
      .returning({ id: tickets.id });
    await db.insert(ticketEvents).values([
      { ticketId, type: 'assigned', actor: 'system', data: { agentId }, at: new Date(t0 + 10_000) },
      { ticketId, type: 'customer_message', actor: 'customer', data: { sentiment: -0.5 }, at: new Date(t0 + 1000) },
      { ticketId, type: 'customer_message', actor: 'customer', data: { sentiment: 0.5 }, at: new Date(t0 + 500_000) },
      { ticketId, type: 'resolved', actor: agentId, data: { agentId }, at: new Date(t0 + 600_000) },
      { ticketId, type: 'csat_requested', actor: 'bot', data: { agentId }, at: new Date(t0 + 601_000) },
      { ticketId, type: 'csat', actor: 'customer', data: { agentId, rating: 5 }, at: new Date(t0 + 700_000) },
    ]);
    const service = new AgentEvaluationService(db);
    const period = { start: new Date('2025-05-01T00:00:00Z'), end: new Date('2025-05-02T00:00:00Z') };
    const [score] = await service.evaluate(period, { asOf: new Date('2025-05-10T00:00:00Z') });
    expect(score.figures).toMatchObject({ ticketsHandled: 1, firstResponseMedianSeconds: 60, resolutionMedianSeconds: 600, slaCompliance: 1, csatAverage: 5, sentimentChangeAverage: 1 });
    // every subscore is 1: 60 s first response, 10 min resolution, all targets met, 5/5, no reopen or transfer, +1 sentiment
    expect(score.composite).toBe(100);
    expect((await service.latest()).map((s) => s.agentId)).toEqual([agentId]);
    expect((await service.explain(agentId, period))!.lines.at(-1)).toBe('Composite = 15 + 15 + 20 + 20 + 5 + 10 + 5 + 10 = 100 (rounded to 2 decimals)');
  } finally {
    await database.close();
  }
}, 60_000);
