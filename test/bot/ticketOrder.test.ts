import { startInProcessApp } from '../support/apps';
import { DirectLineClient } from '../support/directLineClient';
import { ConsoleClient, makeUser, PASSWORD } from '../api/consoleClient';
import type { Application } from '../../bot/application';

type App = Application & { url: string };

/** Ticket events under concurrency: a refused agent reply is never delivered, a delivered one is always in the ticket. */
describe('agent replies racing a resolve', () => {
  let app: App;

  beforeAll(async () => {
    app = await startInProcessApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function handedOver(agent: ConsoleClient, customerText: string): Promise<{ customer: DirectLineClient; ticketId: string }> {
    const customer = new DirectLineClient(app.url);
    await customer.session();
    await customer.start();
    const ask = await customer.say(customerText);
    const answered = (await customer.poll()).activities.find((a) => a.replyToId === ask);
    expect(answered?.text).toMatch(/will be with you/);
    const mine = (await agent.get('/api/tickets?assigned=me&open=true')).body.tickets as Array<{ id: string; conversationId: string }>;
    const ticket = mine.find((t) => t.conversationId === customer.conversationId);
    if (!ticket) throw new Error('the ticket was not assigned to the agent');
    return { customer, ticketId: ticket.id };
  }

  it('sent together with the resolve, each reply is either refused and not delivered, or delivered and in the ticket', async () => {
    const bea = await makeUser(app, 'agent', ['billing'], 'Bea Billing');
    const agent = await new ConsoleClient(app.url).signIn(bea.email, PASSWORD);
    await agent.put('/api/agents/me/status', { status: 'online' });
    const outcomes = { delivered: 0, refused: 0 };
    for (let round = 0; round < 8; round++) {
      const { customer, ticketId } = await handedOver(agent, `I want to talk to a person about a double charge (${round})`);
      const text = `Refund on its way, round ${round}.`;
      const [reply, resolve] = await Promise.all([agent.post(`/api/tickets/${ticketId}/reply`, { text }), agent.post(`/api/tickets/${ticketId}/resolve`)]);
      expect(resolve.status).toBe(200);
      expect([200, 409]).toContain(reply.status);
      const shown = (await customer.poll()).activities.filter((a) => a.text === text);
      const inTicket = ((await agent.get(`/api/tickets/${ticketId}/messages`)).body.messages as Array<{ kind: string; text: string }>).filter((m) => m.kind === 'agent' && m.text === text);
      if (reply.status === 200) {
        outcomes.delivered += 1;
        expect(shown).toHaveLength(1);
        expect(inTicket).toHaveLength(1);
      } else {
        outcomes.refused += 1;
        expect(reply.body.error.code).toMatch(/ticket_closed|invalid_transition/);
        expect(shown).toHaveLength(0);
        expect(inTicket).toHaveLength(0);
      }
    }
    expect(outcomes.delivered + outcomes.refused).toBe(8);
  });
});
