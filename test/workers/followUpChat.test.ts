import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { deliveries, ticketEvents, users } from '../../crm/schema';
import { startInProcessApp } from '../support/apps';
import { DirectLineClient, type DlActivity } from '../support/directLineClient';
import type { Application } from '../../bot/application';

/**
 * The follow-ups end to end in one process (role `all`: relay, follow-up worker, delivery consumer)
 * with delays of a second: the survey card reaches the Web Chat conversation, its answers (good,
 * repeated, bad, foreign) get polite replies, "thanks" does not reopen but a new question does, and a
 * ticket left waiting on the customer is reminded, then closed.
 */
describe('follow-ups in the chat', () => {
  let app: Application & { url: string };

  beforeAll(async () => {
    app = await startInProcessApp({ CSAT_SURVEY_DELAY_SECONDS: '1', PENDING_REMINDER_SECONDS: '1', PENDING_AUTO_CLOSE_SECONDS: '1', REOPEN_WINDOW_SECONDS: '600' }, 'all');
  });
  afterAll(() => app.stop());

  async function agent(name: string): Promise<string> {
    const [user] = await app.database.db.insert(users).values({ email: `${randomUUID()}@agents.test`, displayName: name, role: 'agent', passwordHash: 'x' }).returning();
    await app.support.agents.upsert({ userId: user.id, skills: ['billing'], languages: ['en'], maxConcurrent: 3, queues: ['billing'] });
    await app.support.agents.setStatus(user.id, 'online');
    return user.id;
  }

  async function handedOver(agentName: string) {
    const agentId = await agent(agentName);
    const c = await DirectLineClient.open(app.url);
    await c.replyTo(await c.say('I want to talk to a person, I was charged twice'));
    const ticket = (await app.support.tickets.findOpenForConversation('directline', c.conversationId))!;
    if (ticket.assignedAgentId !== agentId) await app.support.tickets.reassign(ticket.id, agentId, 'test');
    return { c, agentId, ticket };
  }

  const isCard = (a: DlActivity) => Array.isArray(a.attachments) && (a.attachments as Array<{ contentType: string }>).some((x) => x.contentType === 'application/vnd.microsoft.card.adaptive');
  const cardData = (a: DlActivity) => ((a.attachments as Array<{ content: { actions: Array<{ data: Record<string, unknown> }> } }>)[0].content.actions[0].data);
  const textOf = async (c: DirectLineClient, id: string) => (await c.replyTo(id)).text;

  it('resolve → the survey card arrives after the delay; the rating is recorded once; repeated, bad and foreign answers get a polite reply', async () => {
    const { c, agentId, ticket } = await handedOver('Rita Rating');
    await app.handoff!.agentReply(ticket.id, { id: agentId, role: 'agent' }, 'Refunded the second charge.');
    await app.handoff!.resolve(ticket.id, agentId);
    const resolvedSeen = Date.now();
    const card = await c.waitFor(isCard);
    expect(Date.now() - resolvedSeen).toBeGreaterThanOrEqual(500);
    const content = (card.attachments as Array<{ content: Record<string, any> }>)[0].content;
    expect(content.body.map((b: { type: string }) => b.type)).toEqual(['TextBlock', 'Input.ChoiceSet', 'Input.Text']);
    expect(content.body[1].choices.map((ch: { value: string }) => ch.value)).toEqual(['1', '2', '3', '4', '5']);
    expect(content.body[1]).toMatchObject({ label: `How would you rate the help you got with ticket #${ticket.number}?`, isRequired: true, style: 'expanded' });
    expect(cardData(card)).toEqual({ type: 'concierge.csat', ticketId: ticket.id, resolution: 1, deliveryId: `csat-${ticket.id}-1` });
    expect(card.replyToId).toBeUndefined();

    const [requested] = await app.database.db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'csat_requested')));
    expect(requested.data).toMatchObject({ agentId });
    const [delivered] = await app.database.db.select().from(deliveries).where(eq(deliveries.id, `csat-${ticket.id}-1`));
    expect(delivered).toMatchObject({ kind: 'csat_survey', channel: 'directline', conversationId: c.conversationId, ticketId: ticket.id, activityIds: [card.id] });

    const submit = (value: Record<string, unknown>) => c.say('', { value });
    expect(await textOf(c, await submit({ ...cardData(card), rating: '9' }))).toBe('Sorry, I could not read that rating. Please choose a number from 1 to 5 and send it again.');
    expect(await textOf(c, await submit({ ...cardData(card), rating: '4', comment: 'Quick and kind' }))).toBe('Thank you for your rating!');
    expect(await textOf(c, await submit({ ...cardData(card), rating: '1' }))).toBe('Thanks, we already have your rating for this request.');
    // Another conversation's ticket, or a made-up one: nothing recorded.
    const other = await DirectLineClient.open(app.url);
    expect(await textOf(other, await other.say('', { value: { ...cardData(card), rating: '1' } }))).toBe('Sorry, that survey is not open in this conversation any more.');
    expect(await textOf(other, await other.say('', { value: { type: 'concierge.csat', ticketId: 42, rating: '1' } }))).toBe('Sorry, that survey is not open in this conversation any more.');

    const ratings = await app.database.db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'csat')));
    expect(ratings.map((r) => r.data)).toEqual([{ agentId, rating: 4, resolution: 1, comment: 'Quick and kind' }]);
    // The answers did not reopen the ticket.
    expect((await app.support.tickets.get(ticket.id))!.status).toBe('resolved');
  });

  it('a bare "5" right after the survey counts as the rating', async () => {
    const { c, agentId, ticket } = await handedOver('Rita Digit');
    await app.handoff!.resolve(ticket.id, agentId);
    await c.waitFor(isCard);
    expect(await textOf(c, await c.say('5'))).toBe('Thank you for your rating!');
    const ratings = await app.database.db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'csat')));
    expect(ratings.map((r) => r.data.rating)).toEqual([5]);
  });

  it('"thanks" after the resolve does not reopen; a new question within the window does, back to the same agent', async () => {
    const { c, agentId, ticket } = await handedOver('Rita Reopen');
    await app.handoff!.resolve(ticket.id, agentId);
    await c.waitFor((a) => /marked as resolved/.test(a.text ?? ''));
    expect(await textOf(c, await c.say('thanks'))).toBe("You're welcome! Is there anything else I can do?");
    expect((await app.support.tickets.get(ticket.id))!).toMatchObject({ status: 'resolved', reopenCount: 0 });

    expect(await textOf(c, await c.say('the refund still has not arrived on my card'))).toBe(`Welcome back: I have reopened ticket #${ticket.number}. Rita Reopen will be with you shortly.`);
    const reopened = (await app.support.tickets.get(ticket.id))!;
    expect(reopened).toMatchObject({ status: 'reopened', reopenCount: 1, assignedAgentId: agentId });
    const types = (await app.support.tickets.events(ticket.id)).map((e) => e.type);
    expect(types.slice(-4)).toEqual(['reopened', 'status_changed', 'assigned', 'customer_message']);
  });

  it('waiting on the customer: a reminder, then the ticket is closed and the customer told; the agent is freed', async () => {
    const { c, agentId, ticket } = await handedOver('Rita Pending');
    await app.handoff!.agentReply(ticket.id, { id: agentId, role: 'agent' }, 'Could you send me the last four digits of the card?', { awaitingCustomer: true });
    expect((await app.support.tickets.get(ticket.id))!.status).toBe('pending_customer');
    const reminder = await c.waitFor((a) => /Just checking in on ticket/.test(a.text ?? ''));
    expect(reminder.text).toBe(`Just checking in on ticket #${ticket.number}: we are waiting for your reply. If we do not hear from you, we will close the ticket.`);
    const closed = await c.waitFor((a) => /We have closed ticket/.test(a.text ?? ''));
    expect(closed.text).toBe(`We have closed ticket #${ticket.number} because we did not hear back. If you still need help, just write here.`);
    expect((await app.support.tickets.get(ticket.id))!.status).toBe('closed');
    expect((await app.support.agents.require(agentId)).activeTickets).toBe(0);
    const all = (await c.poll()).activities.filter((a) => /Just checking in|We have closed/.test(a.text ?? ''));
    expect(all).toHaveLength(2);
  });
});
