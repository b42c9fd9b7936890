import { sql } from 'drizzle-orm';
import { startInProcessApp } from '../support/apps';
import { DirectLineClient } from '../support/directLineClient';
import type { Application } from '../../bot/application';
import { ConsoleClient, makeUser, PASSWORD } from './consoleClient';

/**
 * An agent's reply PostgreSQL cannot store (NUL, a lone surrogate) used to be accepted with 200 while the
 * delivery failed and the customer got "Sorry, something went wrong": now it is refused with 400 before
 * anything is written, and the agent can send it again without the character.
 */
describe('agent replies with characters the database cannot store', () => {
  let app: Application & { url: string };

  beforeAll(async () => {
    app = await startInProcessApp();
  });
  afterAll(() => app?.stop());

  const count = async (table: string) => ((await app.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as { rows: Array<{ n: number }> }).rows[0].n;
  const snapshot = async () => ({ messages: await count('messages'), events: await count('ticket_events'), activities: await count('directline_activities'), outbox: await count('outbox') });

  it('is 400 invalid_characters naming the text, writes nothing, and the customer hears nothing; a clean reply then arrives', async () => {
    const bea = await makeUser(app, 'agent', ['billing'], 'Bea Billing');
    const agent = await new ConsoleClient(app.url).signIn(bea.email, PASSWORD);
    await agent.put('/api/agents/me/status', { status: 'online' });
    const customer = await DirectLineClient.open(app.url);
    try {
      const ask = await customer.say('I want to talk to a person, I was charged twice');
      await customer.replyTo(ask);
      const ticket = (await app.support.tickets.findOpenForConversation('directline', customer.conversationId))!;
      expect(ticket.assignedAgentId).toBe(bea.id);
      const ticketBefore = await app.support.tickets.get(ticket.id);
      const receivedBefore = customer.received.length;
      const before = await snapshot();

      for (const [text, problem] of [['Refunded\u0000 now', /NUL character/], ['Refunded \ud83d now', /lone UTF-16 surrogate/]] as const) {
        const res = await agent.post(`/api/tickets/${ticket.id}/reply`, { text });
        expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'invalid_characters' });
        expect(res.body.error.message).toMatch(/\btext\b/);
        expect(res.body.error.message).toMatch(problem);
        // The same refusal where the reply is made, for callers that do not come through HTTP.
        await expect(app.handoff!.agentReply(ticket.id, { id: bea.id, role: 'agent' }, text)).rejects.toMatchObject({ status: 400, code: 'invalid_characters' });
      }
      expect(await snapshot()).toEqual(before);
      expect(await app.support.tickets.get(ticket.id)).toEqual(ticketBefore);

      const ok = await agent.post(`/api/tickets/${ticket.id}/reply`, { text: 'Refunded now 😀' });
      expect(ok.status).toBe(200);
      const reply = await customer.waitFor((a) => a.text === 'Refunded now 😀');
      // Plain text for every Direct Line client: what the agent typed is never rendered as markdown.
      expect(reply.textFormat).toBe('plain');
      // Nothing else reached the customer in between: no apology for a failed delivery.
      expect(customer.received.slice(receivedBefore)).toEqual([reply]);
    } finally {
      customer.close();
    }
  });
});
