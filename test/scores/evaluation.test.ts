import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database, type Db } from '../../crm';
import { agents, customers, queues, ticketEvents, tickets, users } from '../../crm/schema';
import { AgentEvaluationService, DEFAULT_SCORE_OPTIONS, SCORING_VERSION, type AgentScore, type Period } from '../../crm/scores';
import { createScratchDatabase } from '../support/database';

/**
 * Scores on real PostgreSQL from hand-built tickets with known timings, ratings and sentiments.
 * The suite has its own scratch database so that no other suite's tickets or scores enter the figures.
 */
const T0 = Date.parse('2025-03-10T08:00:00Z');
const PERIOD: Period = { start: new Date('2025-03-10T00:00:00Z'), end: new Date('2025-03-11T00:00:00Z') };
const EARLIER: Period = { start: new Date('2025-03-09T00:00:00Z'), end: new Date('2025-03-10T00:00:00Z') };
const AS_OF = new Date('2025-03-15T00:00:00Z');
const at = (ms: number) => new Date(ms);
const H = 3_600_000;
const S = 1000;

/** percentile_cont as PostgreSQL computes it in float8 (linear interpolation between the closest ranks). */
function percentileCont(values: number[], p: number): number {
  const v = [...values].sort((a, b) => a - b);
  const pos = p * (v.length - 1);
  const lo = Math.floor(pos);
  if (lo + 1 >= v.length) return v[v.length - 1];
  return v[lo] + (pos - lo) * (v[lo + 1] - v[lo]);
}

interface TicketSpec {
  createdAt: number;
  assignedAt: number | null;
  firstResponseAt: number | null;
  firstResponseDueAt: number;
  resolutionDueAt: number;
  assignedAgentId: string;
  events: Array<{ type: string; at: number; data?: Record<string, unknown>; actor?: string }>;
}

describe('agent scores on PostgreSQL', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let database: Database;
  let db: Db;
  let service: AgentEvaluationService;
  const A = randomUUID();
  const B = randomUUID();
  const C = randomUUID();
  const D = randomUUID();
  let customerId: string;
  const ids: Record<string, string> = {};

  async function ticket(name: string, spec: TicketSpec): Promise<string> {
    const [row] = await db
      .insert(tickets)
      .values({
        customerId,
        channel: 'directline',
        conversationId: `conv-${name}`,
        queueId: 'general',
        category: 'general',
        priority: 'normal',
        priorityScore: 50,
        subject: name,
        status: 'closed',
        assignedAgentId: spec.assignedAgentId,
        createdAt: at(spec.createdAt),
        assignedAt: spec.assignedAt === null ? null : at(spec.assignedAt),
        firstResponseAt: spec.firstResponseAt === null ? null : at(spec.firstResponseAt),
        firstResponseDueAt: at(spec.firstResponseDueAt),
        resolutionDueAt: at(spec.resolutionDueAt),
        resolvedAt: at(Math.max(...spec.events.filter((e) => e.type === 'resolved').map((e) => e.at))),
      })
      .returning({ id: tickets.id });
    await db.insert(ticketEvents).values(
      [{ type: 'created', at: spec.createdAt }, ...spec.events].map((e) => ({ ticketId: row.id, type: e.type, actor: e.actor ?? 'system', data: e.data ?? {}, at: at(e.at) })),
    );
    ids[name] = row.id;
    return row.id;
  }
  const msgs = (start: number, sentiments: number[]) => sentiments.map((s, i) => ({ type: 'customer_message', at: start + i * 10 * S, data: { sentiment: s }, actor: 'customer' }));

  beforeAll(async () => {
    scratch = await createScratchDatabase('concierge_scores_test');
    database = await openDatabase({ url: scratch.url, poolSize: 4 });
    db = database.db;
    service = new AgentEvaluationService(db);
    for (const [id, name] of [
      [A, 'Ana'],
      [B, 'Ben'],
      [C, 'Cy'],
      [D, 'Dee'],
    ]) {
      await db.insert(users).values({ id, email: `${name}@example.test`, displayName: name, role: 'agent', passwordHash: 'x' });
      await db.insert(agents).values({ userId: id });
    }
    await db.insert(queues).values({ id: 'general', name: 'General', isDefault: true });
    [{ id: customerId }] = await db.insert(customers).values({ displayName: 'Customer' }).returning({ id: customers.id });

    // t1 (A): FRT 120 s, resolved after 1 h, both targets met, rated 5, sentiment −0.5 → 0 → 0.5 (+1).
    let c = T0;
    await ticket('t1', {
      createdAt: c, assignedAt: c + 60 * S, firstResponseAt: c + 180 * S, firstResponseDueAt: c + 900 * S, resolutionDueAt: c + 4 * H, assignedAgentId: A,
      events: [
        { type: 'assigned', at: c + 60 * S, data: { agentId: A, reason: 'routing' } },
        ...msgs(c + 1 * S, [-0.5, 0, 0.5]),
        { type: 'agent_message', at: c + 180 * S, data: { agentId: A }, actor: A },
        { type: 'resolved', at: c + 1 * H, data: { agentId: A }, actor: A },
        { type: 'csat_requested', at: c + 1 * H + S, data: { agentId: A } },
        { type: 'csat', at: c + 1 * H + 60 * S, data: { rating: 5, agentId: A }, actor: 'customer' },
      ],
    });
    // t2 (A): FRT 300 s (met), resolved after 2 h against a 1 h target (missed), rated 3, sentiment −0.25 → −0.75 (−0.5).
    c = T0 + 1 * H;
    await ticket('t2', {
      createdAt: c, assignedAt: c + 30 * S, firstResponseAt: c + 330 * S, firstResponseDueAt: c + 900 * S, resolutionDueAt: c + 1 * H, assignedAgentId: A,
      events: [
        { type: 'assigned', at: c + 30 * S, data: { agentId: A, reason: 'routing' } },
        ...msgs(c + 1 * S, [-0.25, -0.75]),
        { type: 'resolved', at: c + 2 * H, data: { agentId: A }, actor: A },
        { type: 'csat_requested', at: c + 2 * H + S, data: { agentId: A } },
        { type: 'csat', at: c + 2 * H + 60 * S, data: { rating: 3, agentId: A }, actor: 'customer' },
      ],
    });
    // t3 (A): FRT 600 s against a 300 s target (missed), resolved after 30 min, CSAT asked but not given, one customer message.
    c = T0 + 2 * H;
    await ticket('t3', {
      createdAt: c, assignedAt: c, firstResponseAt: c + 600 * S, firstResponseDueAt: c + 300 * S, resolutionDueAt: c + 4 * H, assignedAgentId: A,
      events: [
        { type: 'assigned', at: c, data: { agentId: A, reason: 'routing' } },
        ...msgs(c + 1 * S, [0.25]),
        { type: 'resolved', at: c + 1800 * S, data: { agentId: A }, actor: A },
        { type: 'csat_requested', at: c + 1800 * S + S, data: { agentId: A } },
      ],
    });
    // t4 (A): FRT 60 s, resolved at 10 min, reopened at 20 min, resolved again at 40 min (counts once, RT 2400 s), rated 4;
    // sentiment 0 → 0.5 → 0.25 up to the resolution (+0.25); a message after the resolution (−1) does not count.
    c = T0 + 3 * H;
    await ticket('t4', {
      createdAt: c, assignedAt: c + 60 * S, firstResponseAt: c + 120 * S, firstResponseDueAt: c + 900 * S, resolutionDueAt: c + 4 * H, assignedAgentId: A,
      events: [
        { type: 'assigned', at: c + 60 * S, data: { agentId: A, reason: 'routing' } },
        ...msgs(c + 1 * S, [0, 0.5]),
        { type: 'resolved', at: c + 600 * S, data: { agentId: A }, actor: A },
        { type: 'reopened', at: c + 1200 * S, actor: 'customer' },
        { type: 'customer_message', at: c + 1210 * S, data: { sentiment: 0.25 }, actor: 'customer' },
        { type: 'resolved', at: c + 2400 * S, data: { agentId: A }, actor: A },
        { type: 'customer_message', at: c + 3000 * S, data: { sentiment: -1 }, actor: 'customer' },
        { type: 'csat_requested', at: c + 2400 * S + S, data: { agentId: A } },
        { type: 'csat', at: c + 2400 * S + 60 * S, data: { rating: 4, agentId: A }, actor: 'customer' },
      ],
    });
    // t5: C had it and answered at 50 s, transferred to A at 100 s (assignedAt), A resolved at 900 s: no FRT sample for A,
    // first-response target met. Rated 4 by the asOf; a later rating of 1 (after asOf) is ignored. Sentiment −1 → −0.5 (+0.5).
    c = T0 + 4 * H;
    await ticket('t5', {
      createdAt: c, assignedAt: c + 100 * S, firstResponseAt: c + 50 * S, firstResponseDueAt: c + 900 * S, resolutionDueAt: c + 4 * H, assignedAgentId: A,
      events: [
        { type: 'assigned', at: c, data: { agentId: C, reason: 'routing' } },
        { type: 'agent_message', at: c + 50 * S, data: { agentId: C }, actor: C },
        { type: 'transferred', at: c + 100 * S, data: { fromAgentId: C, toAgentId: A }, actor: C },
        ...msgs(c + 1 * S, [-1, -0.5]),
        { type: 'resolved', at: c + 900 * S, data: { agentId: A }, actor: A },
        { type: 'csat_requested', at: c + 900 * S + S, data: { agentId: A } },
        { type: 'csat', at: c + 960 * S, data: { rating: 4, agentId: A }, actor: 'customer' },
        { type: 'csat', at: Date.parse('2025-03-20T00:00:00Z'), data: { rating: 1, agentId: A }, actor: 'customer' },
      ],
    });
    // t6: assigned to A, A answered at 40 s, A transferred it to B at 120 s, B resolved at 30 min. No rating for B. Sentiment −0.5 → 0.5.
    c = T0 + 5 * H;
    await ticket('t6', {
      createdAt: c, assignedAt: c + 120 * S, firstResponseAt: c + 40 * S, firstResponseDueAt: c + 900 * S, resolutionDueAt: c + 4 * H, assignedAgentId: B,
      events: [
        { type: 'assigned', at: c + 10 * S, data: { agentId: A, reason: 'routing' } },
        { type: 'transferred', at: c + 120 * S, data: { fromAgentId: A, toAgentId: B }, actor: A },
        ...msgs(c + 1 * S, [-0.5, 0.5]),
        { type: 'resolved', at: c + 1800 * S, data: { agentId: B }, actor: B },
        { type: 'csat_requested', at: c + 1800 * S + S, data: { agentId: B } },
        // a rating for A's part of the conversation: neither B's rating nor a ticket A handled
        { type: 'csat', at: c + 1900 * S, data: { rating: 2, agentId: A }, actor: 'customer' },
      ],
    });
    // t7 (B): FRT 60 s, resolved at 50 min, CSAT asked, never answered, one customer message.
    c = T0 + 6 * H;
    await ticket('t7', {
      createdAt: c, assignedAt: c + 20 * S, firstResponseAt: c + 80 * S, firstResponseDueAt: c + 900 * S, resolutionDueAt: c + 4 * H, assignedAgentId: B,
      events: [
        { type: 'assigned', at: c + 20 * S, data: { agentId: B, reason: 'routing' } },
        ...msgs(c + 1 * S, [0.1]),
        { type: 'resolved', at: c + 3000 * S, data: { agentId: B }, actor: B },
        { type: 'csat_requested', at: c + 3000 * S + S, data: { agentId: B } },
      ],
    });
    // t8 (D): resolved the day before the period.
    c = T0 - 24 * H;
    await ticket('t8', {
      createdAt: c, assignedAt: c + 10 * S, firstResponseAt: c + 70 * S, firstResponseDueAt: c + 900 * S, resolutionDueAt: c + 4 * H, assignedAgentId: D,
      events: [
        { type: 'assigned', at: c + 10 * S, data: { agentId: D, reason: 'routing' } },
        { type: 'resolved', at: c + 600 * S, data: { agentId: D }, actor: D },
      ],
    });
    // t9: resolved by the bot (no agent) in the period: nobody's.
    c = T0 + 7 * H;
    await ticket('t9', {
      createdAt: c, assignedAt: null, firstResponseAt: null, firstResponseDueAt: c + 900 * S, resolutionDueAt: c + 4 * H, assignedAgentId: D,
      events: [{ type: 'resolved', at: c + 60 * S, data: {}, actor: 'bot' }],
    });
  });

  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });

  const byAgent = (scores: AgentScore[]) => Object.fromEntries(scores.map((s) => [s.agentId, s]));

  it('computes every figure exactly', async () => {
    const scores = byAgent(await service.evaluate(PERIOD, { asOf: AS_OF }));
    expect(Object.keys(scores).sort()).toEqual([A, B, C].sort());

    expect(scores[A].figures).toEqual({
      ticketsHandled: 5,
      firstResponseSamples: 4, // t1 120, t2 300, t3 600, t4 60 (t5 answered before A got it)
      firstResponseMedianSeconds: 210,
      firstResponseP90Seconds: percentileCont([120, 300, 600, 60], 0.9), // 510
      resolutionMedianSeconds: 2400, // 3600, 7200, 1800, 2400, 900
      resolutionP90Seconds: percentileCont([3600, 7200, 1800, 2400, 900], 0.9), // 5760
      resolutionMeanSeconds: 3180,
      slaFirstResponseMet: 4, // t3 missed
      slaResolutionMet: 4, // t2 missed
      slaMet: 3,
      slaCompliance: 0.6,
      csatRatings: 4,
      csatSum: 16,
      csatAverage: 4,
      csatRequested: 5,
      csatResponded: 4,
      csatResponseRate: 0.8,
      reopened: 1,
      reopenRate: 0.2,
      ticketsHeld: 6, // t1–t5, and t6 which A transferred away
      transferredAway: 1,
      transferRate: 1 / 6,
      sentimentConversations: 4, // t3 has a single message
      sentimentChangeAverage: (1 - 0.5 + 0.25 + 0.5) / 4, // 0.3125
    });
    expect(scores[A].figures.firstResponseP90Seconds).toBeCloseTo(510, 9);
    expect(scores[A].figures.resolutionP90Seconds).toBeCloseTo(5760, 9);

    expect(scores[B].figures).toEqual({
      ticketsHandled: 2,
      firstResponseSamples: 1, // t6's first response predates B's assignment
      firstResponseMedianSeconds: 60,
      firstResponseP90Seconds: 60,
      resolutionMedianSeconds: 2400, // 1800, 3000
      resolutionP90Seconds: percentileCont([1800, 3000], 0.9),
      resolutionMeanSeconds: 2400,
      slaFirstResponseMet: 2,
      slaResolutionMet: 2,
      slaMet: 2,
      slaCompliance: 1,
      csatRatings: 0,
      csatSum: 0,
      csatAverage: null,
      csatRequested: 2,
      csatResponded: 0,
      csatResponseRate: 0,
      reopened: 0,
      reopenRate: 0,
      ticketsHeld: 2,
      transferredAway: 0,
      transferRate: 0,
      sentimentConversations: 1,
      sentimentChangeAverage: 1,
    });

    expect(scores[C].figures).toMatchObject({
      ticketsHandled: 0,
      ticketsHeld: 1,
      transferredAway: 1,
      transferRate: 1,
      firstResponseMedianSeconds: null,
      slaCompliance: null,
      csatAverage: null,
      reopenRate: null,
      sentimentChangeAverage: null,
    });
  });

  it('forms the composite exactly, re-weighting around missing CSAT', async () => {
    const scores = await service.evaluate(PERIOD, { asOf: AS_OF });
    expect(scores.map((s) => s.agentId)).toEqual([B, A, C]); // ranked; no composite last
    const { [A]: a, [B]: b, [C]: c } = byAgent(scores);

    const sub = (s: AgentScore) => Object.fromEntries(s.components.map((x) => [x.key, x.subscore]));
    expect(sub(a).firstResponse).toBeCloseTo(1590 / 1740, 12); // (210 − 1800) / (60 − 1800)
    expect(sub(a)).toMatchObject({ resolution: 1, csat: 0.75, csatResponseRate: 1, reopenRate: 0, sentimentChange: 0.8125 });
    expect(sub(a).slaCompliance).toBeCloseTo(0.2, 12); // (0.6 − 0.5) / 0.5
    expect(sub(a).transferRate).toBeCloseTo(4 / 9, 12); // (1/6 − 0.3) / (0 − 0.3)
    // 15·1590/1740 + 15 + 20·0.2 + 20·0.75 + 5 + 0 + 5·4/9 + 10·0.8125 = 63.054…
    expect(a.composite).toBe(63.05);
    expect(a.components.every((x) => x.included)).toBe(true);

    // B has no rating: CSAT average drops out and its 20 points are shared by the other 80:
    // (15 + 15 + 20 + 5·0 + 10 + 5 + 10) / 80 = 75 / 80
    expect(b.composite).toBe(93.75);
    expect(b.components.find((x) => x.key === 'csat')).toMatchObject({ included: false, reason: 'no data', effectiveWeight: 0, points: 0 });
    expect(b.components.find((x) => x.key === 'slaCompliance')).toMatchObject({ included: true, subscore: 1, effectiveWeight: 20 / 80, points: 25 });

    expect(c.composite).toBeNull();
    expect(a).toMatchObject({ periodStart: PERIOD.start, periodEnd: PERIOD.end, asOf: AS_OF, version: SCORING_VERSION, options: DEFAULT_SCORE_OPTIONS });
  });

  it('replaces the period on a re-run instead of duplicating it', async () => {
    await service.evaluate(PERIOD, { asOf: AS_OF });
    const first = await service.forPeriod(PERIOD);
    await service.evaluate(PERIOD, { asOf: AS_OF });
    const again = await service.forPeriod(PERIOD);
    expect(again.map(({ computedAt: _c, ...rest }) => rest)).toEqual(first.map(({ computedAt: _c, ...rest }) => rest));
    // A later asOf sees t5's late rating of 1 (latest rating per ticket): the same rows are replaced.
    const later = byAgent(await service.evaluate(PERIOD, { asOf: new Date('2025-04-01T00:00:00Z') }));
    expect(later[A].figures.csatAverage).toBe((5 + 3 + 4 + 1) / 4);
    const stored = await db.execute(sql`select agent_id, count(*)::int as n from agent_scores where period_start = ${PERIOD.start.toISOString()}::timestamptz group by agent_id`);
    expect((stored as unknown as { rows: Array<{ n: number }> }).rows.map((r) => r.n)).toEqual([1, 1, 1]);
    expect((await service.get(A, PERIOD))!.figures.csatAverage).toBe(3.25);
    await service.evaluate(PERIOD, { asOf: AS_OF });
  });

  it('serves latest, history and the ticket drill-down', async () => {
    await service.evaluate(EARLIER, { asOf: AS_OF });
    await service.evaluate(PERIOD, { asOf: AS_OF });
    const latest = await service.latest();
    expect(latest.map((s) => [s.agentId, s.composite])).toEqual([
      [B, 93.75],
      [A, 63.05],
      [C, null],
    ]);
    expect((await service.history(D)).map((s) => [s.periodStart, s.figures.ticketsHandled])).toEqual([[EARLIER.start, 1]]);
    expect((await service.history(A)).map((s) => s.periodStart)).toEqual([PERIOD.start]);

    const inOrder = await service.tickets(A, PERIOD);
    // ordered by the agent's resolution time
    expect(inOrder.map((f) => f.ticketId)).toEqual([ids.t1, ids.t3, ids.t2, ids.t4, ids.t5]);
    const byId = Object.fromEntries(inOrder.map((f) => [f.ticketId, f]));
    const facts = ['t1', 't2', 't3', 't4', 't5'].map((name) => byId[ids[name]]);
    expect(facts.map((f) => f.firstResponseSeconds)).toEqual([120, 300, 600, 60, null]);
    expect(facts.map((f) => f.resolutionSeconds)).toEqual([3600, 7200, 1800, 2400, 900]);
    expect(facts.map((f) => f.csatRating)).toEqual([5, 3, null, 4, 4]);
    expect(facts.map((f) => f.reopenedAfterResolution)).toEqual([false, false, false, true, false]);
    expect(facts.map((f) => [f.customerMessages, f.firstSentiment, f.lastSentiment])).toEqual([
      [3, -0.5, 0.5],
      [2, -0.25, -0.75],
      [1, 0.25, 0.25],
      [3, 0, 0.25],
      [2, -1, -0.5],
    ]);
    expect(facts.map((f) => f.firstResponseTargetMet && f.resolutionTargetMet)).toEqual([true, false, false, true, true]);
  });

  it('explains how each number was formed', async () => {
    const explanation = (await service.explain(A, PERIOD))!;
    expect(explanation.score.composite).toBe(63.05);
    expect(explanation.lines).toContain('slaCompliance = 0.6: tickets meeting both targets ÷ tickets handled');
    expect(explanation.lines).toContain('SLA compliance: 0.6 → subscore 0.2 (0 at 0.5, 1 at 1) × weight 20 (20% after re-weighting) = 4 points');
    expect(explanation.lines[explanation.lines.length - 1]).toBe('Composite = 13.7069 + 15 + 4 + 15 + 5 + 0 + 2.2222 + 8.125 = 63.05 (rounded to 2 decimals)');
    const pointsSum = explanation.score.components.reduce((s, c) => s + c.points, 0);
    expect(Math.round(pointsSum * 100) / 100).toBe(63.05);

    const forB = (await service.explain(B, PERIOD))!;
    expect(forB.lines).toContain('CSAT average: none — not counted (no data); its weight 20 goes to the others');
    expect(forB.lines).toContain('SLA compliance: 1 → subscore 1 (0 at 0.5, 1 at 1) × weight 20 (25% after re-weighting) = 25 points');

    expect((await service.explain(C, PERIOD))!.lines.at(-1)).toBe('Composite: none (handled 0, minimum 1; components with data: 1)');
    expect(await service.explain(D, PERIOD)).toBeNull();
  });

  it('refuses an empty or inverted period', async () => {
    await expect(service.evaluate({ start: PERIOD.end, end: PERIOD.start })).rejects.toThrow('period end must be after its start');
  });
});
