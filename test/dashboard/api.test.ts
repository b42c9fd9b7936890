import { QueueEvents } from 'bullmq';
import { startInProcessApp } from '../support/apps';
import type { Application } from '../../bot/application';
import { createLogger } from '../../bot/logger';
import { AgentEvaluationService } from '../../crm/scores';
import { connectionFromUrl, createQueue, evaluationJobId, QUEUE_NAMES, startAgentEvaluationWorker } from '../../workers';
import { ConsoleClient, expectClosedRoutes, makeUser, PASSWORD } from '../api/consoleClient';
import { CSAT_PERIOD, DAY1, seedReportFixture, TREND_PERIOD, type ReportFixture } from './fixtures';
import { runQueuePrefix } from '../support/redisNames';

/**
 * The supervisor dashboard's API and page over HTTP (own database, the run's PostgreSQL and Redis):
 * who may see it (401/403/200), the report figures against the hand-built desk, the CSV export,
 * evaluate-now through the real job queue, and the routes in /api/docs.
 */
describe('supervisor dashboard API', () => {
  let app: Application & { url: string };
  let f: ReportFixture;
  let supervisor: ConsoleClient;
  let admin: ConsoleClient;
  let agent: ConsoleClient;
  const anon = () => new ConsoleClient(app.url);
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

  const q = (p: { start: Date; end: Date }) => `start=${p.start.toISOString()}&end=${p.end.toISOString()}`;

  beforeAll(async () => {
    app = await startInProcessApp();
    f = await seedReportFixture(app.database.db, new Date());
    const sam = await makeUser(app, 'supervisor', [], 'Sam Supervisor');
    const ada = await makeUser(app, 'admin', [], 'Ada Admin');
    const bea = await makeUser(app, 'agent', ['billing'], 'Bea Billing');
    supervisor = await new ConsoleClient(app.url).signIn(sam.email, PASSWORD);
    admin = await new ConsoleClient(app.url).signIn(ada.email, PASSWORD);
    agent = await new ConsoleClient(app.url).signIn(bea.email, PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });

  const ROUTES: Array<[string, string]> = [
    ['GET', '/api/dashboard/periods'],
    ['GET', '/api/dashboard/ranking'],
    ['GET', '/api/dashboard/ranking.csv'],
    ['GET', '/api/dashboard/score-trend'],
    ['GET', '/api/dashboard/queues'],
    ['GET', '/api/dashboard/csat'],
    ['GET', '/api/dashboard/sentiment'],
    ['GET', '/api/dashboard/volume'],
    ['GET', '/api/dashboard/agents/00000000-0000-4000-8000-000000000000/trend'],
    ['GET', '/api/dashboard/agents/00000000-0000-4000-8000-000000000000/explain'],
    ['POST', '/api/dashboard/evaluate'],
  ];

  it('is closed: 401 without a session, 403 for agents, on every route and on the page', async () => {
    await expectClosedRoutes(ROUTES, anon, agent);
    const page = await anon().get('/dashboard/');
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    // The sign-in link brings the supervisor back to the dashboard.
    expect(page.body).toContain('href="/console/?next=/dashboard/"');
    const agentPage = await agent.get('/dashboard/');
    expect(agentPage.status).toBe(403);
    expect(agentPage.body).toContain('Supervisors only');
    // Nothing of the agents' or the reports' data is written by a refused request.
    const evaluate = await agent.post('/api/dashboard/evaluate', {});
    expect(evaluate.status).toBe(403);
  });

  it('serves the page to supervisors and admins under the strict CSP, with Chart.js from node_modules', async () => {
    for (const who of [supervisor, admin]) {
      const page = await who.get('/dashboard/');
      expect(page.status).toBe(200);
      expect(page.body).toContain('<script src="/dashboard/vendor/chart.umd.js"></script>');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(page.headers.get('content-security-policy')).not.toContain('unsafe');
    }
    const chart = await anon().get('/dashboard/vendor/chart.umd.js');
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toMatch(/javascript/);
    expect(String(chart.body)).toContain('Chart.js v4');
    const redirect = await fetch(`${app.url}/dashboard`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, '/dashboard/']);
  });

  it('queue health: the hand-built desk, exactly', async () => {
    const res = await supervisor.get('/api/dashboard/queues?horizonMinutes=30');
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.queues.map((x: { queueId: string }) => [x.queueId, x]));
    const { oldestWaitingSeconds: billingOldest, ...billing } = byId.billing;
    const { oldestWaitingSeconds: ordersOldest, ...orders } = byId.orders;
    expect(billing).toEqual({ queueId: 'billing', name: 'Billing', backlog: 3, waiting: 2, assigned: 1, slaAtRisk: 1, slaBreached: 1, onlineAgents: 2, capacity: 5, activeTickets: 3, freeCapacity: 2, level: 'critical' });
    expect(orders).toEqual({ queueId: 'orders', name: 'Orders & delivery', backlog: 2, waiting: 1, assigned: 1, slaAtRisk: 1, slaBreached: 1, onlineAgents: 1, capacity: 2, activeTickets: 2, freeCapacity: 0, level: 'critical' });
    // Ages run from the fixture's creation instant (seconds ago).
    expect(billingOldest).toBeGreaterThanOrEqual(3000);
    expect(billingOldest).toBeLessThan(3000 + 120);
    expect(ordersOldest).toBeGreaterThanOrEqual(900);
    expect(ordersOldest).toBeLessThan(900 + 120);
    expect(byId.general).toMatchObject({ backlog: 0, waiting: 0, oldestWaitingSeconds: null, level: 'ok' });
  });

  it('CSAT distribution and sentiment trend of a period, exactly', async () => {
    const csat = await admin.get(`/api/dashboard/csat?${q(CSAT_PERIOD)}`);
    expect(csat.status).toBe(200);
    expect(csat.body.period).toEqual({ start: CSAT_PERIOD.start.toISOString(), end: CSAT_PERIOD.end.toISOString() });
    expect(csat.body.overall).toEqual({ counts: [0, 0, 1, 1, 2], ratings: 4, average: 4.25, requested: 4, responded: 3, responseRate: 0.75 });
    expect(csat.body.agents).toEqual([
      { agentId: f.ana, displayName: f.names.ana, counts: [0, 0, 1, 1, 1], ratings: 3, average: 4, requested: 2, responded: 2, responseRate: 1 },
      { agentId: f.ben, displayName: f.names.ben, counts: [0, 0, 0, 0, 0], ratings: 0, average: null, requested: 2, responded: 1, responseRate: 0.5 },
    ]);
    // A UTC day is accepted for either end.
    const byDay = await supervisor.get('/api/dashboard/csat?start=2025-03-10&end=2025-03-11');
    expect(byDay.body.overall).toEqual(csat.body.overall);

    const sentiment = await supervisor.get(`/api/dashboard/sentiment?${q(TREND_PERIOD)}`);
    expect(sentiment.status).toBe(200);
    expect(sentiment.body.days.map((d: Record<string, number | string>) => [d.day, d.resolved, d.conversations, d.changeConversations])).toEqual([
      ['2025-03-10', 3, 2, 1],
      ['2025-03-11', 1, 1, 1],
    ]);
    expect(sentiment.body.days[0].firstMean).toBeCloseTo(-0.35, 12);
    expect(sentiment.body.days[0].lastMean).toBeCloseTo(0.15, 12);
    expect(sentiment.body.days[1].changeMean).toBeCloseTo(0.4, 12);
    const volume = await supervisor.get(`/api/dashboard/volume?${q(TREND_PERIOD)}`);
    expect(volume.body.days).toEqual([
      { day: '2025-03-10', created: 4, resolved: 4 },
      { day: '2025-03-11', created: 0, resolved: 1 },
    ]);
    // Without a period: the last N UTC days, today included.
    const recent = await supervisor.get('/api/dashboard/sentiment?days=7');
    expect(recent.body.days).toHaveLength(7);
    expect(recent.body.days[6].day).toBe(new Date().toISOString().slice(0, 10));
  });

  it('refuses bad input with 400 and the issue', async () => {
    for (const path of [
      '/api/dashboard/csat?start=2025-03-10',
      '/api/dashboard/csat?start=2025-03-11&end=2025-03-10',
      '/api/dashboard/csat?start=yesterday&end=today',
      '/api/dashboard/queues?horizonMinutes=-5',
      '/api/dashboard/ranking?bogus=1',
      '/api/dashboard/agents/not-a-uuid/trend',
    ]) {
      const res = await supervisor.get(path);
      expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({ path, status: 400, code: 'invalid_request' });
    }
    const long = await supervisor.get('/api/dashboard/sentiment?start=2020-01-01&end=2025-01-01');
    expect([long.status, long.body.error.code]).toEqual([400, 'period_too_long']);
    const bad = await supervisor.post('/api/dashboard/evaluate', { granularity: 'year' });
    expect(bad.status).toBe(400);
    const backwards = await supervisor.post('/api/dashboard/evaluate', { start: '2025-03-11T00:00:00Z', end: '2025-03-10T00:00:00Z' });
    expect(backwards.status).toBe(400);
  });

  it('evaluate now queues the agent-evaluation job; once it ran, the ranking, CSV, trend and explanation show the period', async () => {
    expect((await supervisor.get('/api/dashboard/ranking')).body).toEqual({ period: null, agents: [] });
    const queue = createQueue(QUEUE_NAMES.agentEvaluation, { redisUrl, prefix: runQueuePrefix() });
    const events = new QueueEvents(QUEUE_NAMES.agentEvaluation, { connection: connectionFromUrl(redisUrl), prefix: runQueuePrefix() });
    const worker = startAgentEvaluationWorker({ redisUrl, prefix: runQueuePrefix(), evaluation: new AgentEvaluationService(app.database.db), log: createLogger({ level: 'silent' }) });
    try {
      await events.waitUntilReady();
      // One job per period: a run of this suite earlier on the same Redis left its job behind.
      await (await queue.getJob(evaluationJobId(DAY1)))?.remove();
      const res = await supervisor.post('/api/dashboard/evaluate', { start: DAY1.start.toISOString(), end: DAY1.end.toISOString() });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ jobId: evaluationJobId(DAY1), period: { start: DAY1.start.toISOString(), end: DAY1.end.toISOString() } });
      const job = await queue.getJob(res.body.jobId);
      expect(job?.data).toEqual({ granularity: 'day', start: DAY1.start.toISOString(), end: DAY1.end.toISOString() });
      await job!.waitUntilFinished(events, 30_000);
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }

    const periods = await supervisor.get('/api/dashboard/periods');
    expect(periods.body.timeZone).toBe('UTC'); // SUPPORT_TIME_ZONE's default
    expect(periods.body.periods).toEqual([{ start: DAY1.start.toISOString(), end: DAY1.end.toISOString(), agents: 2, kind: 'day' }]);
    const ranking = await supervisor.get('/api/dashboard/ranking');
    expect(ranking.body.period).toEqual({ start: DAY1.start.toISOString(), end: DAY1.end.toISOString() });
    expect(ranking.body.agents.map((a: { displayName: string }) => a.displayName).sort()).toEqual([f.names.ana, f.names.ben].sort());
    const ranked = ranking.body.agents as Array<{ rank: number; agentId: string; displayName: string; composite: number; components: Array<{ key: string; points: number; included: boolean }>; figures: Record<string, number> }>;
    expect(ranked.map((a) => a.rank)).toEqual([1, 2]);
    expect(ranked[0].composite).toBeGreaterThanOrEqual(ranked[1].composite);
    for (const a of ranked) expect(a.components.filter((c) => c.included).reduce((s, c) => s + c.points, 0)).toBeCloseTo(a.composite, 1);
    expect(ranked.find((a) => a.agentId === f.ana)!.figures.ticketsHandled).toBe(2);

    const csv = await supervisor.request('GET', `/api/dashboard/ranking.csv?${q(DAY1)}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="agent-ranking-2025-03-10_2025-03-11.csv"');
    const lines = String(csv.body).split('\r\n');
    expect(lines[0]).toBe(
      'period_start,period_end,rank,agent_id,agent,email,composite,points_firstResponse,points_resolution,points_slaCompliance,points_csat,points_csatResponseRate,points_reopenRate,points_transferRate,points_sentimentChange,ticketsHandled,firstResponseMedianSeconds,firstResponseP90Seconds,resolutionMedianSeconds,resolutionP90Seconds,slaCompliance,csatAverage,csatRatings,csatResponseRate,reopenRate,transferRate,sentimentChangeAverage',
    );
    expect(lines).toHaveLength(4); // header, two agents, the empty string after the last CRLF
    const benLine = lines.find((l) => l.includes(f.ben))!;
    const benRank = ranked.find((a) => a.agentId === f.ben)!;
    expect(benLine.startsWith(`2025-03-10T00:00:00.000Z,2025-03-11T00:00:00.000Z,${benRank.rank},${f.ben},"Ben ""Closer"", Jr.",`)).toBe(true);
    expect(benLine).toContain(`,${benRank.composite},`);

    const trend = await supervisor.get(`/api/dashboard/agents/${f.ana}/trend`);
    expect(trend.status).toBe(200);
    expect(trend.body.points.map((p: { period: { start: string } }) => p.period.start)).toEqual([DAY1.start.toISOString()]);
    const explain = await supervisor.get(`/api/dashboard/agents/${f.ana}/explain`);
    expect(explain.status).toBe(200);
    expect(explain.body.period).toEqual({ start: DAY1.start.toISOString(), end: DAY1.end.toISOString() });
    expect(explain.body.lines.at(-1)).toMatch(/^Composite = /);
    expect(explain.body.tickets).toHaveLength(2);
    const team = await supervisor.get('/api/dashboard/score-trend?kind=day');
    expect(team.body.periods).toHaveLength(1);
    expect(team.body.agents).toHaveLength(2);
    expect((await supervisor.get(`/api/dashboard/agents/${f.cy}/explain`)).status).toBe(404);
    expect((await supervisor.get('/api/dashboard/agents/00000000-0000-4000-8000-000000000000/trend')).status).toBe(404);
  });

  it('appears in the OpenAPI document with its roles', async () => {
    const doc = await anon().get('/api/docs');
    const paths = doc.body.paths as Record<string, Record<string, { tags: string[]; 'x-roles'?: string[]; responses: Record<string, unknown> }>>;
    for (const p of ['/api/dashboard/ranking', '/api/dashboard/ranking.csv', '/api/dashboard/queues', '/api/dashboard/csat', '/api/dashboard/sentiment', '/api/dashboard/agents/{id}/trend', '/api/dashboard/agents/{id}/explain']) {
      expect(paths[p]?.get?.['x-roles']).toEqual(['supervisor', 'admin']);
      expect(Object.keys(paths[p].get.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
    expect(paths['/api/dashboard/evaluate'].post.responses).toHaveProperty('202');
    expect(paths['/api/dashboard/ranking.csv'].get.responses['200']).toEqual({ description: expect.any(String), content: { 'text/csv': { schema: { type: 'string' } } } });
  });
});
