import { sql } from 'drizzle-orm';
import { startInProcessApp } from '../support/apps';
import { createScratchDatabase } from '../support/database';
import type { Application } from '../../bot/application';
import { ConsoleClient, makeUser, openTicket, PASSWORD } from './consoleClient';

/** Bad input is refused with 400 JSON before anything is written; the OpenAPI document describes every route. */
describe('console API validation and documentation', () => {
  let app: Application & { url: string };
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let admin: ConsoleClient;
  let agent: ConsoleClient;
  let agentId: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase('console_validation');
    app = await startInProcessApp({ DATABASE_URL: scratch.url });
    const a = await makeUser(app, 'admin');
    const b = await makeUser(app, 'agent', ['billing']);
    agentId = b.id;
    admin = await new ConsoleClient(app.url).signIn(a.email, PASSWORD);
    agent = await new ConsoleClient(app.url).signIn(b.email, PASSWORD);
  });
  afterAll(async () => {
    await app?.stop();
    await scratch?.drop();
  });

  const count = async (table: string) => ((await app.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as { rows: Array<{ n: number }> }).rows[0].n;
  const snapshot = async () => ({ users: await count('users'), sessions: await count('sessions'), events: await count('ticket_events'), messages: await count('messages'), tickets: await count('tickets'), members: await count('queue_members') });

  it('answers 400 with the issues for bad bodies, params and queries, and writes nothing', async () => {
    await agent.put('/api/agents/me/status', { status: 'online' });
    const ticket = await openTicket(app, 'billing', 'charged twice, please help');
    expect(ticket.assignedAgentId).toBe(agentId);
    const before = await snapshot();
    const ticketBefore = await app.support.tickets.get(ticket.id);
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', `/api/tickets/${ticket.id}/priority`, { priority: 'extreme' }, 'priority'],
      ['POST', `/api/tickets/${ticket.id}/priority`, {}, 'priority'],
      ['POST', `/api/tickets/${ticket.id}/reply`, { text: '   ' }, 'text'],
      ['POST', `/api/tickets/${ticket.id}/reply`, { text: 'x'.repeat(4001) }, 'text'],
      ['POST', `/api/tickets/${ticket.id}/reply`, { text: 'hi', admin: true }, ''],
      ['POST', `/api/tickets/${ticket.id}/reassign`, { agentId: 'bob' }, 'agentId'],
      ['POST', '/api/tickets/not-a-uuid/resolve', {}, 'id'],
      ['PUT', '/api/agents/me/status', { status: 'sleeping' }, 'status'],
      ['GET', '/api/tickets?limit=0', undefined, 'limit'],
      ['GET', '/api/tickets?status=lost', undefined, 'status'],
      ['GET', '/api/tickets?assigned=someone', undefined, 'assigned'],
      ['GET', '/api/tickets?unknown=1', undefined, ''],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await agent.request(method, path, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 400 });
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.issues.length).toBeGreaterThan(0);
      if (field) expect(res.body.error.issues.map((i: { path: string }) => i.path.split('.')[0])).toContain(field);
    }
    const adminCases: Array<[string, string, unknown]> = [
      ['POST', '/api/users', { email: 'not-an-email', displayName: 'X', role: 'agent', password: 'long enough' }],
      ['POST', '/api/users', { email: 'short@test.concierge', displayName: 'X', role: 'agent', password: 'short' }],
      ['POST', '/api/users', { email: 'role@test.concierge', displayName: 'X', role: 'root', password: 'long enough' }],
      ['PUT', `/api/agents/${agentId}`, { queues: ['billing'], maxConcurrent: 0 }],
      ['PUT', `/api/agents/${agentId}`, { queues: ['no-such-queue'] }],
    ];
    for (const [method, path, body] of adminCases) {
      const res = await admin.request(method, path, body);
      expect({ path, body, status: res.status }).toEqual({ path, body, status: 400 });
    }
    const malformed = await agent.request('POST', `/api/tickets/${ticket.id}/reply`, '{"text": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('malformed_json');
    const badSignIn = await new ConsoleClient(app.url).post('/api/auth/sign-in', { email: 'x@test.concierge' });
    expect(badSignIn.status).toBe(400);

    expect(await snapshot()).toEqual(before);
    expect(await app.support.tickets.get(ticket.id)).toEqual(ticketBefore);
    expect((await app.support.agents.get(agentId))!.queues).toEqual(['billing']);
  });

  it('lists queues with their counts and answers 404 for unknown tickets and customers', async () => {
    const queues = await agent.get('/api/queues');
    expect(queues.status).toBe(200);
    expect(queues.body.queues.map((q: { id: string }) => q.id)).toEqual(expect.arrayContaining(['billing', 'orders', 'general']));
    const billing = queues.body.queues.find((q: { id: string }) => q.id === 'billing');
    expect(billing.open).toBeGreaterThanOrEqual(1);
    expect((await agent.get('/api/tickets/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await admin.get('/api/customers/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await agent.get('/api/no-such-route')).status).toBe(404);
  });

  it('serves an OpenAPI 3.1 document built from the same schemas, and a readable page', async () => {
    const res = await new ConsoleClient(app.url).get('/api/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([p, m]) => Object.keys(m).map((verb) => `${verb.toUpperCase()} ${p}`));
    expect(ops).toEqual(
      expect.arrayContaining([
        'POST /api/auth/sign-in',
        'POST /api/auth/sign-out',
        'GET /api/me',
        'GET /api/tickets',
        'GET /api/tickets/{id}',
        'GET /api/tickets/{id}/messages',
        'POST /api/tickets/{id}/reply',
        'POST /api/tickets/{id}/resolve',
        'POST /api/tickets/{id}/reassign',
        'POST /api/tickets/{id}/priority',
        'POST /api/tickets/{id}/handback',
        'GET /api/agents',
        'GET /api/agents/{id}',
        'PUT /api/agents/me/status',
        'PUT /api/agents/{id}',
        'GET /api/queues',
        'GET /api/customers/{id}',
        'GET /api/users',
        'POST /api/users',
        'GET /api/events',
      ]),
    );
    const priority = doc.paths['/api/tickets/{id}/priority'].post;
    expect(priority.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', properties: { priority: { enum: ['low', 'normal', 'high', 'urgent'] } }, required: ['priority'] });
    expect(priority.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true, schema: expect.objectContaining({ format: 'uuid' }) })]);
    expect(Object.keys(priority.responses).sort()).toEqual(['200', '400', '401', '403', '404']);
    expect(doc.paths['/api/auth/sign-in'].post.security).toEqual([]);
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'concierge_session' });
    expect(doc.paths['/api/tickets'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['status', 'queue', 'assigned', 'limit']));
    // Every operation id is unique and every $ref resolves.
    const ids = ops.map((o) => { const [verb, p] = o.split(' '); return doc.paths[p][verb.toLowerCase()].operationId; });
    expect(new Set(ids).size).toBe(ids.length);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const r of refs) {
      const target = r.slice(8, -1).replace('#/', '').split('/').reduce((o: any, k) => o?.[k], doc);
      expect({ r, found: !!target }).toEqual({ r, found: true });
    }
    const page = await new ConsoleClient(app.url).get('/api/docs.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.body).toContain('/api/tickets/{id}/reply');
    expect(page.body).not.toMatch(/<script|https?:\/\/(?!127)/);
  });
});
