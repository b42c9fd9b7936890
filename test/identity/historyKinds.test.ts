import { createCrm, type Crm, type Database } from '../../crm';
import { CommerceStore } from '../../crm/commerce/store';
import { CustomerHistory } from '../../crm/identity/history';
import { openTestDatabase, uniq } from '../import/helpers';

/**
 * The console's timeline filters ask for any subset of kinds: whichever branch comes first in the
 * union names the columns, so a subset without messages must read as well as the full timeline.
 */
describe('customer history filtered by kind', () => {
  let database: Database;
  let crm: Crm;
  let history: CustomerHistory;
  beforeAll(async () => {
    database = await openTestDatabase();
    crm = createCrm(database.db);
    history = new CustomerHistory(database.db);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('answers every subset of kinds, newest first, with only those kinds', async () => {
    const p = uniq('hk');
    const customer = await crm.customers.resolve({ kind: 'email', externalId: `${p.toLowerCase()}@shop.test` });
    const commerce = new CommerceStore(database.db);
    const product = (await commerce.upsertObservedProducts([{ sku: `${p}S`, name: `Thing ${p}`, priceMinor: 250, currency: 'EUR', observedAt: new Date() }])).get(`${p}S`)!.id;
    const t0 = Date.now() - 60_000;
    await crm.timeline.record({ customerId: customer.id, channel: 'email', conversationId: p, direction: 'inbound', author: 'customer', text: 'hello', activityId: p, at: new Date(t0) });
    await commerce.writeOrders([{ orderNumber: `${p}-1`, customerId: customer.id, placedAt: new Date(t0 + 1000), currency: 'EUR', status: 'paid', totalMinor: null, lines: [{ lineNo: 1, productId: product, quantity: 2, unitPriceMinor: 250 }] }]);
    await commerce.recordEvents([{ customerId: customer.id, type: 'view', productId: product, at: new Date(t0 + 2000), idempotencyKey: `${p}-view`, source: 'website' }]);

    expect((await history.timeline(customer.id, { kinds: ['order'] })).map((e) => [e.kind, e.data.orderNumber])).toEqual([['order', `${p}-1`]]);
    expect((await history.timeline(customer.id, { kinds: ['event'] })).map((e) => [e.kind, e.data.product])).toEqual([['event', `Thing ${p}`]]);
    expect((await history.timeline(customer.id, { kinds: ['order', 'event'] })).map((e) => e.kind)).toEqual(['event', 'order']);
    expect(await history.timeline(customer.id, { kinds: ['ticket'] })).toEqual([]);
    const rest = await history.timeline(customer.id, { kinds: ['ticket', 'order', 'event'], before: new Date(t0 + 2000) });
    expect(rest.map((e) => [e.kind, e.summary])).toEqual([['order', `order ${p}-1 paid: 1 line(s), 5.00 EUR`]]);
    expect((await history.timeline(customer.id)).map((e) => e.kind)).toEqual(['event', 'order', 'message']);
  });
});
