import { sql } from 'drizzle-orm';
import { createCrm, type Crm, type Database } from '../../crm';
import { CommerceStore } from '../../crm/commerce/store';
import { CustomerHistory, decodeHistoryCursor, encodeHistoryCursor, HistoryCursorError, type HistoryEntry } from '../../crm/identity/history';
import { openTestDatabase, uniq } from '../import/helpers';

/**
 * Keyset paging of the timeline: a page ends at (at, kind, id) and the next one starts right after it,
 * so entries sharing the boundary's timestamp (messages of one millisecond, an order and its purchase
 * event) are neither skipped nor repeated, and PostgreSQL's microseconds are kept.
 */
describe('customer history paging with a cursor', () => {
  let database: Database;
  let crm: Crm;
  let commerce: CommerceStore;
  let history: CustomerHistory;
  beforeAll(async () => {
    database = await openTestDatabase();
    crm = createCrm(database.db);
    commerce = new CommerceStore(database.db);
    history = new CustomerHistory(database.db);
  });
  afterAll(() => database.close());

  /** 23 entries at one instant (messages, orders, events), 4 in the same millisecond a few microseconds apart, 3 older, 2 newer. */
  async function crowdedCustomer() {
    const p = uniq('hp');
    const customer = await crm.customers.resolve({ kind: 'email', externalId: `${p.toLowerCase()}@shop.test` });
    const product = (await commerce.upsertObservedProducts([{ sku: `${p}S`, name: `Thing ${p}`, priceMinor: 100, currency: 'EUR', observedAt: new Date() }])).get(`${p}S`)!.id;
    const same = new Date('2026-03-01T12:00:00.000Z');
    const message = (i: number, at: Date) =>
      crm.timeline.record({ customerId: customer.id, channel: 'email', conversationId: p, direction: 'inbound', author: 'customer', text: `m${i}`, activityId: `${p}-${i}`, at });
    for (let i = 0; i < 15; i++) await message(i, same);
    await commerce.writeOrders(
      [0, 1, 2, 3].map((i) => ({ orderNumber: `${p}-O${i}`, customerId: customer.id, placedAt: same, currency: 'EUR', status: 'paid', totalMinor: null, lines: [{ lineNo: 1, productId: product, quantity: 1, unitPriceMinor: 100 }] })),
    );
    await commerce.recordEvents([0, 1, 2, 3].map((i) => ({ customerId: customer.id, type: 'purchase' as const, productId: product, at: same, idempotencyKey: `${p}-e${i}`, source: 'shop' })));
    // The same millisecond, microseconds apart (as now() stores them): a Date cursor would lose these.
    const micro = new Date('2026-03-01T11:59:59.999Z');
    for (let i = 15; i < 19; i++) await message(i, micro);
    await database.db.execute(sql`update messages set created_at = created_at + (((substring(text from 2))::int - 15) * 200 || ' microseconds')::interval
      where customer_id = ${customer.id} and created_at = ${micro.toISOString()}::timestamptz`);
    for (let i = 19; i < 22; i++) await message(i, new Date(Date.UTC(2026, 1, i)));
    for (let i = 22; i < 24; i++) await message(i, new Date(Date.UTC(2026, 3, i)));
    return customer.id;
  }

  const key = (e: HistoryEntry) => `${e.kind}:${e.id}`;

  async function pageThrough(customerId: string, limit: number, kinds?: HistoryEntry['kind'][]) {
    const seen: HistoryEntry[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await history.page(customerId, { limit, cursor, kinds });
      expect(page.entries.length).toBeLessThanOrEqual(limit);
      seen.push(...page.entries);
      if (!page.nextCursor) return { seen, pages: pages + 1 };
      expect(page.entries).toHaveLength(limit);
      cursor = page.nextCursor;
    }
    throw new Error('paging did not end');
  }

  it('returns every entry exactly once, in order, when more entries share a timestamp than fit a page', async () => {
    const customerId = await crowdedCustomer();
    const all = await history.timeline(customerId, { limit: 1000 });
    expect(all).toHaveLength(32);
    expect(all.filter((e) => e.at.toISOString() === '2026-03-01T12:00:00.000Z')).toHaveLength(23);

    const { seen, pages } = await pageThrough(customerId, 5);
    expect(pages).toBe(7);
    expect(seen.map(key)).toEqual(all.map(key));
    expect(new Set(seen.map(key)).size).toBe(32);
    // The order: newest first; at one instant by kind, then id descending.
    const tied = seen.filter((e) => e.at.toISOString() === '2026-03-01T12:00:00.000Z');
    expect(tied.map((e) => e.kind)).toEqual([...Array(4).fill('event'), ...Array(15).fill('message'), ...Array(4).fill('order')]);
    const messageIds = tied.filter((e) => e.kind === 'message').map((e) => e.id);
    expect(messageIds).toEqual([...messageIds].sort().reverse());
    // The microsecond-apart messages of one millisecond, newest first.
    expect(seen.filter((e) => ['m15', 'm16', 'm17', 'm18'].includes(String(e.data.text))).map((e) => e.data.text)).toEqual(['m18', 'm17', 'm16', 'm15']);

    // Every page size, and a kind filter, gives the same sequence.
    for (const limit of [1, 2, 3, 4, 7, 19, 23, 31, 32, 33]) expect((await pageThrough(customerId, limit)).seen.map(key)).toEqual(all.map(key));
    const noMessages = await pageThrough(customerId, 3, ['order', 'event']);
    expect(noMessages.seen.map(key)).toEqual(all.filter((e) => e.kind !== 'message').map(key));
  });

  it('keeps `before` for older clients (strictly older than the instant) and refuses both together', async () => {
    const customerId = await crowdedCustomer();
    const older = await history.timeline(customerId, { before: new Date('2026-03-01T12:00:00.000Z') });
    expect(older.map((e) => e.data.text)).toEqual(['m18', 'm17', 'm16', 'm15', 'm21', 'm20', 'm19']);
    const first = await history.page(customerId, { limit: 2 });
    await expect(history.page(customerId, { cursor: first.nextCursor!, before: new Date() })).rejects.toBeInstanceOf(HistoryCursorError);
  });

  it('refuses a cursor it did not give out', () => {
    const good = encodeHistoryCursor({ at: '2026-03-01T12:00:00.000000Z', kind: 'order', id: '6f1c1e2a-3b4c-4d5e-8f60-718293a4b5c6' });
    expect(decodeHistoryCursor(good)).toEqual({ at: '2026-03-01T12:00:00.000000Z', kind: 'order', id: '6f1c1e2a-3b4c-4d5e-8f60-718293a4b5c6' });
    const bad = [
      'not a cursor!',
      Buffer.from('{"at":1}').toString('base64url'),
      Buffer.from('["2026-03-01T12:00:00Z","order","1"]').toString('base64url'),
      Buffer.from('["2026-03-01T12:00:00.000000Z","note","1"]').toString('base64url'),
      Buffer.from("[\"2026-03-01T12:00:00.000000Z\",\"order\",\"1'; drop table orders; --\"]").toString('base64url'),
      'x'.repeat(201),
    ];
    for (const cursor of bad) expect(() => decodeHistoryCursor(cursor)).toThrow(HistoryCursorError);
  });
});
