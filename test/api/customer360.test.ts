import { startInProcessApp } from '../support/apps';
import type { Application } from '../../bot/application';
import { ConsoleClient, makeUser, openTicket, PASSWORD } from './consoleClient';

/**
 * Customer 360 through the console API: an agent finds the duplicate profile of a customer, merges it
 * (identities, messages and tickets move), edits the profile, reads the history, and undoes the merge.
 */
describe('console API: customer profiles, history, search, merge and undo', () => {
  let app: Application & { url: string };

  beforeAll(async () => {
    app = await startInProcessApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function signedIn(role: 'agent' | 'supervisor', queues: string[] = []) {
    const user = await makeUser(app, role, queues);
    return { user, client: await new ConsoleClient(app.url).signIn(user.email, PASSWORD) };
  }

  /** A customer known from the website (ticket in billing) and their duplicate from an email thread. */
  async function duplicatePair() {
    const ticket = await openTicket(app, 'billing', 'I was charged twice for my order');
    const email = `dana.${Date.now()}@example.com`;
    const duplicate = await app.crm.customers.resolve({ kind: 'email', externalId: email, displayName: 'Dana Duplicate' });
    await app.crm.timeline.record({ customerId: duplicate.id, channel: 'email', conversationId: `mail-${Date.now()}`, direction: 'inbound', author: 'customer', text: 'Any news on my refund?', activityId: `m-${Date.now()}` });
    return { ticket, survivorId: ticket.customerId, duplicateId: duplicate.id, email };
  }

  it('searches by an exact channel handle and by name prefix', async () => {
    const { client } = await signedIn('agent', ['billing']);
    const { duplicateId, email } = await duplicatePair();
    const byHandle = await client.get(`/api/customers?q=${encodeURIComponent(email.toUpperCase())}`);
    expect(byHandle.status).toBe(200);
    expect(byHandle.body.customers.map((c: { id: string }) => c.id)).toContain(duplicateId);
    expect(byHandle.body.customers.find((c: { id: string }) => c.id === duplicateId).matchedBy).toBe('identity:email');
    const byName = await client.get('/api/customers?q=dana%20dup');
    expect(byName.body.customers.some((c: { id: string; matchedBy: string }) => c.id === duplicateId && c.matchedBy === 'name')).toBe(true);
    expect((await client.get('/api/customers?q=x')).status).toBe(400);
  });

  it('merges a duplicate into the customer an agent is helping, then undoes it exactly', async () => {
    const { user, client } = await signedIn('agent', ['billing']);
    const { survivorId, duplicateId } = await duplicatePair();

    const merged = await client.post(`/api/customers/${survivorId}/merge`, { mergedId: duplicateId, reason: 'same person, wrote by email' });
    expect(merged.status).toBe(201);
    expect(merged.body).toMatchObject({ survivorId, mergedId: duplicateId, moved: { identity: 1, message: 1 } });

    const profile = await client.get(`/api/customers/${survivorId}/profile`);
    expect(profile.status).toBe(200);
    expect(profile.body.identities.map((i: { kind: string }) => i.kind).sort()).toEqual(['email', 'test']);
    expect(profile.body.merges).toEqual([
      expect.objectContaining({ id: merged.body.mergeId, actor: `agent:${user.id}`, reason: 'same person, wrote by email', undoneAt: null, survivorName: 'Casey Customer', mergedName: 'Dana Duplicate', moved: expect.objectContaining({ identity: 1, message: 1 }) }),
    ]);
    const history = await client.get(`/api/customers/${survivorId}/history?kinds=message,ticket`);
    expect(history.body.entries.map((e: { kind: string }) => e.kind).sort()).toEqual(['message', 'ticket']);
    expect(history.body.entries.find((e: { kind: string }) => e.kind === 'message').summary).toContain('Any news on my refund?');

    // Merging again is a conflict, not a crash; the merged profile no longer shows up in search.
    expect((await client.post(`/api/customers/${survivorId}/merge`, { mergedId: duplicateId })).body.error.code).toBe('already_merged');

    const undone = await client.post(`/api/merges/${merged.body.mergeId}/undo`);
    expect(undone.status).toBe(200);
    expect(undone.body.movedBack).toMatchObject({ identity: 1, message: 1 });
    const after = await client.get(`/api/customers/${survivorId}/profile`);
    expect(after.body.identities.map((i: { kind: string }) => i.kind)).toEqual(['test']);
    expect(after.body.merges[0].undoneAt).not.toBeNull();
    expect((await client.post(`/api/merges/${merged.body.mergeId}/undo`)).status).toBe(409);
  });

  it('edits typed attributes, consent and tags; a value of the wrong type is a 400 and changes nothing', async () => {
    const { client } = await signedIn('agent', ['billing']);
    const admin = await new ConsoleClient(app.url).signIn((await makeUser(app, 'admin')).email, PASSWORD);
    const { survivorId } = await duplicatePair();
    const key = `plan_${Date.now()}`;
    // Only declared attributes can be written; declaring is for admins.
    const undeclared = await client.request('PATCH', `/api/customers/${survivorId}/profile`, { attributes: { [key]: 'gold' } });
    expect(undeclared.body.error).toEqual({ code: 'invalid_attribute', message: `attribute ${key} is not declared` });
    expect((await client.put(`/api/customer-attributes/${key}`, { type: 'string' })).status).toBe(403);
    expect((await admin.put(`/api/customer-attributes/${key}`, { type: 'string', label: 'Plan' })).status).toBe(204);
    expect((await client.get('/api/customer-attributes')).body.attributes).toContainEqual({ key, type: 'string', label: 'Plan' });
    const ok = await client.request('PATCH', `/api/customers/${survivorId}/profile`, { attributes: { [key]: 'gold' }, consent: { email_marketing: false }, addTags: ['vip'] });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ attributes: { [key]: 'gold' }, tags: ['vip'], consent: { email_marketing: { granted: false } } });
    const wrong = await client.request('PATCH', `/api/customers/${survivorId}/profile`, { attributes: { [key]: 42 }, addTags: ['other'] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('invalid_attribute');
    const now = await client.get(`/api/customers/${survivorId}/profile`);
    expect(now.body.attributes[key]).toBe('gold');
    expect(now.body.tags).toEqual(['vip']);
    expect((await client.request('PATCH', `/api/customers/${survivorId}/profile`, {})).status).toBe(400);
  });

  it('keeps other queues’ customers from an agent, and lets only the merging agent or a supervisor undo', async () => {
    const { client: billing } = await signedIn('agent', ['billing']);
    const { client: orders } = await signedIn('agent', ['orders']);
    const { client: supervisor } = await signedIn('supervisor');
    const { survivorId, duplicateId } = await duplicatePair();
    expect((await orders.get(`/api/customers/${survivorId}/profile`)).status).toBe(403);
    expect((await orders.post(`/api/customers/${survivorId}/merge`, { mergedId: duplicateId })).status).toBe(403);
    const merged = await billing.post(`/api/customers/${survivorId}/merge`, { mergedId: duplicateId });
    expect(merged.status).toBe(201);
    expect((await orders.post(`/api/merges/${merged.body.mergeId}/undo`)).status).toBe(403);
    expect((await supervisor.post(`/api/merges/${merged.body.mergeId}/undo`)).status).toBe(200);
    expect((await billing.get('/api/customers/00000000-0000-4000-8000-000000000000/profile')).status).toBe(404);
    expect((await new ConsoleClient(app.url).get(`/api/customers/${survivorId}/profile`)).status).toBe(401);
  });
});
