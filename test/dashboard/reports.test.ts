import { openDatabase, type Database } from '../../crm';
import { AgentEvaluationService } from '../../crm/scores';
import { daysOf } from '../../crm/calendar';
import { csvField, rankingCsv, shapeQueueHealth, SupportReports, toCsv } from '../../crm/reports';
import { testDatabaseUrl } from '../support/apps';
import { CSAT_PERIOD, DAY1, seedReportFixture, TREND_PERIOD, type ReportFixture } from './fixtures';

/** The supervisor reports on real PostgreSQL, against the hand-built desk of fixtures.ts. */
describe('supervisor reports (crm/reports) on PostgreSQL', () => {
  const NOW = new Date('2026-06-15T12:00:00Z');
  let database: Database;
  let reports: SupportReports;
  let scores: AgentEvaluationService;
  let f: ReportFixture;

  beforeAll(async () => {
    database = await openDatabase({ url: testDatabaseUrl(), poolSize: 4 });
    f = await seedReportFixture(database.db, NOW);
    scores = new AgentEvaluationService(database.db, {}, () => NOW);
    reports = new SupportReports({ db: database.db, scores, clock: () => NOW });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('queue health: backlog, waiting, SLA at risk and breached, oldest wait, online capacity', async () => {
    const health = await reports.queueHealth({ horizonMinutes: 30 });
    expect(health.at).toEqual(NOW);
    expect(health.queues).toEqual([
      { queueId: 'billing', name: 'Billing', backlog: 3, waiting: 2, assigned: 1, slaAtRisk: 1, slaBreached: 1, oldestWaitingSeconds: 3000, onlineAgents: 2, capacity: 5, activeTickets: 3, freeCapacity: 2, level: 'critical' },
      { queueId: 'orders', name: 'Orders & delivery', backlog: 2, waiting: 1, assigned: 1, slaAtRisk: 1, slaBreached: 1, oldestWaitingSeconds: 900, onlineAgents: 1, capacity: 2, activeTickets: 2, freeCapacity: 0, level: 'critical' },
    ]);
    // Ben is in both queues: counted once in the totals.
    expect(health.totals).toEqual({ backlog: 5, waiting: 3, assigned: 2, slaAtRisk: 2, slaBreached: 2, oldestWaitingSeconds: 3000, onlineAgents: 2, capacity: 5, activeTickets: 3, freeCapacity: 2 });
  });

  it('queue health: a shorter horizon takes the "due soon" ticket out of risk; a warning keeps the other in', async () => {
    const health = await reports.queueHealth({ horizonMinutes: 10 });
    expect(health.queues.map((q) => [q.queueId, q.slaAtRisk, q.slaBreached])).toEqual([
      ['billing', 0, 1],
      ['orders', 1, 1],
    ]);
  });

  it('CSAT distribution: latest rating per ticket in the period, requests and responses, per agent and overall', async () => {
    const csat = await reports.csatDistribution(CSAT_PERIOD);
    expect(csat.overall).toEqual({ counts: [0, 0, 1, 1, 2], ratings: 4, average: 4.25, requested: 4, responded: 3, responseRate: 0.75 });
    expect(csat.agents).toEqual([
      { agentId: f.ana, displayName: f.names.ana, counts: [0, 0, 1, 1, 1], ratings: 3, average: 4, requested: 2, responded: 2, responseRate: 1 },
      { agentId: f.ben, displayName: f.names.ben, counts: [0, 0, 0, 0, 0], ratings: 0, average: null, requested: 2, responded: 1, responseRate: 0.5 },
    ]);
    // The next day holds Ben's late 3 and Ana's re-rating to 1.
    const next = await reports.csatDistribution({ start: CSAT_PERIOD.end, end: new Date(CSAT_PERIOD.end.getTime() + 86_400_000) });
    expect(next.overall.counts).toEqual([1, 0, 1, 0, 0]);
    expect(next.overall.requested).toBe(0);
    expect(next.overall.responseRate).toBeNull();
  });

  it('sentiment trend: per day, first and last customer sentiment up to the last resolution, and the change', async () => {
    const trend = await reports.sentimentTrend(TREND_PERIOD);
    expect(trend.days).toHaveLength(2);
    const [d1, d2] = trend.days;
    expect(d1).toMatchObject({ day: '2025-03-10', resolved: 3, conversations: 2, changeConversations: 1 });
    expect(d1.firstMean).toBeCloseTo(-0.35, 12);
    expect(d1.lastMean).toBeCloseTo(0.15, 12);
    expect(d1.changeMean).toBeCloseTo(1, 12);
    expect(d2).toMatchObject({ day: '2025-03-11', resolved: 1, conversations: 1, changeConversations: 1 });
    expect(d2.firstMean).toBeCloseTo(-0.8, 12);
    expect(d2.lastMean).toBeCloseTo(-0.4, 12);
    expect(d2.changeMean).toBeCloseTo(0.4, 12);
    // Days without resolutions are present with nulls, so a chart's axis has no holes.
    const wider = await reports.sentimentTrend({ start: new Date('2025-03-09T00:00:00Z'), end: TREND_PERIOD.end });
    expect(wider.days[0]).toEqual({ day: '2025-03-09', resolved: 0, conversations: 0, firstMean: null, lastMean: null, changeConversations: 0, changeMean: null });
  });

  it('volume trend: tickets created and resolved per day', async () => {
    const volume = await reports.volumeTrend(TREND_PERIOD);
    expect(volume.days).toEqual([
      { day: '2025-03-10', created: 4, resolved: 4 },
      { day: '2025-03-11', created: 0, resolved: 1 },
    ]);
  });

  it('ranking, periods and trends come from the stored scores', async () => {
    expect(await reports.ranking()).toEqual({ period: null, agents: [] });
    const stored = await scores.evaluate(DAY1, { asOf: NOW });
    await scores.evaluate({ start: new Date('2025-03-11T00:00:00Z'), end: new Date('2025-03-12T00:00:00Z') }, { asOf: NOW });
    const ranking = await reports.ranking(DAY1);
    expect(ranking.period).toEqual(DAY1);
    expect(ranking.agents.map((a) => [a.rank, a.agentId, a.displayName, a.composite])).toEqual(stored.map((s, i) => [s.composite === null ? null : i + 1, s.agentId, s.agentId === f.ana ? f.names.ana : f.names.ben, s.composite]));
    for (const a of ranking.agents) {
      expect(a.components.filter((c) => c.included).reduce((sum, c) => sum + c.points, 0)).toBeCloseTo(a.composite!, 1);
      expect(a.figures).toEqual(stored.find((s) => s.agentId === a.agentId)!.figures);
    }
    // Day 1 alone: Ana resolved s1 and s2, Ben s3 and (before its reopen) s4.
    expect(ranking.agents.find((a) => a.agentId === f.ana)!.figures.ticketsHandled).toBe(2);
    expect(ranking.agents.find((a) => a.agentId === f.ben)!.figures.ticketsHandled).toBe(2);

    const latest = await reports.ranking();
    expect(latest.period).toEqual({ start: new Date('2025-03-11T00:00:00Z'), end: new Date('2025-03-12T00:00:00Z') });
    expect(latest.agents.map((a) => a.agentId)).toEqual([f.ben]);

    expect(await reports.scorePeriods()).toEqual([
      { start: new Date('2025-03-11T00:00:00Z'), end: new Date('2025-03-12T00:00:00Z'), agents: 1, kind: 'day' },
      { start: DAY1.start, end: DAY1.end, agents: 2, kind: 'day' },
    ]);
    const team = await reports.teamScoreTrend({ kind: 'day' });
    expect(team.periods).toEqual([DAY1, { start: new Date('2025-03-11T00:00:00Z'), end: new Date('2025-03-12T00:00:00Z') }]);
    const ben = team.agents.find((a) => a.agentId === f.ben)!;
    const ana = team.agents.find((a) => a.agentId === f.ana)!;
    expect(ana.composites).toEqual([stored.find((s) => s.agentId === f.ana)!.composite, null]);
    expect(ben.composites[0]).toBe(stored.find((s) => s.agentId === f.ben)!.composite);
    expect(typeof ben.composites[1]).toBe('number');

    const trend = await reports.agentTrend(f.ben);
    expect(trend!.agent).toEqual({ agentId: f.ben, displayName: f.names.ben, email: expect.stringContaining('@fixture.test') });
    expect(trend!.points.map((p) => p.period.start.toISOString())).toEqual(['2025-03-10T00:00:00.000Z', '2025-03-11T00:00:00.000Z']);
    expect(await reports.agentTrend('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('CSV: quoting, formula guard, one line per ranked agent', async () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('Ben "Closer", Jr.')).toBe('"Ben ""Closer"", Jr."');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-0.25)).toBe('-0.25');
    expect(csvField(null)).toBe('');
    expect(toCsv([['a', 'b'], [1, null]])).toBe('a,b\r\n1,\r\n');
    const csv = rankingCsv(await reports.ranking(DAY1));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0].split(',').slice(0, 7)).toEqual(['period_start', 'period_end', 'rank', 'agent_id', 'agent', 'email', 'composite']);
    expect(csv).toContain(`,"Ben ""Closer"", Jr.",`);
  });

  it('pure shaping: queues without tickets or agents show zeros; UTC days of a period', () => {
    const shaped = shapeQueueHealth([{ id: 'q', name: 'Q' }], [], [], { onlineAgents: 0, capacity: 0, activeTickets: 0, freeCapacity: 0 }, NOW, 30);
    expect(shaped.queues[0]).toEqual({ queueId: 'q', name: 'Q', backlog: 0, waiting: 0, assigned: 0, slaAtRisk: 0, slaBreached: 0, oldestWaitingSeconds: null, onlineAgents: 0, capacity: 0, activeTickets: 0, freeCapacity: 0, level: 'ok' });
    expect(daysOf({ start: new Date('2025-03-30T12:00:00Z'), end: new Date('2025-04-01T00:00:00Z') }, 'UTC')).toEqual(['2025-03-30', '2025-03-31']);
  });

  it('refuses periods that are backwards or too long for a trend', async () => {
    await expect(reports.csatDistribution({ start: DAY1.end, end: DAY1.start })).rejects.toMatchObject({ code: 'invalid_period' });
    await expect(reports.sentimentTrend({ start: new Date('2020-01-01T00:00:00Z'), end: new Date('2025-01-01T00:00:00Z') })).rejects.toMatchObject({ code: 'period_too_long' });
  });
});
