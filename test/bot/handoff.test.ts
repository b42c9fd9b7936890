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
    // The customer's page can tell a person's reply from the bot's: the agent's name is on it.
    expect(reply.from).toMatchObject({ role: 'bot', name: 'Dana Billing' });
    expect(reply.channelData).toMatchObject({ sender: { role: 'agent', name: 'Dana Billing' } });
    expect(reply.text).toBe('Hi, I am Dana. I can see the double charge and I am refunding it now.');
    expect((await app.support.tickets.get(ticket.id))!.firstResponseAt).toBeInstanceOf(Date);

    const timeline = await app.crm.timeline.forConversation('directline', c.conversationId);
    expect(timeline.find((m) => /I am Dana/.test(m.text))).toMatchObject({ direction: 'outbound', author: `agent:${dana}` });

    await app.handoff!.handBack(ticket.id, dana);
    const back = await c.waitFor((a) => /back with the virtual assistant/.test(a.text ?? ''));
    expect(back.from).toMatchObject({ name: 'Concierge' });
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

  it('a reported billing problem connects the customer to the billing team; the ticket states the problem and is negative', async () => {
    await agent('Bill Payments', ['billing'], ['billing']);
    const c = await customer();
    const id = await c.say('I was charged twice, this is outrageous');
    expect((await c.replyTo(id)).text).toMatch(/^I am connecting you with a member of our team \(ticket #\d+\)\. .+ will be with you in a moment\.$/);
    const ticket = (await app.support.tickets.findOpenForConversation('directline', c.conversationId))!;
    expect(ticket).toMatchObject({ category: 'billing', queueId: 'billing', status: 'assigned', subject: 'I was charged twice, this is outrageous' });
    expect(ticket.summary).toMatch(/^Customer reported a problem \(billing, en\)\./);
    expect(ticket.summary).toMatch(/urgency cue "charged twice"/);
    expect(ticket.sentiment).toBeLessThan(-0.15);
  });

  it("the ticket's subject is the message that states the problem and its sentiment is the conversation's, not the request for a person's", async () => {
    const c = await customer();
    const late = await c.say('I am not happy, the delivery takes far too long');
    expect((await c.replyTo(late)).text).toMatch(/Standard delivery takes 3–5 business days/);
    const human = await c.say('I want to talk to a human');
    expect((await c.replyTo(human)).text).toMatch(/connecting you with a member of our team/);
    const ticket = (await app.support.tickets.findOpenForConversation('directline', c.conversationId))!;
    expect(ticket.subject).toBe('I am not happy, the delivery takes far too long');
    expect(ticket.category).toBe('shipping_info');
    expect(ticket.sentiment).toBeLessThan(-0.15);
  });

  it('a ticket opened by "I want to talk to a human" takes its subject and mood from the problem the customer states next', async () => {
    const c = await customer();
    const human = await c.say('I want to talk to a human');
    expect((await c.replyTo(human)).text).toMatch(/connecting you with a member of our team/);
    const opened = (await app.support.tickets.findOpenForConversation('directline', c.conversationId))!;
    expect(opened).toMatchObject({ subject: 'I want to talk to a human', assignedAgentId: null });
    // Nobody serves the general queue here: the ticket waits, and the bot's answer comes after the
    // message is on the ticket.
    const problem = await c.say('I was charged twice, this is outrageous');
    expect((await c.replyTo(problem)).text).toMatch(/added that to your ticket|in the queue|billing/);
    const now = (await app.support.tickets.get(opened.id))!;
    expect(now.subject).toBe('I was charged twice, this is outrageous');
    expect(now.sentiment).toBeLessThan(-0.15);
    // A later, calmer message keeps the problem as the subject.
    const calm = await c.say('are you still there?');
    await c.replyTo(calm);
    expect((await app.support.tickets.get(opened.id))!.subject).toBe('I was charged twice, this is outrageous');
  });

  it('while waiting in the queue the bot still answers self-service questions; the rest goes to the ticket, and the agent gets every message', async () => {
    const c = await customer();
    // Nobody has the shipping skill: the ticket waits.
    const ask = await c.say('I want to talk to someone about shipping to Norway');
    expect((await c.replyTo(ask)).text).toMatch(/You are number \d+ in the queue/);
    const ticket = (await app.support.tickets.findOpenForConversation('directline', c.conversationId))!;
    const position = await app.support.tickets.positionInQueue(ticket);

    const shipping = await c.say('how long does shipping take to Germany?');
    expect((await c.replyTo(shipping)).text).toMatch(/^Standard delivery takes 3–5 business days/);
    const recommend = await c.say('what would you recommend?');
    expect((await c.replyTo(recommend)).text).not.toMatch(/added that to your ticket/);
    const order = await c.say('where is my order A10042?');
    expect((await c.replyTo(order)).text).not.toMatch(/added that to your ticket/);
    const waiting = await c.say('are you still there? it is urgent');
    expect((await c.replyTo(waiting)).text).toMatch(/^Thanks, I have added that to your ticket\. You are number \d+ in the queue/);

    // Still in the queue, in the same place; everything the customer wrote is on the ticket.
    const now = (await app.support.tickets.get(ticket.id))!;
    expect(now).toMatchObject({ status: 'new', assignedAgentId: null });
    expect(await app.support.tickets.positionInQueue(now)).toBe(position);
    expect((await app.support.tickets.events(ticket.id)).filter((e) => e.type === 'customer_message')).toHaveLength(5);
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
