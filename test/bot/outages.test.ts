import net from 'node:net';
import { startInProcessApp, tempDir, testDatabaseUrl } from '../support/apps';
import { DirectLineClient } from '../support/directLineClient';
import { ConsoleClient, makeUser, PASSWORD } from '../api/consoleClient';
import { freePort, ScratchRedis } from '../workers/fixtures/helpers';
import type { Application } from '../../bot/application';

type App = Application & { url: string };

/** /readyz, bounded: the old probe waited for Redis to come back; any answer within seconds shows it no longer does. */
async function readiness(app: App): Promise<{ status: number; body: unknown; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${app.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.json(), ms: Date.now() - started };
}

/** Reads /readyz until it says ready (Redis reconnects with its own backoff; there is no event to await from here). */
async function untilReady(app: App): Promise<{ status: number; body: unknown }> {
  for (let i = 0; i < 200; i++) {
    const r = await readiness(app);
    if (r.status === 200) return r;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('never ready again');
}

/**
 * A TCP relay to PostgreSQL that the test can cut: the application's pool then finds the database
 * unreachable, as when its server or the network is down.
 */
class CuttableRelay {
  private readonly sockets = new Set<net.Socket>();
  private server?: net.Server;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

describe('Redis down: chat, sign-in and the console keep working, /readyz says what is down', () => {
  let redis: ScratchRedis;
  let app: App;

  beforeAll(async () => {
    redis = new ScratchRedis(await freePort(), tempDir('redis'));
    await redis.start();
    app = await startInProcessApp({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  it('answers the customer, opens and routes the ticket, signs an agent in, delivers the reply and resolves, all while Redis is stopped', async () => {
    const bea = await makeUser(app, 'agent', ['billing'], 'Bea Billing');
    const billing = await new ConsoleClient(app.url).signIn(bea.email, PASSWORD);
    expect((await billing.put('/api/agents/me/status', { status: 'online' })).status).toBe(200);
    const customer = new DirectLineClient(app.url);
    await customer.session();
    await customer.start();
    await customer.connect();
    await customer.waitFor((a) => a.from.role === 'bot');
    expect((await readiness(app)).body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });

    await redis.stop();
    const down = await readiness(app);
    expect(down).toMatchObject({ status: 503, body: { status: 'not_ready', checks: { database: 'ok', redis: 'unreachable' } } });
    expect(down.ms).toBeLessThan(3_000);

    // The customer's message is answered on the open WebSocket (read from the transcript, as no push can arrive).
    const askId = await customer.say('I want to talk to a person, I was charged twice');
    expect((await customer.replyTo(askId)).text).toMatch(/Bea Billing will be with you/);

    // A new chat starts and is greeted.
    const newcomer = new DirectLineClient(app.url);
    await newcomer.session();
    await newcomer.start();
    expect((await newcomer.poll()).activities.map((a) => a.from.role)).toContain('bot');

    // An agent signs in (the sign-in throttle counts in memory meanwhile), replies and resolves.
    const again = await new ConsoleClient(app.url).signIn(bea.email, PASSWORD);
    const inbox = await again.get('/api/tickets?assigned=me&open=true');
    expect(inbox.status).toBe(200);
    expect(inbox.body.tickets).toEqual([expect.objectContaining({ category: 'billing', status: 'assigned' })]);
    const ticketId = inbox.body.tickets[0].id as string;
    const text = 'Hi, this is Bea: the double charge is refunded.';
    expect((await again.post(`/api/tickets/${ticketId}/reply`, { text })).status).toBe(200);
    await customer.waitFor((a) => a.text === text);
    const resolved = await again.post(`/api/tickets/${ticketId}/resolve`);
    expect(resolved.status).toBe(200);
    expect(resolved.body.ticket.status).toBe('resolved');
    const messages = (await again.get(`/api/tickets/${ticketId}/messages`)).body.messages as Array<{ kind: string; text: string }>;
    expect(messages.map((m) => [m.kind, m.text])).toEqual(expect.arrayContaining([['customer', 'I want to talk to a person, I was charged twice'], ['agent', text]]));

    // Redis back: ready again, and pushes flow on the same socket.
    await redis.start();
    expect((await untilReady(app)).body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
    const later = await customer.say('thanks, bye');
    await customer.replyTo(later);
    customer.close();
  });
});

describe('PostgreSQL unreachable: requests get 503 with the part named, /readyz answers at once', () => {
  let relay: CuttableRelay;
  let app: App;

  beforeAll(async () => {
    const target = new URL(testDatabaseUrl());
    relay = new CuttableRelay({ host: target.hostname || '127.0.0.1', port: Number(target.port || 5432) });
    await relay.open();
    target.hostname = '127.0.0.1';
    target.port = String(relay.port);
    app = await startInProcessApp({ DATABASE_URL: target.toString() });
  });
  afterAll(async () => {
    await app?.stop();
    await relay?.cut();
  });

  it('a customer post, a chat start and a sign-in answer 503 database_unavailable with Retry-After; readyz names the database', async () => {
    const customer = new DirectLineClient(app.url);
    await customer.session();
    await customer.start();
    await relay.cut();

    const down = await readiness(app);
    expect(down).toMatchObject({ status: 503, body: { status: 'not_ready', checks: { database: 'unreachable', redis: 'ok' } } });

    const post = await fetch(`${app.url}/v3/directline/conversations/${encodeURIComponent(customer.conversationId)}/activities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${customer.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'where is my order?' }),
    });
    expect(post.status).toBe(503);
    expect(post.headers.get('retry-after')).toBe('5');
    expect(await post.json()).toEqual({ error: { code: 'database_unavailable', message: expect.stringMatching(/database/) } });

    const signIn = await new ConsoleClient(app.url).post('/api/auth/sign-in', { email: 'someone@example.com', password: 'whatever it is' });
    expect(signIn).toMatchObject({ status: 503, body: { error: { code: 'database_unavailable' } } });

    // The database back (as after a restart: every earlier connection is gone): the pool reconnects,
    // the post refused with 503 is sent again and answered once; nothing of the refused one was kept.
    await relay.open();
    expect((await untilReady(app)).body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
    const id = await customer.say('where is my order?', { channelData: { clientActivityID: 'retry-1' } });
    // The post returns once the turn has run: the reply is in the transcript.
    const transcript = (await customer.poll()).activities;
    expect(transcript.filter((a) => a.text === 'where is my order?')).toHaveLength(1);
    expect(transcript.filter((a) => a.replyToId === id && a.from.role === 'bot').length).toBeGreaterThanOrEqual(1);
  });
});
