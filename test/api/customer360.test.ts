import { sql } from 'drizzle-orm';
import { CommerceStore } from '../../crm/commerce/store';
import { queryRows } from '../../crm/commerce/rows';
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

  /** A ticket of an existing customer, opened as the bot would open it. */
  async function ticketFor(customerId: string, intent: string, text: string) {
    const { ticket } = await app.support.tickets.open({
      customerId, channel: 'email', conversationId: `conv-${Date.now()}-${Math.random()}`, intent, language: 'en', sentiment: -0.2, recentMessages: [text], entities: [], trigger: 'asked_for_person',
    });
    return ticket;
  }

  /**
   * A customer known from the website (ticket in billing) and their duplicate from an email thread.
   * The duplicate's own ticket is in `duplicateQueueIntent`'s queue (billing by default, so a billing agent
   * may read both; `order_status` puts it in orders, hidden from billing agents).
   */
  async function duplicatePair(duplicateQueueIntent = 'billing') {
    const ticket = await openTicket(app, 'billing', 'I was charged twice for my order');
    const email = `dana.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@example.com`;
    const duplicate = await app.crm.customers.resolve({ kind: 'email', externalId: email, displayName: 'Dana Duplicate' });
    await app.crm.timeline.record({ customerId: duplicate.id, channel: 'email', conversationId: `mail-${Date.now()}`, direction: 'inbound', author: 'customer', text: 'Any news on my refund?', activityId: `m-${Date.now()}-${Math.random()}` });
    await ticketFor(duplicate.id, duplicateQueueIntent, 'Any news on my refund?');
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
    // The survivor's ticket and the duplicate's, which moved with her.
    expect(history.body.entries.map((e: { kind: string }) => e.kind).sort()).toEqual(['message', 'ticket', 'ticket']);
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
    expect((await client.get('/api/customer-attributes')).body.attributes).toContainEqual({ key, type: 'string', label: 'Plan', description: null });
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

  it('lets admins describe, count, retype (only unused) and delete attributes; deleting removes the stored values', async () => {
    const { client: agent } = await signedIn('agent', ['billing']);
    const { client: supervisor } = await signedIn('supervisor');
    const admin = await new ConsoleClient(app.url).signIn((await makeUser(app, 'admin')).email, PASSWORD);
    const { survivorId, duplicateId } = await duplicatePair();
    const key = `tier_${Date.now()}`;
    const other = `${key}_other`;
    const declared = async () => ((await agent.get('/api/customer-attributes')).body.attributes as Array<{ key: string }>).filter((a) => a.key.startsWith(key));
    const usage = async () => ((await admin.get('/api/customer-attributes/usage')).body.usage as Array<{ key: string }>).filter((u) => u.key.startsWith(key));

    expect((await admin.put(`/api/customer-attributes/${key}`, { type: 'string', label: 'Tier', description: '  Loyalty tier from the shop  ' })).status).toBe(204);
    expect((await admin.put(`/api/customer-attributes/${other}`, { type: 'number' })).status).toBe(204);
    expect(await declared()).toEqual([
      { key, type: 'string', label: 'Tier', description: 'Loyalty tier from the shop' },
      { key: other, type: 'number', label: null, description: null },
    ]);
    // Bad declarations are refused before anything is written.
    for (const [path, body] of [
      [`/api/customer-attributes/Tier`, { type: 'string' }],
      [`/api/customer-attributes/1tier`, { type: 'string' }],
      [`/api/customer-attributes/${key}_x`, { type: 'enum' }],
      [`/api/customer-attributes/${key}_x`, { type: 'string', description: 'x'.repeat(501) }],
      [`/api/customer-attributes/${key}_x`, { type: 'string', label: '   ' }],
    ] as const) {
      const res = await admin.put(path, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    expect(await declared()).toHaveLength(2);

    // Two profiles hold a tier; usage counts them (and 0 for the unused attribute).
    expect((await admin.request('PATCH', `/api/customers/${survivorId}/profile`, { attributes: { [key]: 'gold', [other]: null } })).status).toBe(200);
    expect((await admin.request('PATCH', `/api/customers/${duplicateId}/profile`, { attributes: { [key]: 'silver' }, addTags: ['keep'] })).status).toBe(200);
    expect(await usage()).toEqual([{ key, profiles: 2 }, { key: other, profiles: 0 }]);

    // Editing the label and description keeps the values; changing the type of a used attribute is a 409 and changes nothing.
    expect((await admin.put(`/api/customer-attributes/${key}`, { type: 'string', label: 'Loyalty tier' })).status).toBe(204);
    const retype = await admin.put(`/api/customer-attributes/${key}`, { type: 'number', label: 'Points' });
    expect(retype.status).toBe(409);
    expect(retype.body.error).toEqual({ code: 'attribute_in_use', message: `attribute ${key} holds values in 2 profiles: its type cannot change from string to number (delete it first, or declare a new key)` });
    expect(await declared()).toContainEqual({ key, type: 'string', label: 'Loyalty tier', description: null });
    // PATCH changes only what agents read (null clears), never the type; unknown is a 404 and declares nothing.
    const described = await admin.request('PATCH', `/api/customer-attributes/${key}`, { description: 'Gold, silver or bronze' });
    expect(described.status).toBe(200);
    expect(described.body).toEqual({ key, type: 'string', label: 'Loyalty tier', description: 'Gold, silver or bronze' });
    expect((await admin.request('PATCH', `/api/customer-attributes/${key}`, { label: null })).body).toEqual({ key, type: 'string', label: null, description: 'Gold, silver or bronze' });
    for (const body of [{}, { type: 'number' }, { label: '' }, { description: 'x'.repeat(501) }]) {
      expect((await admin.request('PATCH', `/api/customer-attributes/${key}`, body)).status).toBe(400);
    }
    const unknown = await admin.request('PATCH', `/api/customer-attributes/${key}_nope`, { label: 'Nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ code: 'not_found', message: `attribute ${key}_nope not found` });
    expect(await declared()).toEqual([
      { key, type: 'string', label: null, description: 'Gold, silver or bronze' },
      { key: other, type: 'number', label: null, description: null },
    ]);
    expect(await usage()).toEqual([{ key, profiles: 2 }, { key: other, profiles: 0 }]);
    // An unused attribute may change its type.
    expect((await admin.put(`/api/customer-attributes/${other}`, { type: 'date' })).status).toBe(204);
    expect(await declared()).toContainEqual({ key: other, type: 'date', label: null, description: null });

    // Only admins: agents and supervisors may read the declarations, nothing else.
    for (const client of [agent, supervisor]) {
      expect((await client.get('/api/customer-attributes/usage')).status).toBe(403);
      expect((await client.request('DELETE', `/api/customer-attributes/${key}`)).status).toBe(403);
      expect((await client.request('PATCH', `/api/customer-attributes/${key}`, { label: 'Mine' })).status).toBe(403);
      expect((await client.put(`/api/customer-attributes/${key}`, { type: 'string' })).status).toBe(403);
    }
    expect((await new ConsoleClient(app.url).request('DELETE', `/api/customer-attributes/${key}`)).status).toBe(401);

    // Deleting removes the declaration and the values, nothing else of the profiles.
    const deleted = await admin.request('DELETE', `/api/customer-attributes/${key}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ key, removedFrom: 2 });
    expect(await declared()).toEqual([{ key: other, type: 'date', label: null, description: null }]);
    const [survivor, duplicate] = await Promise.all([agent.get(`/api/customers/${survivorId}/profile`), admin.get(`/api/customers/${duplicateId}/profile`)]);
    expect(survivor.body.attributes).toEqual({});
    expect(duplicate.body).toMatchObject({ attributes: {}, tags: ['keep'] });
    expect((await agent.request('PATCH', `/api/customers/${survivorId}/profile`, { attributes: { [key]: 'gold' } })).body.error.code).toBe('invalid_attribute');
    const again = await admin.request('DELETE', `/api/customer-attributes/${key}`);
    expect(again.status).toBe(404);
    expect(again.body.error).toEqual({ code: 'not_found', message: `attribute ${key} not found` });
    expect((await admin.request('DELETE', '/api/customer-attributes/Bad-Key')).status).toBe(400);
    // Declared again, it starts empty: the old values do not come back.
    expect((await admin.put(`/api/customer-attributes/${key}`, { type: 'number' })).status).toBe(204);
    expect(await usage()).toEqual([{ key, profiles: 0 }, { key: other, profiles: 0 }]);
  });

  /** Every row of the tables a merge touches, as stored, to show a preview changed nothing. */
  async function everything() {
    const read = (table: string, order: string) => queryRows(app.database.db, sql`select * from ${sql.raw(table)} order by ${sql.raw(order)}`);
    return {
      customers: await read('customers', 'id'),
      profiles: await read('customer_profiles', 'customer_id'),
      identities: await read('identities', 'id'),
      messages: await read('messages', 'id'),
      orders: await read('orders', 'id'),
      events: await read('customer_events', 'id'),
      tickets: await read('tickets', 'id'),
      merges: await read('customer_merges', 'id'),
      moves: await read('customer_merge_moves', 'merge_id, kind, row_id'),
      outbox: await read('outbox', 'id'),
    };
  }

  it('previews a merge without writing anything, with the counts the merge then moves and the conflicts it resolves', async () => {
    const { client } = await signedIn('agent', ['billing']);
    const admin = await new ConsoleClient(app.url).signIn((await makeUser(app, 'admin')).email, PASSWORD);
    const { survivorId, duplicateId } = await duplicatePair();
    // The duplicate also has two orders, a product view, a tag of its own, a conflicting attribute and a later consent decision.
    const p = `PV${Date.now()}`;
    const commerce = new CommerceStore(app.database.db);
    const product = (await commerce.upsertObservedProducts([{ sku: `${p}S`, name: 'Mug', priceMinor: 900, currency: 'EUR', observedAt: new Date() }])).get(`${p}S`)!.id;
    await commerce.writeOrders([1, 2].map((i) => ({ orderNumber: `${p}-${i}`, customerId: duplicateId, placedAt: new Date(Date.now() - i * 86_400_000), currency: 'EUR', status: 'paid', totalMinor: null, lines: [{ lineNo: 1, productId: product, quantity: 1, unitPriceMinor: 900 }] })));
    await commerce.recordEvents([{ customerId: duplicateId, type: 'view', productId: product, at: new Date(), idempotencyKey: `${p}-view`, source: 'website' }]);
    const key = `tier_${Date.now()}`;
    expect((await admin.put(`/api/customer-attributes/${key}`, { type: 'string' })).status).toBe(204);
    expect((await client.request('PATCH', `/api/customers/${survivorId}/profile`, { attributes: { [key]: 'gold' }, addTags: ['vip'], consent: { email_marketing: true } })).status).toBe(200);
    expect((await admin.request('PATCH', `/api/customers/${duplicateId}/profile`, { attributes: { [key]: 'silver' }, addTags: ['newsletter', 'vip'], consent: { email_marketing: false } })).status).toBe(200);

    const before = await everything();
    const preview = await client.get(`/api/customers/${survivorId}/merge-preview?other=${duplicateId}`);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      survivor: { id: survivorId, displayName: 'Casey Customer', tags: ['vip'], rows: { identity: 1, message: 0, order: 0, event: 0, ticket: 1 } },
      merged: { id: duplicateId, displayName: 'Dana Duplicate', tags: ['newsletter', 'vip'] },
      moves: { identity: 1, message: 1, order: 2, event: 1, ticket: 1 },
      result: { displayName: 'Casey Customer', tags: ['newsletter', 'vip'], attributes: { [key]: 'gold' } },
      addedTags: ['newsletter'],
    });
    expect(preview.body.merged.rows).toEqual(preview.body.moves);
    expect(preview.body.conflicts).toEqual([
      { field: 'displayName', survivor: 'Casey Customer', merged: 'Dana Duplicate', winner: 'survivor' },
      { field: `attribute:${key}`, survivor: 'gold', merged: 'silver', winner: 'survivor' },
      // The duplicate's decision is the later one, so it holds.
      { field: 'consent:email_marketing', survivor: expect.objectContaining({ granted: true }), merged: expect.objectContaining({ granted: false }), winner: 'merged' },
    ]);
    expect(await everything()).toEqual(before);

    const merged = await client.post(`/api/customers/${survivorId}/merge`, { mergedId: duplicateId });
    expect(merged.status).toBe(201);
    expect(merged.body.moved).toEqual(preview.body.moves);
    const profile = await client.get(`/api/customers/${survivorId}/profile`);
    expect(profile.body).toMatchObject({ tags: preview.body.result.tags, attributes: preview.body.result.attributes, consent: { email_marketing: { granted: false } } });
    expect(profile.body.customer.displayName).toBe(preview.body.result.displayName);
    // The same refusal as the merge once it is done.
    const again = await client.get(`/api/customers/${survivorId}/merge-preview?other=${duplicateId}`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_merged');
  });

  it('refuses a preview where the merge would be refused: bad ids 400, unknown 404, another queue’s customer 403', async () => {
    const { client: billing } = await signedIn('agent', ['billing']);
    const { client: orders } = await signedIn('agent', ['orders']);
    const { survivorId, duplicateId } = await duplicatePair();
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const path of [`/api/customers/nope/merge-preview?other=${duplicateId}`, `/api/customers/${survivorId}/merge-preview?other=nope`, `/api/customers/${survivorId}/merge-preview`]) {
      const res = await billing.get(path);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    expect((await billing.get(`/api/customers/${unknown}/merge-preview?other=${duplicateId}`)).status).toBe(404);
    const noOther = await billing.get(`/api/customers/${survivorId}/merge-preview?other=${unknown}`);
    expect(noOther.status).toBe(404);
    expect(noOther.body.error.message).toBe('no such customer to merge');
    expect((await orders.get(`/api/customers/${survivorId}/merge-preview?other=${duplicateId}`)).status).toBe(403);
    expect((await orders.post(`/api/customers/${survivorId}/merge`, { mergedId: duplicateId })).status).toBe(403);
    const self = await billing.get(`/api/customers/${survivorId}/merge-preview?other=${survivorId}`);
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe('merge_self');
    expect((await new ConsoleClient(app.url).get(`/api/customers/${survivorId}/merge-preview?other=${duplicateId}`)).status).toBe(401);
  });

  it('refuses an agent a merge or preview with a profile outside their queues, showing nothing of it and writing nothing; a supervisor may', async () => {
    const { client: billing } = await signedIn('agent', ['billing']);
    const { client: supervisor } = await signedIn('supervisor');
    // The duplicate's only ticket is in orders: a billing agent cannot read her.
    const { survivorId, duplicateId, email } = await duplicatePair('order_status');
    expect((await billing.get(`/api/customers/${duplicateId}/profile`)).status).toBe(403);
    expect((await billing.get(`/api/customers/${survivorId}/profile`)).status).toBe(200);
    const before = await everything();
    for (const res of [
      await billing.get(`/api/customers/${survivorId}/merge-preview?other=${duplicateId}`),
      await billing.post(`/api/customers/${survivorId}/merge`, { mergedId: duplicateId, reason: 'looks the same' }),
      // Nor the other way round: the hidden one as the survivor.
      await billing.get(`/api/customers/${duplicateId}/merge-preview?other=${survivorId}`),
      await billing.post(`/api/customers/${duplicateId}/merge`, { mergedId: survivorId }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('not_your_queue');
      const text = JSON.stringify(res.body);
      for (const leak of ['Dana', email, 'refund']) expect(text).not.toContain(leak);
    }
    expect(await everything()).toEqual(before);
    expect((await billing.get(`/api/customers/${survivorId}/profile`)).body.merges).toEqual([]);
    // A supervisor sees both and may merge.
    expect((await supervisor.get(`/api/customers/${survivorId}/merge-preview?other=${duplicateId}`)).status).toBe(200);
    expect((await supervisor.post(`/api/customers/${survivorId}/merge`, { mergedId: duplicateId })).status).toBe(201);
  });

  it('searches, as an agent, only the customers in their queues; a supervisor finds everyone', async () => {
    const { client: billing } = await signedIn('agent', ['billing']);
    const { client: supervisor } = await signedIn('supervisor');
    const { duplicateId: hiddenId, email: hiddenEmail } = await duplicatePair('order_status');
    const { duplicateId: visibleId, email: visibleEmail } = await duplicatePair('billing');
    const p = `SR${Date.now()}`;
    const commerce = new CommerceStore(app.database.db);
    await commerce.writeOrders([{ orderNumber: `${p}-1`, customerId: hiddenId, placedAt: new Date(), currency: 'EUR', status: 'paid', totalMinor: null, lines: [] }]);
    // A customer known only by phone, her one ticket in orders.
    const phone = `+4930${Date.now()}`;
    const phoned = await app.crm.customers.resolve({ kind: 'phone', externalId: phone, displayName: 'Hanna Hidden' });
    await ticketFor(phoned.id, 'order_status', 'Where is my parcel?');
    const ids = async (client: ConsoleClient, q: string) => {
      const res = await client.get(`/api/customers?q=${encodeURIComponent(q)}&limit=100`);
      expect(res.status).toBe(200);
      return (res.body.customers as Array<{ id: string }>).map((c) => c.id);
    };
    // By email, by name, by order number: the agent gets the visible one only.
    expect(await ids(billing, hiddenEmail)).not.toContain(hiddenId);
    expect(await ids(billing, visibleEmail)).toContain(visibleId);
    const byName = await ids(billing, 'Dana Dup');
    expect(byName).toContain(visibleId);
    expect(byName).not.toContain(hiddenId);
    expect(await ids(billing, `${p}-1`)).toEqual([]);
    expect(await ids(billing, phone)).toEqual([]);
    // The supervisor finds her every way.
    expect(await ids(supervisor, hiddenEmail)).toContain(hiddenId);
    expect(await ids(supervisor, 'Dana Dup')).toEqual(expect.arrayContaining([hiddenId, visibleId]));
    expect(await ids(supervisor, `${p}-1`)).toEqual([hiddenId]);
    expect(await ids(supervisor, phone)).toEqual([phoned.id]);
  });

  it('pages the history with an opaque cursor; a bad cursor is a 400', async () => {
    const { client } = await signedIn('agent', ['billing']);
    const { survivorId } = await duplicatePair();
    const at = new Date('2026-02-02T10:00:00Z');
    for (let i = 0; i < 5; i++) {
      await app.crm.timeline.record({ customerId: survivorId, channel: 'test', conversationId: `same-${survivorId}`, direction: 'inbound', author: 'customer', text: `same instant ${i}`, activityId: `same-${survivorId}-${i}`, at });
    }
    const all = await client.get(`/api/customers/${survivorId}/history?limit=100`);
    expect(all.body.entries).toHaveLength(6);
    expect(all.body.nextCursor).toBeNull();
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { entries: Array<{ id: string }>; nextCursor: string | null } } = await client.get(`/api/customers/${survivorId}/history?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      ids.push(...page.body.entries.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(ids).toEqual(all.body.entries.map((e: { id: string }) => e.id));
    for (const bad of ['garbage', Buffer.from('["2026-02-02T10:00:00.000000Z","message","x"]').toString('base64url')]) {
      const res = await client.get(`/api/customers/${survivorId}/history?cursor=${bad}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_cursor');
    }
    const both = await client.get(`/api/customers/${survivorId}/history?limit=2&cursor=${(await client.get(`/api/customers/${survivorId}/history?limit=2`)).body.nextCursor}&before=2026-02-03T00:00:00Z`);
    expect(both.status).toBe(400);
  });
});
