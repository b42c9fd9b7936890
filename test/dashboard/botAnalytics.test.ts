import { randomUUID } from 'node:crypto';
import { startInProcessApp } from '../support/apps';
import type { Application } from '../../bot/application';
import { customers, intentLabels, tickets } from '../../crm/schema';
import { ConsoleClient, expectClosedRoutes, makeUser, PASSWORD } from '../api/consoleClient';
import { recordBotReply, recordUnderstood, type UnderstoodMessage } from '../understanding/fixtures';

/**
 * The dashboard's bot analytics over HTTP, from hand-built understandings whose figures are worked
 * out below, in a support time zone eight hours ahead of UTC (Asia/Shanghai): a message at 16:30 UTC
 * belongs to the next local day. Reports come from the rows (outcomes, reasons, intents per day,
 * conversations with and without a person, confidence per model version), the not-understood list
 * filters by language and pages with a cursor, and "label it" writes an agent correction.
 */
describe('dashboard: bot analytics', () => {
  let app: Application & { url: string };
  let supervisor: ConsoleClient;
  let agent: ConsoleClient;
  let supervisorId: string;
  const ids: Record<string, string> = {};
  const conv: Record<string, string> = {};
  let ticketB: { id: string; number: number };
  const Q = 'start=2026-03-10&end=2026-03-12';

  beforeAll(async () => {
    app = await startInProcessApp({ SUPPORT_TIME_ZONE: 'Asia/Shanghai' });
    const sam = await makeUser(app, 'supervisor', [], 'Sam Supervisor');
    supervisorId = sam.id;
    supervisor = await new ConsoleClient(app.url).signIn(sam.email, PASSWORD);
    agent = await new ConsoleClient(app.url).signIn((await makeUser(app, 'agent', ['billing'])).email, PASSWORD);
    const db = app.database.db;
    const [{ id: customerId }] = await db.insert(customers).values({ displayName: 'Analytics Customer' }).returning({ id: customers.id });
    for (const c of ['A', 'B', 'C', 'D', 'E', 'F', 'X']) conv[c] = `conv-${c}-${randomUUID()}`;
    const at = (iso: string) => new Date(iso);
    const msg = async (key: string, m: Omit<UnderstoodMessage, 'customerId'>) => (ids[key] = await recordUnderstood(db, { customerId, ...m }));
    const A = 'intent-aaaaaaaaaaaa';
    const B = 'intent-bbbbbbbbbbbb';
    // Local 10 March 00:30 (UTC 9 March): E, a conversation left without an answer.
    await msg('E', { conversationId: conv.E, text: 'blorp zzz', intent: 'out_of_scope', confidence: 0.05, outcome: 'not_understood', reason: 'low_confidence', modelVersion: A, at: at('2026-03-09T16:30:00Z') });
    // A: answered twice, no person → resolved by the bot.
    await msg('m1', { conversationId: conv.A, text: 'where is my order A10042', intent: 'order_status', confidence: 0.92, modelVersion: A, at: at('2026-03-10T01:00:00Z') });
    await recordBotReply(db, { customerId, conversationId: conv.A, text: 'It is on its way.', at: at('2026-03-10T01:00:01Z') });
    await msg('m2', { conversationId: conv.A, text: 'thanks!', intent: 'thanks', confidence: 0.97, modelVersion: A, at: at('2026-03-10T01:01:00Z') });
    // B: not understood, then a hand-over and a ticket.
    await msg('m3', { conversationId: conv.B, text: 'the thingy in the app is weird', intent: 'out_of_scope', confidence: 0.2, outcome: 'not_understood', reason: 'low_confidence', modelVersion: A, at: at('2026-03-10T02:00:00Z') });
    await msg('m4', { conversationId: conv.B, text: 'let me talk to a human', intent: 'human_agent', confidence: 0.9, outcome: 'handed_over', reason: 'asked_for_person', modelVersion: A, at: at('2026-03-10T02:01:00Z') });
    // C: not understood (Chinese), then a clarification nobody answered → unanswered.
    await msg('m5', { conversationId: conv.C, text: '这个东西怎么样啊', intent: 'product_question', confidence: 0.15, outcome: 'not_understood', reason: 'low_confidence', modelVersion: A, at: at('2026-03-10T03:00:00Z') });
    await msg('m6', { conversationId: conv.C, text: '扣款', intent: 'billing', confidence: 0.5, outcome: 'clarified', reason: 'close_call', modelVersion: B, at: at('2026-03-10T03:01:00Z') });
    // Local 11 March 01:30 (UTC 10 March): D, answered, and a German message handed over for its language.
    await msg('m7', { conversationId: conv.D, text: 'how long does shipping take', intent: 'shipping_info', confidence: 0.65, modelVersion: B, at: at('2026-03-10T17:30:00Z') });
    await msg('m8', { conversationId: conv.D, text: 'wie lange dauert der Versand', intent: 'out_of_scope', confidence: 0.1, language: 'de', outcome: 'other_language', reason: 'language:de', modelVersion: B, at: at('2026-03-10T17:31:00Z') });
    // F: answered, but a ticket of the conversation was open then → with a person.
    await msg('m9', { conversationId: conv.F, text: 'any news on my order?', intent: 'order_status', confidence: 0.8, modelVersion: B, at: at('2026-03-11T03:00:00Z') });
    // Outside the period (local 9 March 23:30 and 13 March 00:30).
    await msg('before', { conversationId: conv.X, text: 'too early', intent: 'out_of_scope', confidence: 0.1, outcome: 'not_understood', at: at('2026-03-09T15:30:00Z') });
    await msg('after', { conversationId: conv.X, text: 'too late', intent: 'out_of_scope', confidence: 0.1, outcome: 'not_understood', at: at('2026-03-12T16:30:00Z') });
    const ticket = (conversationId: string, createdAt: string, resolvedAt: string | null) => ({
      customerId, channel: 'directline', conversationId, queueId: 'general', category: 'general', priority: 'normal' as const, priorityScore: 50, subject: 'fixture', status: resolvedAt ? ('resolved' as const) : ('assigned' as const),
      createdAt: new Date(createdAt), resolvedAt: resolvedAt ? new Date(resolvedAt) : null, firstResponseDueAt: new Date(createdAt), resolutionDueAt: new Date(createdAt),
    });
    [ticketB] = await db.insert(tickets).values(ticket(conv.B, '2026-03-10T02:01:30Z', null)).returning({ id: tickets.id, number: tickets.number });
    // F's ticket was opened before its message; A's conversation had a ticket resolved long before (not counted).
    await db.insert(tickets).values([ticket(conv.F, '2026-03-11T02:00:00Z', null), ticket(conv.A, '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z')]);
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('is for supervisors and admins: 401 without a session, 403 for agents', async () => {
    await expectClosedRoutes(
      [
        ['GET', '/api/dashboard/bot/overview'],
        ['GET', '/api/dashboard/bot/not-understood'],
        ['GET', `/api/dashboard/bot/conversation?channel=directline&conversationId=${conv.B}`],
        ['POST', `/api/dashboard/bot/messages/${randomUUID()}/label`],
        ['GET', '/api/dashboard/intent-models'],
      ],
      () => new ConsoleClient(app.url),
      agent,
    );
  });

  it('reports outcomes and rates per local day, their reasons, intents by volume and per day', async () => {
    const res = await supervisor.get(`/api/dashboard/bot/overview?${Q}`);
    expect(res.status).toBe(200);
    const o = res.body;
    expect(o.timeZone).toBe('Asia/Shanghai');
    expect(o.period).toEqual({ start: '2026-03-09T16:00:00.000Z', end: '2026-03-11T16:00:00.000Z' });
    expect(o.totals).toEqual({
      messages: 10, answered: 4, clarified: 1, not_understood: 3, handed_over: 1, other_language: 1, undecided: 0,
      rates: { fallback: 0.3, clarification: 0.1, handover: 0.1, otherLanguage: 0.1, answered: 0.4 },
    });
    expect(o.days.map((d: { day: string; messages: number; not_understood: number; answered: number }) => [d.day, d.messages, d.not_understood, d.answered])).toEqual([
      ['2026-03-10', 7, 3, 2],
      ['2026-03-11', 3, 0, 2],
    ]);
    expect(o.days[0].rates.fallback).toBe(0.4286);
    expect(o.reasons).toEqual({
      not_understood: [{ reason: 'low_confidence', count: 3 }],
      clarified: [{ reason: 'close_call', count: 1 }],
      handed_over: [{ reason: 'asked_for_person', count: 1 }],
      other_language: [{ reason: 'language:de', count: 1 }],
    });
    expect(o.intents.map((i: { intent: string; total: number; days: number[] }) => [i.intent, i.total, i.days])).toEqual([
      ['out_of_scope', 3, [2, 1]],
      ['order_status', 2, [1, 1]],
      ['billing', 1, [1, 0]],
      ['human_agent', 1, [1, 0]],
      ['product_question', 1, [1, 0]],
      ['shipping_info', 1, [0, 1]],
      ['thanks', 1, [1, 0]],
    ]);
    expect(o.intents[1]).toMatchObject({ name: 'Order status (where is my order)', share: 0.2 });
  });

  it('counts conversations resolved without a person (no hand-over, no ticket open then, something answered)', async () => {
    const c = (await supervisor.get(`/api/dashboard/bot/overview?${Q}`)).body.conversations;
    // A and D by the bot; B (hand-over) and F (open ticket) with a person; C and E unanswered.
    expect(c).toEqual({
      conversations: 6, resolvedByBot: 2, withPerson: 2, unanswered: 2, resolvedByBotRate: 0.3333,
      days: [
        { day: '2026-03-10', conversations: 4, resolvedByBot: 1, withPerson: 1, unanswered: 2 },
        { day: '2026-03-11', conversations: 2, resolvedByBot: 1, withPerson: 1, unanswered: 0 },
      ],
    });
  });

  it('gives a confidence histogram per model version', async () => {
    const versions = (await supervisor.get(`/api/dashboard/bot/overview?${Q}`)).body.confidence;
    expect(versions).toEqual([
      { modelVersion: 'intent-aaaaaaaaaaaa', messages: 6, mean: 0.5317, bins: [1, 1, 1, 0, 0, 0, 0, 0, 0, 3], decision: null, active: null },
      { modelVersion: 'intent-bbbbbbbbbbbb', messages: 4, mean: 0.5125, bins: [0, 1, 0, 0, 0, 1, 1, 0, 1, 0], decision: null, active: null },
    ]);
  });

  it('lists the messages the bot did not understand, newest first, by language, with their conversation and ticket, paged', async () => {
    const all = (await supervisor.get(`/api/dashboard/bot/not-understood?${Q}`)).body;
    expect(all.nextCursor).toBeNull();
    expect(all.messages.map((m: { messageId: string }) => m.messageId)).toEqual([ids.m5, ids.m3, ids.E]);
    expect(all.messages[1]).toEqual({
      messageId: ids.m3, text: 'the thingy in the app is weird', language: 'en', at: '2026-03-10T02:00:00.000Z', channel: 'directline', conversationId: conv.B,
      intent: 'out_of_scope', confidence: 0.2, reason: 'low_confidence', modelVersion: 'intent-aaaaaaaaaaaa', ticket: ticketB, label: null,
    });
    expect((await supervisor.get(`/api/dashboard/bot/not-understood?${Q}&language=zh`)).body.messages.map((m: { text: string }) => m.text)).toEqual(['这个东西怎么样啊']);
    expect((await supervisor.get(`/api/dashboard/bot/not-understood?${Q}&language=en`)).body.messages.map((m: { messageId: string }) => m.messageId)).toEqual([ids.m3, ids.E]);
    expect((await supervisor.get(`/api/dashboard/bot/not-understood?${Q}&language=de`)).status).toBe(400);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { messages: Array<{ messageId: string }>; nextCursor: string | null } = (await supervisor.get(`/api/dashboard/bot/not-understood?${Q}&limit=1${cursor ? `&cursor=${cursor}` : ''}`)).body;
      expect(page.messages).toHaveLength(1);
      seen.push(page.messages[0].messageId);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([ids.m5, ids.m3, ids.E]);
    const bad = await supervisor.get(`/api/dashboard/bot/not-understood?${Q}&cursor=bm90LWEtY3Vyc29y`);
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_cursor']);

    const transcript = (await supervisor.get(`/api/dashboard/bot/conversation?channel=directline&conversationId=${conv.B}`)).body.messages;
    expect(transcript.map((m: { id: string; direction: string }) => [m.id, m.direction])).toEqual([
      [ids.m3, 'inbound'],
      [ids.m4, 'inbound'],
    ]);
  });

  it('"label it" writes an agent correction by the supervisor, shown in the list; bad input writes nothing', async () => {
    for (const [path, body, status] of [
      [`/api/dashboard/bot/messages/${ids.m5}/label`, { intent: 'nonsense' }, 400],
      [`/api/dashboard/bot/messages/not-a-uuid/label`, { intent: 'billing' }, 400],
      [`/api/dashboard/bot/messages/${randomUUID()}/label`, { intent: 'billing' }, 404],
    ] as const) {
      expect((await supervisor.post(path, body)).status).toBe(status);
    }
    expect(await app.database.db.select().from(intentLabels)).toEqual([]);
    const res = await supervisor.post(`/api/dashboard/bot/messages/${ids.m5}/label`, { intent: 'product_question' });
    expect(res.status).toBe(200);
    expect(res.body.label).toMatchObject({ messageId: ids.m5, text: '这个东西怎么样啊', language: 'zh', intent: 'product_question', source: 'agent_correction', previousIntent: 'product_question', labelledBy: `agent:${supervisorId}` });
    const listed = (await supervisor.get(`/api/dashboard/bot/not-understood?${Q}&language=zh`)).body.messages[0];
    expect(listed.label).toMatchObject({ intent: 'product_question', source: 'agent_correction', labelledBy: `agent:${supervisorId}` });
    expect((await supervisor.get('/api/dashboard/intent-models')).body).toMatchObject({ activeVersionId: null, versions: [], labels: { agent_correction: 1 } });
  });
});
