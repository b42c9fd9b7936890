import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { startInProcessApp } from '../support/apps';
import { createScratchDatabase } from '../support/database';
import type { Application } from '../../bot/application';
import { ConsoleClient, makeUser, openTicket, PASSWORD } from './consoleClient';

/** Console sign-in, sessions and who may see what, over HTTP against PostgreSQL (own database). */
describe('console auth and access', () => {
  let app: Application & { url: string };
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;

  beforeAll(async () => {
    scratch = await createScratchDatabase('console_auth');
    app = await startInProcessApp({ DATABASE_URL: scratch.url });
  });
  afterAll(async () => {
    await app?.stop();
    await scratch?.drop();
  });

  const rows = async (query: ReturnType<typeof sql>) => ((await app.database.db.execute(query)) as unknown as { rows: Array<Record<string, any>> }).rows;

  it('answers 401 with a JSON error on every console route without a session', async () => {
    const anon = new ConsoleClient(app.url);
    for (const [method, path] of [
      ['GET', '/api/me'],
      ['GET', '/api/tickets'],
      ['GET', '/api/agents'],
      ['GET', '/api/queues'],
      ['GET', '/api/events'],
      ['PUT', '/api/agents/me/status'],
      ['POST', '/api/tickets/00000000-0000-4000-8000-000000000000/reply'],
    ]) {
      const res = await anon.request(method, path, method === 'GET' ? undefined : {});
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 401, body: { error: { code: 'not_signed_in', message: 'sign in first' } } });
    }
  });

  it('refuses wrong passwords and unknown emails alike, and sets no cookie', async () => {
    const agent = await makeUser(app, 'agent', ['billing']);
    const client = new ConsoleClient(app.url);
    const wrong = await client.post('/api/auth/sign-in', { email: agent.email, password: 'not the password' });
    const unknown = await client.post('/api/auth/sign-in', { email: 'nobody@test.concierge', password: PASSWORD });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: { code: 'bad_credentials', message: 'wrong email or password' } });
    expect(unknown.body).toEqual(wrong.body);
    expect(client.cookie).toBe('');
  });

  it('slows down password guessing: after 10 failures for one email, even the right password waits', async () => {
    const agent = await makeUser(app, 'agent', ['billing']);
    const client = new ConsoleClient(app.url);
    for (let i = 0; i < 10; i++) expect((await client.post('/api/auth/sign-in', { email: agent.email, password: `guess ${i}` })).status).toBe(401);
    const blocked = await client.post('/api/auth/sign-in', { email: agent.email, password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('too_many_attempts');
    expect(client.cookie).toBe('');
    // Other accounts are unaffected.
    const other = await makeUser(app, 'agent', ['billing']);
    expect((await client.post('/api/auth/sign-in', { email: other.email, password: PASSWORD })).status).toBe(200);
  });

  it('signs in with an HttpOnly SameSite=Strict cookie whose token is stored only as a digest', async () => {
    const agent = await makeUser(app, 'agent', ['billing'], 'Bea Billing');
    const client = new ConsoleClient(app.url);
    const res = await client.post('/api/auth/sign-in', { email: agent.email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: agent.id, role: 'agent', displayName: 'Bea Billing' });
    expect(res.body.user.passwordHash).toBeUndefined();
    const [cookie] = client.lastSetCookie;
    expect(cookie).toMatch(/^concierge_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const token = client.cookie.split('=')[1];
    const stored = await rows(sql`select id, user_id from sessions where user_id = ${agent.id}`);
    expect(stored).toEqual([{ id: createHash('sha256').update(token).digest('hex'), user_id: agent.id }]);
    const hash = await rows(sql`select password_hash from users where id = ${agent.id}`);
    expect(hash[0].password_hash).toMatch(/^\$argon2id\$/);

    const me = await client.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { id: agent.id }, agent: { userId: agent.id, queues: ['billing'], status: 'offline' }, queues: ['billing'], seesAllQueues: false });
  });

  it('marks the cookie Secure when the request came over https through the local proxy', async () => {
    const agent = await makeUser(app, 'agent', ['orders']);
    const client = new ConsoleClient(app.url);
    await client.request('POST', '/api/auth/sign-in', { email: agent.email, password: PASSWORD }, { 'x-forwarded-proto': 'https' });
    expect(client.lastSetCookie[0]).toMatch(/; Secure$/);
  });

  it('signs out: the cookie is cleared and the old token no longer works', async () => {
    const agent = await makeUser(app, 'agent', ['billing']);
    const client = await new ConsoleClient(app.url).signIn(agent.email, PASSWORD);
    const oldCookie = client.cookie;
    const out = await client.post('/api/auth/sign-out');
    expect(out.status).toBe(204);
    expect(client.lastSetCookie[0]).toMatch(/^concierge_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
    const replay = new ConsoleClient(app.url);
    replay.cookie = oldCookie;
    expect((await replay.get('/api/me')).status).toBe(401);
    expect(await rows(sql`select id from sessions where user_id = ${agent.id}`)).toEqual([]);
  });

  it('ends expired sessions and sessions of disabled users', async () => {
    const agent = await makeUser(app, 'agent', ['billing']);
    const client = await new ConsoleClient(app.url).signIn(agent.email, PASSWORD);
    expect((await client.get('/api/me')).status).toBe(200);
    await app.database.db.execute(sql`update sessions set expires_at = now() - interval '1 second' where user_id = ${agent.id}`);
    expect((await client.get('/api/me')).status).toBe(401);

    await client.signIn(agent.email, PASSWORD);
    expect((await client.get('/api/me')).status).toBe(200);
    await app.crm.users.update(agent.id, { disabled: true });
    expect((await client.get('/api/me')).status).toBe(401);
    expect((await client.post('/api/auth/sign-in', { email: agent.email, password: PASSWORD })).status).toBe(401);
  });

  it('refuses cross-site writes and non-JSON bodies', async () => {
    const agent = await makeUser(app, 'agent', ['billing']);
    const client = await new ConsoleClient(app.url).signIn(agent.email, PASSWORD);
    const cross = await client.request('PUT', '/api/agents/me/status', { status: 'online' }, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    expect(cross.body.error.code).toBe('cross_site');
    const form = await client.request('PUT', '/api/agents/me/status', 'status=online', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect((await app.support.agents.get(agent.id))!.status).toBe('offline');
    const same = await client.request('PUT', '/api/agents/me/status', { status: 'away' }, { origin: app.url });
    expect(same.status).toBe(200);
    expect(same.body.agent.status).toBe('away');
  });

  it("lets an agent see only their queues' tickets (403 otherwise) while supervisors and admins see all", async () => {
    const billingAgent = await makeUser(app, 'agent', ['billing']);
    const ordersAgent = await makeUser(app, 'agent', ['orders']);
    const supervisor = await makeUser(app, 'supervisor');
    const admin = await makeUser(app, 'admin');
    const billingTicket = await openTicket(app, 'billing', 'I was charged twice');
    const ordersTicket = await openTicket(app, 'order_status', 'Where is my parcel?');
    expect([billingTicket.queueId, ordersTicket.queueId]).toEqual(['billing', 'orders']);

    const orders = await new ConsoleClient(app.url).signIn(ordersAgent.email, PASSWORD);
    const billing = await new ConsoleClient(app.url).signIn(billingAgent.email, PASSWORD);
    const sup = await new ConsoleClient(app.url).signIn(supervisor.email, PASSWORD);
    const adm = await new ConsoleClient(app.url).signIn(admin.email, PASSWORD);

    const denied = await orders.get(`/api/tickets/${billingTicket.id}`);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('not_your_queue');
    for (const path of [`/api/tickets/${billingTicket.id}/messages`, `/api/customers/${billingTicket.customerId}`]) expect((await orders.get(path)).status).toBe(403);
    for (const [action, body] of [
      ['resolve', {}],
      ['priority', { priority: 'low' }],
      ['handback', {}],
      ['reassign', { agentId: ordersAgent.id }],
    ] as const) {
      expect((await orders.post(`/api/tickets/${billingTicket.id}/${action}`, body)).status).toBe(403);
    }
    expect((await app.support.tickets.get(billingTicket.id))!).toMatchObject({ status: 'new', priority: billingTicket.priority });

    const ownList = (await orders.get('/api/tickets?open=true')).body.tickets.map((t: { id: string }) => t.id);
    expect(ownList).toContain(ordersTicket.id);
    expect(ownList).not.toContain(billingTicket.id);
    expect((await orders.get('/api/tickets?queue=billing')).body.tickets).toEqual([]);

    expect((await billing.get(`/api/tickets/${billingTicket.id}`)).body.ticket).toMatchObject({ id: billingTicket.id, customerName: 'Casey Customer', queueId: 'billing' });
    for (const c of [sup, adm]) {
      expect((await c.get(`/api/tickets/${billingTicket.id}`)).status).toBe(200);
      expect((await c.get(`/api/customers/${billingTicket.customerId}`)).status).toBe(200);
      const all = (await c.get('/api/tickets?open=true')).body.tickets.map((t: { id: string }) => t.id);
      expect(all).toEqual(expect.arrayContaining([billingTicket.id, ordersTicket.id]));
    }
    expect((await app.support.tickets.get(billingTicket.id))!.status).toBe('new');

    // A supervisor transfers the billing ticket to the orders agent: now they may see it.
    expect((await sup.post(`/api/tickets/${billingTicket.id}/reassign`, { agentId: ordersAgent.id })).status).toBe(200);
    expect((await orders.get(`/api/tickets/${billingTicket.id}`)).status).toBe(200);
    expect((await orders.get('/api/tickets?assigned=me')).body.tickets.map((t: { id: string }) => t.id)).toEqual([billingTicket.id]);
    // ...and the billing agent may see it still (their queue) but not act on a colleague's ticket.
    const act = await billing.post(`/api/tickets/${billingTicket.id}/priority`, { priority: 'urgent' });
    expect(act.status).toBe(403);
    expect(act.body.error.code).toBe('assigned_to_another_agent');
  });

  it('keeps user administration to admins', async () => {
    const agent = await makeUser(app, 'agent', ['billing']);
    const supervisor = await makeUser(app, 'supervisor');
    const admin = await makeUser(app, 'admin');
    const a = await new ConsoleClient(app.url).signIn(agent.email, PASSWORD);
    const s = await new ConsoleClient(app.url).signIn(supervisor.email, PASSWORD);
    const ad = await new ConsoleClient(app.url).signIn(admin.email, PASSWORD);
    const newUser = { email: 'new.agent@test.concierge', displayName: 'New Agent', role: 'agent', password: 'long enough pw' };
    for (const c of [a, s]) {
      const res = await c.post('/api/users', newUser);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect((await c.put(`/api/agents/${agent.id}`, { queues: ['orders'] })).status).toBe(403);
    }
    const created = await ad.post('/api/users', newUser);
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ email: 'new.agent@test.concierge', role: 'agent', disabled: false });
    expect((await ad.post('/api/users', { ...newUser, email: 'NEW.agent@test.concierge' })).status).toBe(409);
    const profile = await ad.put(`/api/agents/${created.body.user.id}`, { queues: ['orders', 'general'], maxConcurrent: 5, languages: ['en', 'zh'], skills: ['returns'] });
    expect(profile.status).toBe(200);
    expect(profile.body.agent).toMatchObject({ userId: created.body.user.id, queues: ['general', 'orders'], maxConcurrent: 5, status: 'offline' });
    const fresh = await new ConsoleClient(app.url).signIn('new.agent@test.concierge', 'long enough pw');
    expect((await fresh.get('/api/me')).body.queues.sort()).toEqual(['general', 'orders']);
  });
});
