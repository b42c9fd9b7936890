import { randomUUID } from 'node:crypto';
import { users } from '../../crm/schema';
import { startInProcessApp } from '../support/apps';
import { DirectLineClient } from '../support/directLineClient';
import type { Application } from '../../bot/application';

/** Live handoff on the website: ticket opened by the bot, bot quiet while an agent owns it, replies delivered. */
describe('handoff to a person (website)', () => {
  let app: Application & { url: string };

  beforeAll(async () => {
    app = await startInProcessApp();
  });
  afterAll(() => app.stop());

  async function agent(name: string, skills: string[], queues: string[], status: 'online' | 'offline' = 'online') {
    const [user] = await app.database.db
      .insert(users)
      .values({ email: `${randomUUID()}@agents.test`, displayName: name, role: 'agent', passwordHash: 'x' })
      .returning();
    await app.support.agents.upsert({ userId: user.id, skills, languages: ['en'], maxConcurrent: 3, queues });
    if (status === 'online') await app.support.agents.setStatus(user.id, 'online');
    return user.id;
  }

  const customer = () => DirectLineClient.open(app.url);

  it('routes "a person, charged twice" to the online billing agent, keeps the bot quiet, delivers the agent reply, hands back', async () => {
    const dana = await agent('Dana Billing', ['billing', 'subscription'], ['billing']);
    const c = await customer();
    const askId = await c.say('I want to talk to a person, I was charged twice');
    const connecting = await c.replyTo(askId);
    expect(connecting.text).toMatch(/^I am connecting you with a member of our team \(ticket #\d+\)\. Dana Billing will be with you in a moment\.$/);

    const ticket = (await app.support.tickets.findOpenForConversation('directline', c.conversationId))!;
    expect(ticket).toMatchObject({ category: 'billing', queueId: 'billing', status: 'assigned', assignedAgentId: dana });
    expect(['high', 'urgent']).toContain(ticket.priority);
    expect(ticket.routing.reason).toMatch(/skill billing/);
    expect(ticket.summary).toMatch(/asked for a person/);

    // While the agent owns the conversation, the customer's messages go to the ticket and the bot says nothing.
    const quietId = await c.say('hello? are you there?');
    const events = await app.support.tickets.events(ticket.id);
    expect(events.filter((e) => e.type === 'customer_message')).toHaveLength(2);
    const { activities } = await c.poll();
    expect(activities.filter((a) => a.replyToId === quietId)).toEqual([]);

    await app.handoff!.agentReply(ticket.id, { id: dana, role: 'agent' }, 'Hi, I am Dana. I can see the double charge and I am refunding it now.');
    const reply = await c.waitFor((a) => /I am Dana/.test(a.text ?? ''));
    expect(reply.replyToId).toBeUndefined();
    expect((await app.support.tickets.get(ticket.id))!.firstResponseAt).toBeInstanceOf(Date);

    const timeline = await app.crm.timeline.forConversation('directline', c.conversationId);
    expect(timeline.find((m) => /I am Dana/.test(m.text))).toMatchObject({ direction: 'outbound', author: `agent:${dana}` });

    await app.handoff!.handBack(ticket.id, dana);
    await c.waitFor((a) => /back with the virtual assistant/.test(a.text ?? ''));
    expect((await app.support.tickets.get(ticket.id))!.status).toBe('resolved');
    expect((await app.support.agents.require(dana)).activeTickets).toBe(0);
    const thanksId = await c.say('thanks');
    expect((await c.replyTo(thanksId)).text).toMatch(/welcome/);
  });

  it('tells a waiting customer their place in the queue and assigns them when an agent comes online', async () => {
    const later = await agent('Pat Privacy', ['privacy_request'], ['accounts'], 'offline');
    const c = await customer();
    const id = await c.say('I want to talk to someone about deleting my personal data');
    expect((await c.replyTo(id)).text).toMatch(/You are number \d+ in the queue/);
    const again = await c.say('still waiting');
    expect((await c.replyTo(again)).text).toMatch(/added that to your ticket\. You are number \d+ in the queue/);
    await app.support.agents.setStatus(later, 'online');
    const ticket = (await app.support.tickets.findOpenForConversation('directline', c.conversationId))!;
    expect(ticket).toMatchObject({ category: 'privacy_request', assignedAgentId: later, status: 'assigned' });
  });

  it('refuses an agent reply to a ticket that is not theirs', async () => {
    const owner = await agent('Owner Tech', ['technical_issue'], ['technical']);
    const other = await agent('Other Tech', ['technical_issue'], ['technical'], 'offline');
    const c = await customer();
    await c.say('I need a human, the app keeps crashing');
    const ticket = (await app.support.tickets.findOpenForConversation('directline', c.conversationId))!;
    expect(ticket.assignedAgentId).toBe(owner);
    await expect(app.handoff!.agentReply(ticket.id, { id: other, role: 'agent' }, 'hi')).rejects.toMatchObject({ status: 403 });
  });
});
