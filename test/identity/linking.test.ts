import { sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { createCrm, type Crm, type Database } from '../../crm';
import { CommerceStore } from '../../crm/commerce/store';
import { queryRows } from '../../crm/commerce/rows';
import { IdentityLinker, MergeError } from '../../crm/identity/linking';
import { CustomerHistory } from '../../crm/identity/history';
import { ProfileStore } from '../../crm/identity/profiles';
import { resolveCustomersBulk, identityKey } from '../../crm/identity/resolve';
import { queues, tickets } from '../../crm/schema';
import { openTestDatabase, uniq } from '../import/helpers';

/** Every row that belongs to a customer, as it is stored (ids, owners, profile), to compare before/after. */
async function ownership(database: Database, ids: string[]) {
  const list = sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
  const q = (table: string) =>
    queryRows<{ id: string; customer_id: string }>(database.db, sql`select id::text, customer_id::text from ${sql.raw(table)} where customer_id in (${list}) order by id`);
  return {
    identities: await q('identities'),
    messages: await q('messages'),
    orders: await q('orders'),
    events: await q('customer_events'),
    tickets: await q('tickets'),
    customers: await queryRows(database.db, sql`select id::text, display_name, email, language, attributes from customers where id in (${list}) order by id`),
    profiles: await queryRows(database.db, sql`select customer_id::text, attributes, consent, language, tags, merged_into::text from customer_profiles where customer_id in (${list}) order by customer_id`),
  };
}

describe('identity linking', () => {
  let database: Database;
  let crm: Crm;
  let linker: IdentityLinker;
  let commerce: CommerceStore;
  let profiles: ProfileStore;
  beforeAll(async () => {
    database = await openTestDatabase();
    crm = createCrm(database.db);
    linker = new IdentityLinker(database.db);
    commerce = new CommerceStore(database.db);
    profiles = new ProfileStore(database.db);
    await database.db.insert(queues).values({ id: 'c360-test', name: 'C360 test' }).onConflictDoNothing();
  });
  afterAll(() => database.close());

  /** A customer with a chat identity, messages, an order, an event and a ticket. */
  async function customerWithHistory(label: string, email: string | null) {
    const p = uniq(label);
    const customer = await crm.customers.resolve({ kind: 'directline', externalId: `dl-${p}`, displayName: label });
    if (email) await database.db.execute(sql`update customers set email = ${email} where id = ${customer.id}`);
    for (const [i, text] of ['hello', 'where is my order?'].entries()) {
      await crm.timeline.record({ customerId: customer.id, channel: 'directline', conversationId: `conv-${p}`, direction: 'inbound', author: 'customer', text, activityId: `a${i}`, at: new Date(Date.UTC(2026, 0, 1, 10, i)) });
    }
    const products = await commerce.upsertObservedProducts([{ sku: `${p}SKU`, name: `Thing ${label}`, priceMinor: 500, currency: 'GBP', observedAt: new Date('2026-01-01T00:00:00Z') }]);
    const productId = products.get(`${p}SKU`)!.id;
    const orderNumber = `${p}-ORD`;
    await commerce.writeOrders([
      { orderNumber, customerId: customer.id, placedAt: new Date('2026-01-02T09:00:00Z'), currency: 'GBP', status: 'paid', totalMinor: null, lines: [{ lineNo: 1, productId, quantity: 2, unitPriceMinor: 500 }] },
    ]);
    await commerce.recordEvents([{ customerId: customer.id, type: 'view', productId, at: new Date('2026-01-01T12:00:00Z'), idempotencyKey: `ev-${p}`, source: 'test' }]);
    const now = new Date();
    await database.db.insert(tickets).values({
      customerId: customer.id, channel: 'directline', conversationId: `conv-${p}`, queueId: 'c360-test', category: 'orders', priority: 'normal',
      priorityScore: 10, subject: `ticket ${label}`, firstResponseDueAt: now, resolutionDueAt: now, createdAt: new Date('2026-01-01T10:05:00Z'),
    });
    return { customer, orderNumber, p };
  }

  it('merges two profiles in one transaction and undo restores exactly what moved', async () => {
    const a = await customerWithHistory('Ana', 'ana@example.com');
    const b = await customerWithHistory('Bea', null);
    await profiles.update(a.customer.id, { tags: ['vip'], consent: { email_marketing: true }, language: 'pt' });
    await profiles.update(b.customer.id, { tags: ['newsletter'], consent: { sms: false } });
    const ids = [a.customer.id, b.customer.id];
    const before = await ownership(database, ids);

    const result = await linker.merge({ survivorId: a.customer.id, mergedId: b.customer.id, actor: 'agent:u1', reason: 'same person' });
    expect(result.moved).toEqual({ identity: 1, message: 2, order: 1, event: 1, ticket: 1 });
    const merged = await ownership(database, ids);
    for (const kind of ['identities', 'messages', 'orders', 'events', 'tickets'] as const) {
      expect(merged[kind].every((r) => r.customer_id === a.customer.id)).toBe(true);
      expect(merged[kind]).toHaveLength(before[kind].length);
    }
    // The chat identity of B now resolves to A.
    expect((await crm.customers.findByIdentity('directline', `dl-${b.p}`))?.id).toBe(a.customer.id);
    const survivor = await profiles.get(a.customer.id);
    expect(survivor.tags).toEqual(['newsletter', 'vip']);
    expect(Object.keys(survivor.consent).sort()).toEqual(['email_marketing', 'sms']);
    expect((await profiles.get(b.customer.id)).mergedInto).toBe(a.customer.id);
    expect(await linker.currentCustomerId(b.customer.id)).toBe(a.customer.id);
    // B cannot be merged twice, nor can anything merge into B.
    await expect(linker.merge({ survivorId: a.customer.id, mergedId: b.customer.id, actor: 'agent:u1' })).rejects.toBeInstanceOf(MergeError);
    await expect(linker.merge({ survivorId: b.customer.id, mergedId: a.customer.id, actor: 'agent:u1' })).rejects.toThrow(/merged into/);

    // A message that arrives after the merge stays with the survivor on undo.
    await crm.timeline.record({ customerId: a.customer.id, channel: 'directline', conversationId: `conv-${a.p}`, direction: 'inbound', author: 'customer', text: 'after merge', activityId: 'late' });

    const undone = await linker.undo(result.mergeId, 'agent:u2');
    expect(undone.movedBack).toEqual(result.moved);
    const after = await ownership(database, ids);
    const late = after.messages.find((m) => !before.messages.some((x) => x.id === m.id))!;
    expect(late.customer_id).toBe(a.customer.id);
    expect({ ...after, messages: after.messages.filter((m) => m.id !== late.id) }).toEqual(before);
    await expect(linker.undo(result.mergeId, 'agent:u2')).rejects.toThrow(/already undone/);
    const log = await linker.mergesOf(b.customer.id);
    expect(log[0]).toMatchObject({ id: result.mergeId, actor: 'agent:u1', reason: 'same person' });
    expect(log[0].undoneAt).toBeInstanceOf(Date);
  });

  it('undo keeps what changed on the survivor after the merge (edits, consent decisions, tags, removed attributes) and reverts the rest', async () => {
    const tier = `tier_${uniq('t').replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
    const note = `note_${uniq('n').replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
    await profiles.declareAttribute(tier, 'string');
    await profiles.declareAttribute(note, 'string');
    const legacy = `legacy_${uniq('l').replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
    await profiles.declareAttribute(legacy, 'number');
    const a = await customerWithHistory('Cal', 'cal@example.com');
    const b = await customerWithHistory('Dee', 'dee@example.com');
    await profiles.update(a.customer.id, { tags: ['vip'], consent: { email_marketing: true }, language: 'en' });
    await profiles.update(b.customer.id, { tags: ['newsletter', 'wholesale'], consent: { sms: true }, attributes: { [tier]: 'gold', [note]: 'from B', [legacy]: 7 }, language: 'fr' });
    const merge = await linker.merge({ survivorId: a.customer.id, mergedId: b.customer.id, actor: 'agent:u1' });
    expect(await profiles.get(a.customer.id)).toMatchObject({ tags: ['newsletter', 'vip', 'wholesale'], attributes: { [tier]: 'gold', [note]: 'from B' }, language: 'en' });

    // After the merge: the customer withdraws SMS consent (a decision the merge brought in), an agent
    // changes the tier, removes the note and a tag, and adds a tag.
    await profiles.update(a.customer.id, { consent: { sms: false }, attributes: { [tier]: 'platinum', [note]: null }, removeTags: ['wholesale'], addTags: ['priority'] });
    // An admin deletes an attribute meanwhile: no profile may hold a value of it again, not even through an undo.
    await profiles.deleteAttribute(legacy);

    const undone = await linker.undo(merge.mergeId, 'agent:u2');
    const survivor = await profiles.get(a.customer.id);
    // Kept: the withdrawal, the new tier, the removal of the note, the tag changes. Reverted: B's tags, B's language had not won anyway.
    expect(survivor.consent.sms).toMatchObject({ granted: false });
    expect(survivor.consent.email_marketing).toMatchObject({ granted: true });
    expect(survivor.attributes).toEqual({ [tier]: 'platinum' });
    expect(survivor.tags).toEqual(['priority', 'vip']);
    expect(survivor.language).toBe('en');
    expect(undone.kept.map((k) => k.field).sort()).toEqual([`attribute:${legacy}`, `attribute:${note}`, `attribute:${tier}`, 'consent:sms', 'tags']);
    expect(undone.kept.find((k) => k.field === `attribute:${tier}`)).toEqual({ field: `attribute:${tier}`, afterMerge: 'gold', now: 'platinum' });
    expect(undone.droppedAttributes).toEqual([legacy]);
    // The duplicate gets everything of its own back, as it was.
    expect(await profiles.get(b.customer.id)).toMatchObject({ tags: ['newsletter', 'wholesale'], attributes: { [tier]: 'gold', [note]: 'from B' }, language: 'fr', mergedInto: null });
    expect((await profiles.get(b.customer.id)).attributes).not.toHaveProperty(legacy);
    expect((await profiles.get(b.customer.id)).consent.sms).toMatchObject({ granted: true });
    const [emails] = await queryRows<{ a: string; b: string }>(database.db, sql`select (select email from customers where id = ${a.customer.id}) as a, (select email from customers where id = ${b.customer.id}) as b`);
    expect(emails).toEqual({ a: 'cal@example.com', b: 'dee@example.com' });
  });

  it('a merge recorded before the survivor’s after-merge state was kept: undo derives it from the merge rules, and still keeps later changes', async () => {
    const a = await customerWithHistory('Eve', null);
    const b = await customerWithHistory('Fay', null);
    await profiles.update(b.customer.id, { tags: ['newsletter'] });
    const merge = await linker.merge({ survivorId: a.customer.id, mergedId: b.customer.id, actor: 'agent:u1' });
    await database.db.execute(sql`update customer_merges set after = null where id = ${merge.mergeId}`);
    await profiles.update(a.customer.id, { addTags: ['priority'] });
    const undone = await linker.undo(merge.mergeId, 'agent:u1');
    expect(undone.kept.map((k) => k.field)).toEqual(['tags']);
    expect((await profiles.get(a.customer.id)).tags).toEqual(['priority']);
    expect((await profiles.get(b.customer.id)).tags).toEqual(['newsletter']);
  });

  it('serialises concurrent merges of the same profile: exactly one wins', async () => {
    const a = await customerWithHistory('A', null);
    const b = await customerWithHistory('B', null);
    const c = await customerWithHistory('C', null);
    const results = await Promise.allSettled([
      linker.merge({ survivorId: a.customer.id, mergedId: c.customer.id, actor: 'agent:1' }),
      linker.merge({ survivorId: b.customer.id, mergedId: c.customer.id, actor: 'agent:2' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const own = await ownership(database, [a.customer.id, b.customer.id, c.customer.id]);
    expect(own.orders.filter((o) => o.customer_id === c.customer.id)).toHaveLength(0);
    expect(own.orders).toHaveLength(3);
  });

  it('refuses to undo a merge whose survivor was merged again, until that merge is undone', async () => {
    const a = await customerWithHistory('X', null);
    const b = await customerWithHistory('Y', null);
    const c = await customerWithHistory('Z', null);
    const first = await linker.merge({ survivorId: a.customer.id, mergedId: b.customer.id, actor: 'agent:1' });
    const second = await linker.merge({ survivorId: c.customer.id, mergedId: a.customer.id, actor: 'agent:1' });
    expect(second.moved.order).toBe(2);
    await expect(linker.undo(first.mergeId, 'agent:1')).rejects.toThrow(/undo that merge first/);
    await linker.undo(second.mergeId, 'agent:1');
    await linker.undo(first.mergeId, 'agent:1');
    const own = await ownership(database, [a.customer.id, b.customer.id, c.customer.id]);
    expect(own.orders.map((o) => o.customer_id).sort()).toEqual([a.customer.id, b.customer.id, c.customer.id].sort());
  });

  it('links a chat customer to the order customer automatically when email and order number match', async () => {
    const shopper = await customerWithHistory('Shopper', 'Shopper@Example.com');
    const visitorHandle = `dl-${uniq('visitor')}`;
    const visitor = await crm.customers.resolve({ kind: 'directline', externalId: visitorHandle });
    await crm.timeline.record({ customerId: visitor.id, channel: 'directline', conversationId: 'conv-v', direction: 'inbound', author: 'customer', text: 'my order?', activityId: `v-${visitor.id}` });

    expect(await linker.linkByOrderProof({ customerId: visitor.id, email: 'shopper@example.com', orderNumber: 'NO-SUCH-ORDER' })).toEqual({ linked: false, reason: 'order_not_found' });
    expect(await linker.linkByOrderProof({ customerId: visitor.id, email: 'someone@else.com', orderNumber: shopper.orderNumber })).toEqual({ linked: false, reason: 'email_mismatch' });
    expect((await crm.timeline.forCustomer(visitor.id)).length).toBe(1);

    const linked = await linker.linkByOrderProof({ customerId: visitor.id, email: ' shopper@example.COM ', orderNumber: shopper.orderNumber });
    expect(linked).toMatchObject({ linked: true, customerId: shopper.customer.id, alreadyLinked: false });
    expect((await crm.customers.findByIdentity('directline', visitorHandle))?.id).toBe(shopper.customer.id);
    expect((await crm.timeline.forCustomer(shopper.customer.id)).map((m) => m.text)).toContain('my order?');
    // Proving again from the (now linked) customer is a no-op.
    expect(await linker.linkByOrderProof({ customerId: shopper.customer.id, email: 'shopper@example.com', orderNumber: shopper.orderNumber })).toEqual({
      linked: true, customerId: shopper.customer.id, mergeId: null, alreadyLinked: true,
    });
    // The automatic link is an ordinary merge: an agent can undo it.
    if (!linked.linked || !linked.mergeId) throw new Error('expected a merge');
    await linker.undo(linked.mergeId, 'agent:u9');
    expect((await crm.timeline.forCustomer(visitor.id)).map((m) => m.text)).toEqual(['my order?']);
  });

  it('matches an email identity as well as the customer record email', async () => {
    const p = uniq('em');
    const { ids } = await resolveCustomersBulk(database.db, [{ kind: 'retail_customer_id', externalId: p }]);
    const owner = ids.get(identityKey('retail_customer_id', p))!;
    await database.db.execute(sql`insert into identities (customer_id, kind, external_id) values (${owner}, 'email', ${`${p.toLowerCase()}@shop.test`})`);
    const product = (await commerce.upsertObservedProducts([{ sku: `${p}S`, name: 'x', priceMinor: 1, currency: 'GBP', observedAt: new Date() }])).get(`${p}S`)!.id;
    await commerce.writeOrders([{ orderNumber: `${p}-1`, customerId: owner, placedAt: new Date(), currency: 'GBP', status: 'paid', totalMinor: null, lines: [{ lineNo: 1, productId: product, quantity: 1, unitPriceMinor: 1 }] }]);
    const visitor = await crm.customers.resolve({ kind: 'msteams', externalId: randomUUID() });
    expect(await linker.linkByOrderProof({ customerId: visitor.id, email: `${p}@SHOP.test`, orderNumber: `${p}-1` })).toMatchObject({ linked: true, customerId: owner });
  });

  it('gives one timeline of messages, tickets, orders and events, newest first, with paging', async () => {
    const { customer } = await customerWithHistory('Tim', null);
    const history = new CustomerHistory(database.db);
    const all = await history.timeline(customer.id);
    expect(all.map((e) => e.kind)).toEqual(['order', 'event', 'ticket', 'message', 'message']);
    expect(all[0].summary).toMatch(/order .*-ORD paid: 1 line\(s\), 10\.00 GBP/);
    expect(all[1].summary).toMatch(/^view .*SKU \(Thing Tim\)$/);
    expect(all[2].data).toMatchObject({ subject: 'ticket Tim', category: 'orders' });
    const page = await history.timeline(customer.id, { limit: 2, before: all[1].at });
    expect(page.map((e) => e.kind)).toEqual(['ticket', 'message']);
    expect((await history.timeline(customer.id, { kinds: ['message'] })).map((e) => e.data.text)).toEqual(['where is my order?', 'hello']);
  });
});
