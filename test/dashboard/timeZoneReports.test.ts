import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../../crm';
import { agents, customers, queues, ticketEvents, tickets, users } from '../../crm/schema';
import { AgentEvaluationService } from '../../crm/scores';
import { SupportReports } from '../../crm/reports';
import { dayPeriod, lastDays } from '../../crm/calendar';
import { testDatabaseUrl } from '../support/apps';

const H = 3_600_000;

/**
 * Report days and period kinds in the support team's time zone, on real PostgreSQL: the same
 * tickets fall on different days in UTC and in Asia/Shanghai (UTC+8), and a Berlin DST day of 23
 * hours is a day of the daily score trend.
 */
describe('reports in the support time zone (crm/reports) on PostgreSQL', () => {
  const NOW = new Date('2026-06-16T12:00:00Z');
  let database: Database;
  let scores: AgentEvaluationService;
  let agentId: string;
  let customerId: string;

  /** A ticket created at `createdAt` and resolved by the agent at `resolvedAt`, with customer sentiments before it. */
  async function resolvedTicket(createdAt: string, resolvedAt: string, sentiments: number[] = []): Promise<void> {
    const created = Date.parse(createdAt);
    const resolved = Date.parse(resolvedAt);
    const [row] = await database.db
      .insert(tickets)
      .values({
        customerId,
        channel: 'test',
        conversationId: `tz-${randomUUID()}`,
        queueId: 'billing',
        category: 'billing',
        priority: 'normal',
        priorityScore: 50,
        subject: 'time zone fixture',
        status: 'closed',
        assignedAgentId: agentId,
        createdAt: new Date(created),
        firstResponseAt: new Date(created + 60_000),
        firstResponseDueAt: new Date(created + H),
        resolutionDueAt: new Date(created + 24 * H),
      })
      .returning({ id: tickets.id });
    await database.db.insert(ticketEvents).values([
      { ticketId: row.id, type: 'created', actor: 'system', data: {}, at: new Date(created) },
      { ticketId: row.id, type: 'assigned', actor: 'system', data: { agentId }, at: new Date(created + 30_000) },
      ...sentiments.map((sentiment, i) => ({ ticketId: row.id, type: 'customer_message', actor: 'customer', data: { sentiment }, at: new Date(created + (i + 1) * 60_000) })),
      { ticketId: row.id, type: 'resolved', actor: agentId, data: { agentId }, at: new Date(resolved) },
    ]);
  }

  beforeAll(async () => {
    database = await openDatabase({ url: testDatabaseUrl(), poolSize: 2 });
    agentId = randomUUID();
    await database.db.insert(queues).values({ id: 'billing', name: 'Billing' }).onConflictDoNothing();
    await database.db.insert(users).values({ id: agentId, email: 'tz-agent@fixture.test', displayName: 'Tia Zone', role: 'agent', passwordHash: 'not-used' });
    await database.db.insert(agents).values({ userId: agentId, status: 'offline', maxConcurrent: 3, activeTickets: 0 });
    [{ id: customerId }] = await database.db.insert(customers).values({ displayName: 'Zone Customer' }).returning({ id: customers.id });
    // 14 June: one ticket at 10:00 UTC (18:00 in Shanghai), one at 23:30 UTC (07:30 on the 15th in Shanghai).
    await resolvedTicket('2026-06-14T10:00:00Z', '2026-06-14T11:00:00Z', [-0.5, 0.5]);
    await resolvedTicket('2026-06-14T23:30:00Z', '2026-06-14T23:50:00Z', [0.2]);
    // 15 June 17:00 UTC is 01:00 on the 16th in Shanghai.
    await resolvedTicket('2026-06-15T17:00:00Z', '2026-06-15T17:30:00Z');
    scores = new AgentEvaluationService(database.db, {}, () => NOW);
  });
  afterAll(async () => {
    await database?.close();
  });

  const reportsIn = (timeZone?: string) => new SupportReports({ db: database.db, scores, clock: () => NOW, timeZone });

  it('volume: a ticket at 23:30 UTC counts on the same day in UTC and on the next day in Asia/Shanghai', async () => {
    const window = { start: new Date('2026-06-13T00:00:00Z'), end: new Date('2026-06-17T00:00:00Z') };
    const utc = await reportsIn().volumeTrend(window);
    expect(utc.days).toEqual([
      { day: '2026-06-13', created: 0, resolved: 0 },
      { day: '2026-06-14', created: 2, resolved: 2 },
      { day: '2026-06-15', created: 1, resolved: 1 },
      { day: '2026-06-16', created: 0, resolved: 0 },
    ]);
    const shanghai = await reportsIn('Asia/Shanghai').volumeTrend(window);
    // The window's instants touch five Shanghai days (13 June 08:00 to 17 June 08:00 local).
    expect(shanghai.days).toEqual([
      { day: '2026-06-13', created: 0, resolved: 0 },
      { day: '2026-06-14', created: 1, resolved: 1 },
      { day: '2026-06-15', created: 1, resolved: 1 },
      { day: '2026-06-16', created: 1, resolved: 1 },
      { day: '2026-06-17', created: 0, resolved: 0 },
    ]);
  });

  it('sentiment: resolutions are bucketed on local days (the 23:50 UTC one on 15 June in Shanghai)', async () => {
    const shanghaiDays = lastDays(NOW, 4, 'Asia/Shanghai'); // 13–16 June, local midnights
    expect(shanghaiDays).toEqual({ start: new Date('2026-06-12T16:00:00Z'), end: new Date('2026-06-16T16:00:00Z') });
    const trend = await reportsIn('Asia/Shanghai').sentimentTrend(shanghaiDays);
    expect(trend.days.map((d) => [d.day, d.resolved, d.conversations, d.firstMean])).toEqual([
      ['2026-06-13', 0, 0, null],
      ['2026-06-14', 1, 1, -0.5],
      ['2026-06-15', 1, 1, 0.2],
      ['2026-06-16', 1, 0, null],
    ]);
    const utc = await reportsIn('UTC').sentimentTrend(lastDays(NOW, 4, 'UTC'));
    expect(utc.days.map((d) => [d.day, d.resolved, d.conversations])).toEqual([
      ['2026-06-13', 0, 0],
      ['2026-06-14', 2, 2],
      ['2026-06-15', 1, 0],
      ['2026-06-16', 0, 0],
    ]);
  });

  it('the zone is a query parameter, never SQL text: a hostile value is an unknown zone and changes nothing', async () => {
    await expect(reportsIn("UTC') as day; drop table tickets; --").volumeTrend({ start: new Date('2026-06-14T00:00:00Z'), end: new Date('2026-06-15T00:00:00Z') })).rejects.toThrow(/time zone/);
    expect(await database.db.$count(tickets)).toBe(3);
  });

  it('period kinds and the daily score trend in Europe/Berlin: a 23-hour DST day is a day; a UTC day is custom there', async () => {
    const berlinSaturday = dayPeriod('2026-03-28', 'Europe/Berlin');
    const berlinDst = dayPeriod('2026-03-29', 'Europe/Berlin'); // 23 hours
    const utcDay = { start: new Date('2026-03-30T00:00:00Z'), end: new Date('2026-03-31T00:00:00Z') };
    for (const p of [berlinSaturday, berlinDst, utcDay]) {
      await resolvedTicket(new Date(p.start.getTime() + 9 * H).toISOString(), new Date(p.start.getTime() + 10 * H).toISOString());
      await scores.evaluate(p, { asOf: NOW });
    }
    const berlin = reportsIn('Europe/Berlin');
    const kinds = (await berlin.scorePeriods()).map((p) => [p.start.toISOString(), p.kind]);
    expect(kinds).toEqual([
      [utcDay.start.toISOString(), 'custom'],
      [berlinDst.start.toISOString(), 'day'],
      [berlinSaturday.start.toISOString(), 'day'],
    ]);
    const trend = await berlin.teamScoreTrend({ kind: 'day' });
    expect(trend.periods).toEqual([berlinSaturday, berlinDst]);
    expect(trend.agents.map((a) => [a.agentId, a.composites.length])).toEqual([[agentId, 2]]);
    // The same stored rows read in UTC: only the UTC day is a day (old periods keep their boundaries).
    expect((await reportsIn('UTC').teamScoreTrend({ kind: 'day' })).periods).toEqual([utcDay]);
    const history = await berlin.agentTrend(agentId, { kind: 'day' });
    expect(history?.points.map((p) => p.period)).toEqual([berlinSaturday, berlinDst]);
  });
});
