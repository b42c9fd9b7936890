import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { startInProcessApp } from '../support/apps';
import type { Application } from '../../bot/application';
import { intentLabels, ticketEvents } from '../../crm/schema';
import { BUILT_IN_INTENTS } from '../../nlp';
import { ConsoleClient, makeUser, PASSWORD } from '../api/consoleClient';
import { recordBotReply, recordUnderstood } from './fixtures';

/**
 * Learning from agents over the console API (the app on the run's PostgreSQL): the intent list, what
 * the bot understood of a ticket's messages, "the bot misunderstood this" and a ticket's corrected
 * category, both written as intent_labels rows; validation (400), sign-in (401), the console's
 * ticket access rules (403, 404), and a rejected request writes nothing.
 */
describe('console: corrections teach the bot', () => {
  let app: Application & { url: string };
  let bea: ConsoleClient;
  let oscar: ConsoleClient;
  let sam: ConsoleClient;
  let beaId: string;
  let ticket: { id: string; number: number; category: string; conversationId: string };
  let billingMessage: string;
  let laterMessage: string;
  let botReply: string;
  let otherConversationMessage: string;
  const anon = () => new ConsoleClient(app.url);

  beforeAll(async () => {
    app = await startInProcessApp();
    const bea0 = await makeUser(app, 'agent', ['billing'], 'Bea Billing');
    const oscar0 = await makeUser(app, 'agent', ['orders'], 'Oscar Orders');
    const sam0 = await makeUser(app, 'supervisor', [], 'Sam Supervisor');
    beaId = bea0.id;
    bea = await new ConsoleClient(app.url).signIn(bea0.email, PASSWORD);
    oscar = await new ConsoleClient(app.url).signIn(oscar0.email, PASSWORD);
    sam = await new ConsoleClient(app.url).signIn(sam0.email, PASSWORD);

    // A chat the bot read as billing, then a hand-over: the ticket's category came from the first message.
    const customer = await app.crm.customers.resolve({ kind: 'directline', externalId: `dl_${randomUUID()}`, displayName: 'Casey Customer' });
    const conversationId = `conv-${randomUUID()}`;
    const t0 = Date.now() - 60_000;
    billingMessage = await recordUnderstood(app.database.db, { customerId: customer.id, conversationId, text: 'why is there a second charge for my subscription box', intent: 'billing', confidence: 0.71, at: new Date(t0) });
    botReply = await recordBotReply(app.database.db, { customerId: customer.id, conversationId, text: 'Let me connect you to our billing team.', at: new Date(t0 + 1000) });
    const opened = await app.support.tickets.open({
      customerId: customer.id, channel: 'directline', conversationId, intent: 'billing', language: 'en', sentiment: -0.3, recentMessages: ['why is there a second charge for my subscription box'], entities: [], trigger: 'asked_for_person',
    });
    ticket = opened.ticket;
    laterMessage = await recordUnderstood(app.database.db, { customerId: customer.id, conversationId, text: 'hello?? anyone there', intent: 'greeting', confidence: 0.55, outcome: null });
    otherConversationMessage = await recordUnderstood(app.database.db, { customerId: customer.id, conversationId: `conv-${randomUUID()}`, text: 'a message of another chat', intent: 'out_of_scope', confidence: 0.2, outcome: 'not_understood' });
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });

  const labelRows = () => app.database.db.select().from(intentLabels);
  const labelPath = (messageId: string, ticketId = ticket.id) => `/api/tickets/${ticketId}/messages/${messageId}/label`;

  it('lists every built-in intent with a readable name, and the ticket categories of the routing rules', async () => {
    const res = await bea.get('/api/intents');
    expect(res.status).toBe(200);
    expect(res.body.intents.map((i: { id: string }) => i.id)).toEqual([...BUILT_IN_INTENTS]);
    expect(res.body.intents.find((i: { id: string }) => i.id === 'order_status').name).toBe('Order status (where is my order)');
    const cats = (await bea.get('/api/ticket-categories')).body.categories as Array<{ id: string; queueId: string }>;
    expect(cats).toContainEqual({ id: 'subscription', name: 'Subscription', queueId: 'billing' });
    expect(cats).toContainEqual({ id: 'general', name: 'General', queueId: 'general' });
    expect((await anon().get('/api/intents')).status).toBe(401);
  });

  it("shows what the bot understood of each customer message of the ticket's conversation", async () => {
    const res = await bea.get(`/api/tickets/${ticket.id}/understandings`);
    expect(res.status).toBe(200);
    expect(res.body.messages).toEqual([
      { messageId: billingMessage, understanding: { intent: 'billing', confidence: 0.71, language: 'en', outcome: 'answered', reason: null, modelVersion: 'intent-test-model' }, label: null },
      { messageId: laterMessage, understanding: expect.objectContaining({ intent: 'greeting', outcome: null }), label: null },
    ]);
    expect((await oscar.get(`/api/tickets/${ticket.id}/understandings`)).status).toBe(403);
  });

  it('refuses bad corrections before writing anything: 401, 400 (intent, body, a bot message), 404 (another chat, unknown ticket), 403 (another queue)', async () => {
    const cases: Array<[ConsoleClient, string, unknown, number, string]> = [
      [anon(), labelPath(laterMessage), { intent: 'billing' }, 401, 'not_signed_in'],
      [bea, labelPath(laterMessage), { intent: 'refund_please' }, 400, 'invalid_request'],
      [bea, labelPath(laterMessage), { intent: 'billing', extra: 1 }, 400, 'invalid_request'],
      [bea, labelPath(laterMessage), {}, 400, 'invalid_request'],
      [bea, labelPath('not-a-uuid'), { intent: 'billing' }, 400, 'invalid_request'],
      [bea, labelPath(botReply), { intent: 'billing' }, 400, 'not_a_customer_message'],
      [bea, labelPath(otherConversationMessage), { intent: 'billing' }, 404, 'unknown_message'],
      [bea, labelPath(randomUUID()), { intent: 'billing' }, 404, 'unknown_message'],
      [bea, labelPath(laterMessage, randomUUID()), { intent: 'billing' }, 404, 'not_found'],
      [oscar, labelPath(laterMessage), { intent: 'billing' }, 403, 'not_your_queue'],
      [bea, `/api/tickets/${ticket.id}/category`, { category: 'not_a_category' }, 400, 'unknown_category'],
      [bea, `/api/tickets/${ticket.id}/category`, { category: 12 }, 400, 'invalid_request'],
      [oscar, `/api/tickets/${ticket.id}/category`, { category: 'subscription' }, 403, 'not_your_queue'],
    ];
    for (const [who, path, body, status, code] of cases) {
      const res = await who.post(path, body);
      expect({ path, body, status: res.status, code: res.body?.error?.code }).toEqual({ path, body, status, code });
    }
    expect(await labelRows()).toEqual([]);
    expect((await app.support.tickets.get(ticket.id))!.category).toBe('billing');
  });

  it('an agent marks a message as misunderstood: an agent_correction label with who and what the bot had understood; again replaces it', async () => {
    const res = await bea.post(labelPath(laterMessage), { intent: 'human_agent' });
    expect(res.status).toBe(200);
    expect(res.body.label).toMatchObject({
      messageId: laterMessage, ticketId: ticket.id, text: 'hello?? anyone there', language: 'en', intent: 'human_agent', source: 'agent_correction', previousIntent: 'greeting', labelledBy: `agent:${beaId}`,
    });
    const again = await sam.post(labelPath(laterMessage), { intent: 'complaint' });
    expect(again.status).toBe(200);
    const rows = await labelRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ messageId: laterMessage, intent: 'complaint', source: 'agent_correction', previousIntent: 'greeting', labelledBy: expect.stringMatching(/^agent:/) });
    expect(rows[0].labelledBy).not.toBe(`agent:${beaId}`);
    const shown = (await bea.get(`/api/tickets/${ticket.id}/understandings`)).body.messages[1];
    expect(shown.label).toMatchObject({ intent: 'complaint', source: 'agent_correction' });
  });

  it("correcting the ticket's category changes it (event, same queue) and labels the message it came from with the new category", async () => {
    const res = await bea.post(`/api/tickets/${ticket.id}/category`, { category: 'subscription' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ changed: true, ticket: { id: ticket.id, category: 'subscription', queueId: 'billing' } });
    // The message the bot understood as billing (the old category), not the later greeting.
    expect(res.body.label).toMatchObject({ messageId: billingMessage, ticketId: ticket.id, intent: 'subscription', source: 'ticket_category', previousIntent: 'billing', labelledBy: `agent:${beaId}` });
    const events = await app.database.db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'category_changed')));
    expect(events.map((e) => [e.actor, e.data])).toEqual([[beaId, { from: 'billing', to: 'subscription' }]]);
    // `general` is no intent: the category changes, nothing is labelled.
    const general = await sam.post(`/api/tickets/${ticket.id}/category`, { category: 'general' });
    expect(general.body).toMatchObject({ changed: true, label: null, ticket: { category: 'general' } });
    expect((await labelRows()).map((r) => [r.messageId, r.source, r.intent]).sort()).toEqual(
      [
        [billingMessage, 'ticket_category', 'subscription'],
        [laterMessage, 'agent_correction', 'complaint'],
      ].sort(),
    );
    // The routes are in the OpenAPI document.
    const doc = (await bea.get('/api/docs')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/intents', '/api/tickets/{id}/understandings', '/api/tickets/{id}/messages/{messageId}/label', '/api/tickets/{id}/category']));
  });
});
