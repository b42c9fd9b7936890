import { startInProcessApp } from '../support/apps';
import { createScratchDatabase } from '../support/database';
import { DirectLineClient } from '../support/directLineClient';
import type { Application } from '../../bot/application';
import type { LiveEvent } from '../../crm/support';
import { ConsoleClient, makeUser, PASSWORD } from './consoleClient';

/** A console's Server-Sent Events stream, collected; waitFor resolves on an event, never on a timer. */
class EventStream {
  readonly events: Array<LiveEvent | { type: 'ready' | 'signed-out' }> = [];
  private waiters: Array<{ test: (e: any) => boolean; resolve: (e: any) => void }> = [];
  private abort = new AbortController();
  ended: Promise<void> = Promise.resolve();

  static async open(client: ConsoleClient): Promise<EventStream> {
    const s = new EventStream();
    const res = await fetch(`${client.baseUrl}/api/events`, { headers: { cookie: client.cookie, accept: 'text/event-stream' }, signal: s.abort.signal });
    if (res.status !== 200) throw new Error(`events: HTTP ${res.status}`);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    s.ended = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let i: number;
          while ((i = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            const name = /^event: (.+)$/m.exec(block)?.[1];
            const data = /^data: (.+)$/m.exec(block)?.[1];
            if (!data) continue;
            s.accept(name ? { type: name, ...JSON.parse(data) } : JSON.parse(data));
          }
        }
      } catch {
        /* aborted */
      }
    })();
    await s.waitFor((e) => e.type === 'ready');
    return s;
  }

  private accept(e: any) {
    this.events.push(e);
    this.waiters = this.waiters.filter((w) => (w.test(e) ? (w.resolve(e), false) : true));
  }

  waitFor<T = any>(test: (e: any) => boolean): Promise<T> {
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen as T);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  close() {
    this.abort.abort();
  }
}

describe('console live events and replies reaching the customer', () => {
  let app: Application & { url: string };
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;

  beforeAll(async () => {
    scratch = await createScratchDatabase('console_live');
    app = await startInProcessApp({ DATABASE_URL: scratch.url });
  });
  afterAll(async () => {
    await app?.stop();
    await scratch?.drop();
  });

  it('streams a handoff to the billing agent only, delivers the reply to Web Chat, and the customer answer back to the agent', async () => {
    const bea = await makeUser(app, 'agent', ['billing'], 'Bea Billing');
    const oscar = await makeUser(app, 'agent', ['orders'], 'Oscar Orders');
    const sam = await makeUser(app, 'supervisor', [], 'Sam Supervisor');
    const billing = await new ConsoleClient(app.url).signIn(bea.email, PASSWORD);
    const orders = await new ConsoleClient(app.url).signIn(oscar.email, PASSWORD);
    const supervisor = await new ConsoleClient(app.url).signIn(sam.email, PASSWORD);
    const online = await billing.put('/api/agents/me/status', { status: 'online' });
    expect(online.body.agent).toMatchObject({ status: 'online', queues: ['billing'] });
    const [beaStream, oscarStream, samStream] = await Promise.all([EventStream.open(billing), EventStream.open(orders), EventStream.open(supervisor)]);

    const customer = new DirectLineClient(app.url);
    await customer.session();
    await customer.start();
    await customer.connect();
    await customer.waitFor((a) => a.from.role === 'bot');
    const askId = await customer.say('I want to talk to a person, I was charged twice');
    expect((await customer.replyTo(askId)).text).toMatch(/Bea Billing will be with you/);

    const assigned = await beaStream.waitFor<LiveEvent>((e) => e.type === 'ticket.changed' && e.status === 'assigned');
    expect(assigned).toMatchObject({ queueId: 'billing', assignedAgentId: bea.id });
    await samStream.waitFor((e) => e.type === 'ticket.changed' && e.ticketId === (assigned as { ticketId: string }).ticketId && e.status === 'assigned');
    const ticketId = (assigned as { ticketId: string }).ticketId;

    const inbox = await billing.get('/api/tickets?assigned=me&open=true');
    expect(inbox.body.tickets).toEqual([expect.objectContaining({ id: ticketId, category: 'billing', status: 'assigned', assignedAgentName: 'Bea Billing' })]);
    expect(['high', 'urgent']).toContain(inbox.body.tickets[0].priority);

    const reply = await billing.post(`/api/tickets/${ticketId}/reply`, { text: 'Hi, this is Bea. I can see the double charge; refunding it now.' });
    expect(reply.status).toBe(200);
    expect(reply.body.ticket.firstResponseAt).toEqual(expect.any(String));
    await customer.waitFor((a) => a.text === 'Hi, this is Bea. I can see the double charge; refunding it now.');
    await beaStream.waitFor((e) => e.type === 'ticket.message' && e.direction === 'outbound' && e.ticketId === ticketId);

    await customer.say('Thank you! It was order 10042.');
    const inbound = await beaStream.waitFor<LiveEvent>((e) => e.type === 'ticket.message' && e.direction === 'inbound' && /order 10042/.test(e.text));
    expect(inbound).toMatchObject({ ticketId, author: 'customer' });

    const messages = (await billing.get(`/api/tickets/${ticketId}/messages`)).body.messages;
    expect(messages.map((m: { kind: string; text: string }) => [m.kind, m.text])).toEqual(
      expect.arrayContaining([
        ['customer', 'I want to talk to a person, I was charged twice'],
        ['agent', 'Hi, this is Bea. I can see the double charge; refunding it now.'],
        ['customer', 'Thank you! It was order 10042.'],
      ]),
    );
    expect(messages.find((m: { kind: string }) => m.kind === 'agent')).toMatchObject({ author: bea.id, authorName: 'Bea Billing' });

    const panel = await billing.get(`/api/customers/${inbox.body.tickets[0].customerId}`);
    expect(panel.status).toBe(200);
    expect(panel.body.tickets.map((t: { id: string }) => t.id)).toEqual([ticketId]);
    expect(panel.body.sentimentTrend.length).toBeGreaterThanOrEqual(2);
    expect(panel.body.messageCount).toBeGreaterThanOrEqual(4);

    const resolved = await billing.post(`/api/tickets/${ticketId}/resolve`);
    expect(resolved.body.ticket.status).toBe('resolved');
    await beaStream.waitFor((e) => e.type === 'ticket.changed' && e.ticketId === ticketId && e.status === 'resolved');
    expect((await billing.post(`/api/tickets/${ticketId}/reply`, { text: 'one more thing' })).status).toBe(409);

    // The orders agent's stream works (it carries a colleague's status change) but showed nothing of the billing ticket.
    await billing.put('/api/agents/me/status', { status: 'away' });
    await oscarStream.waitFor((e) => e.type === 'agent.changed' && e.userId === bea.id && e.status === 'away');
    expect(oscarStream.events.filter((e) => 'ticketId' in e && e.ticketId === ticketId)).toEqual([]);
    expect(beaStream.events.filter((e) => 'ticketId' in e && e.ticketId === ticketId).length).toBeGreaterThanOrEqual(4);

    // Signing out ends the open stream at once, and access to a new one.
    await orders.post('/api/auth/sign-out');
    await oscarStream.waitFor((e) => e.type === 'signed-out');
    await oscarStream.ended;
    const again = await fetch(`${app.url}/api/events`, { headers: { cookie: orders.cookie } });
    expect(again.status).toBe(401);
    for (const s of [beaStream, oscarStream, samStream]) s.close();
    customer.close();
  });

  it('hands a conversation back to the bot from the console', async () => {
    const gia = await makeUser(app, 'agent', ['technical'], 'Gia Tech');
    const console_ = await new ConsoleClient(app.url).signIn(gia.email, PASSWORD);
    await console_.put('/api/agents/me/status', { status: 'online' });
    const customer = new DirectLineClient(app.url);
    await customer.session();
    await customer.start();
    await customer.connect();
    await customer.waitFor((a) => a.from.role === 'bot');
    const ask = await customer.say('I need a human, the app keeps crashing');
    expect((await customer.replyTo(ask)).text).toMatch(/Gia Tech/);
    const [ticket] = (await console_.get('/api/tickets?assigned=me&open=true')).body.tickets;
    expect(ticket).toMatchObject({ queueId: 'technical', status: 'assigned' });
    const back = await console_.post(`/api/tickets/${ticket.id}/handback`);
    expect(back.status).toBe(200);
    expect(back.body.ticket.status).toBe('resolved');
    await customer.waitFor((a) => /back with the virtual assistant/.test(a.text ?? ''));
    const events = (await console_.get(`/api/tickets/${ticket.id}`)).body.events.map((e: { type: string }) => e.type);
    expect(events).toEqual(expect.arrayContaining(['created', 'assigned', 'released', 'resolved']));
    expect((await console_.get('/api/me')).body.agent.activeTickets).toBe(0);
    customer.close();
  });

  it('lets an agent set their own status, which the console streams to colleagues', async () => {
    const a = await makeUser(app, 'agent', ['general']);
    const b = await makeUser(app, 'agent', ['orders']);
    const ca = await new ConsoleClient(app.url).signIn(a.email, PASSWORD);
    const cb = await new ConsoleClient(app.url).signIn(b.email, PASSWORD);
    const stream = await EventStream.open(cb);
    for (const status of ['online', 'away', 'offline'] as const) {
      const res = await ca.put('/api/agents/me/status', { status });
      expect(res.body.agent.status).toBe(status);
      await stream.waitFor((e) => e.type === 'agent.changed' && e.userId === a.id && e.status === status);
    }
    expect((await cb.get(`/api/agents/${a.id}`)).body.agent.status).toBe('offline');
    stream.close();
  });
});
