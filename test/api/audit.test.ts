import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { startInProcessApp } from '../support/apps';
import type { Application } from '../../bot/application';
import { ConsoleClient, makeUser, openTicket, PASSWORD } from './consoleClient';

/**
 * The audit log through the console API: what an agent views, edits, searches and merges is recorded
 * with actor, action and customer; supervisors and admins read it, agents cannot; nothing changes it.
 */
describe('console API: audit log', () => {
  let app: Application & { url: string };

  beforeAll(async () => {
    app = await startInProcessApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function signedIn(role: 'agent' | 'supervisor' | 'admin', queues: string[] = []) {
    const user = await makeUser(app, role, queues);
    return { user, client: await new ConsoleClient(app.url).signIn(user.email, PASSWORD) };
  }

  async function pair() {
    const ticket = await openTicket(app, 'billing', 'I was charged twice');
    const email = `audit.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@example.com`;
    const duplicate = await app.crm.customers.resolve({ kind: 'email', externalId: email, displayName: 'Dana Duplicate' });
    await app.support.tickets.open({ customerId: duplicate.id, channel: 'email', conversationId: `conv-${Date.now()}-${Math.random()}`, intent: 'billing', language: 'en', sentiment: 0, recentMessages: ['Any news?'], entities: [], trigger: 'asked_for_person' });
    return { survivorId: ticket.customerId, duplicateId: duplicate.id, email };
  }

  it('records an agent viewing, searching and merging; a supervisor lists the entries by customer, an agent gets 403', async () => {
    const { user: agent, client } = await signedIn('agent', ['billing']);
    const { client: supervisor } = await signedIn('supervisor');
    const { client: admin } = await signedIn('admin');
    const { survivorId, duplicateId, email } = await pair();

    expect((await client.get(`/api/customers/${survivorId}`)).status).toBe(200);
    expect((await client.get(`/api/customers/${survivorId}/profile`)).status).toBe(200);
    expect((await client.get(`/api/customers?q=${encodeURIComponent(email)}`)).status).toBe(200);
    const merged = await client.post(`/api/customers/${survivorId}/merge`, { mergedId: duplicateId, reason: 'same person' });
    expect(merged.status).toBe(201);

    const res = await supervisor.get(`/api/audit?customerId=${survivorId}`);
    expect(res.status).toBe(200);
    const entries = res.body.entries as Array<{ actorUserId: string; actorRole: string; action: string; customerId: string; detail: Record<string, unknown>; at: string }>;
    // Newest first: the merge, then the two views.
    expect(entries.map((e) => [e.action, e.detail.part ?? null])).toEqual([['merge', null], ['view', 'profile'], ['view', 'panel']]);
    for (const e of entries) expect(e).toMatchObject({ actorUserId: agent.id, actorRole: 'agent', customerId: survivorId });
    expect(entries[0].detail).toMatchObject({ mergeId: merged.body.mergeId, survivorId, mergedId: duplicateId });
    // The merged profile's log shows the merge too; the search is logged by actor.
    expect((await admin.get(`/api/audit?customerId=${duplicateId}`)).body.entries).toEqual([expect.objectContaining({ action: 'merge', actorUserId: agent.id })]);
    const searches = (await supervisor.get(`/api/audit?actorUserId=${agent.id}&action=search`)).body.entries;
    expect(searches).toEqual([expect.objectContaining({ action: 'search', customerId: null, detail: expect.objectContaining({ queryHash: createHash('sha256').update(email.toLowerCase()).digest('hex'), found: [duplicateId] }) })]);
    // The log outlives an erasure: the address searched for is not in it in clear.
    expect(JSON.stringify(searches)).not.toContain(email.split('@')[0]);
    expect(searches[0].detail.query).toMatch(/^\p{L}\*\*\*@/u);

    expect((await client.get(`/api/audit?customerId=${survivorId}`)).status).toBe(403);
    expect((await new ConsoleClient(app.url).get(`/api/audit?customerId=${survivorId}`)).status).toBe(401);
    expect((await supervisor.get('/api/audit?customerId=nope')).status).toBe(400);
  });

  it('records an edit with the fields changed, not a refused one', async () => {
    const { user: agent, client } = await signedIn('agent', ['billing']);
    const { client: orders } = await signedIn('agent', ['orders']);
    const { client: supervisor } = await signedIn('supervisor');
    const { survivorId } = await pair();
    expect((await client.request('PATCH', `/api/customers/${survivorId}/profile`, { addTags: ['vip'], consent: { email_marketing: false } })).status).toBe(200);
    expect((await orders.get(`/api/customers/${survivorId}/profile`)).status).toBe(403);
    const entries = (await supervisor.get(`/api/audit?customerId=${survivorId}`)).body.entries;
    expect(entries).toEqual([expect.objectContaining({ action: 'edit', actorUserId: agent.id, detail: expect.objectContaining({ fields: ['addTags', 'consent'], consent: ['email_marketing'] }) })]);
  });

  it('is append-only: no route changes or deletes an entry, and the database refuses it', async () => {
    const { client: supervisor } = await signedIn('supervisor');
    const { client: admin } = await signedIn('admin');
    const { survivorId } = await pair();
    await supervisor.get(`/api/customers/${survivorId}/profile`);
    const [entry] = (await admin.get(`/api/audit?customerId=${survivorId}`)).body.entries;
    expect(entry).toMatchObject({ action: 'view', actorRole: 'supervisor' });
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      for (const path of ['/api/audit', `/api/audit/${entry.id}`]) expect([404, 405]).toContain((await admin.request(method, path, {})).status);
    }
    const doc = (await admin.get('/api/docs')).body;
    expect(Object.keys(doc.paths['/api/audit'])).toEqual(['get']);
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/audit'))).toEqual(['/api/audit']);
    // Drizzle wraps the database's error; its cause is the trigger's.
    const refusal = (q: Promise<unknown>) => q.then(() => 'done', (err: { cause?: { message?: string } }) => err.cause?.message);
    expect(await refusal(app.database.db.execute(sql`update audit_log set action = 'export' where id = ${entry.id}`))).toBe('audit_log is append-only');
    expect(await refusal(app.database.db.execute(sql`delete from audit_log where id = ${entry.id}`))).toBe('audit_log is append-only');
    expect((await admin.get(`/api/audit?customerId=${survivorId}`)).body.entries).toEqual([entry]);
  });
});
