import type { Database } from '../../crm';
import { customerValue, loadCatalog, loadInteractions, loadValueOrders } from '../../crm/commerce/analytics';
import { CommerceStore } from '../../crm/commerce/store';
import { identityKey, resolveCustomersBulk } from '../../crm/identity/resolve';
import { trainRecommender } from '../../crm/recommendations';
import { openTestDatabase, uniq } from '../import/helpers';

describe('commerce analytics adapters', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  it('feeds stored orders and events to crm/value and crm/recommendations', async () => {
    const p = uniq('AN');
    const commerce = new CommerceStore(database.db);
    const { ids } = await resolveCustomersBulk(database.db, [1, 2, 3].map((n) => ({ kind: 'shop', externalId: `${p}${n}` })));
    const c = (n: number) => ids.get(identityKey('shop', `${p}${n}`))!;
    const products = await commerce.upsertCatalogProducts(['A', 'B', 'C'].map((s) => ({ sku: `${p}${s}`, name: `Item ${s}`, category: 'cat', priceMinor: 100, currency: 'GBP' })));
    const pid = (s: string) => products.get(`${p}${s}`)!.id;
    const order = (n: number, customer: number, day: number, skus: string[], status: 'paid' | 'cancelled' = 'paid') => ({
      orderNumber: `${p}-${n}`, customerId: c(customer), placedAt: new Date(Date.UTC(2026, 0, day)), currency: 'GBP', status, totalMinor: null,
      lines: skus.map((s, i) => ({ lineNo: i + 1, productId: pid(s), quantity: 1, unitPriceMinor: 250 })),
    });
    await commerce.writeOrders([order(1, 1, 1, ['A', 'B']), order(2, 1, 20, ['A']), order(3, 2, 5, ['A', 'B']), order(4, 3, 6, ['A']), order(5, 3, 7, ['C'], 'cancelled')]);
    await commerce.recordEvents([{ customerId: c(3), type: 'view', productId: pid('B'), at: new Date(Date.UTC(2026, 0, 8)), idempotencyKey: `${p}-v`, source: 'test' }]);

    const orders = (await loadValueOrders(database.db)).filter((o) => o.orderId.startsWith(p));
    expect(orders.map((o) => [o.orderId, o.amountMinor]).sort()).toEqual([[`${p}-1`, 500], [`${p}-2`, 250], [`${p}-3`, 500], [`${p}-4`, 250]]);
    const interactions = (await loadInteractions(database.db)).filter((i) => i.itemId.startsWith(p));
    expect(interactions).toHaveLength(7);
    expect(interactions.filter((i) => i.kind === 'view')).toEqual([{ customerId: c(3), itemId: `${p}B`, kind: 'view', at: new Date(Date.UTC(2026, 0, 8)) }]);
    const catalog = (await loadCatalog(database.db)).filter((i) => i.itemId.startsWith(p));
    expect(catalog).toHaveLength(3);

    const value = await customerValue(database.db, c(1));
    expect(value.rfm).toMatchObject({ customerId: c(1), orders: 2, monetaryMinor: 750 });
    expect(value.value).toMatchObject({ customerId: c(1), orders: 2, averageOrderMinor: 375 });
    expect(await customerValue(database.db, '00000000-0000-4000-8000-000000000000')).toEqual({ rfm: null, value: null });

    const model = trainRecommender(interactions, { catalog, algorithm: 'popularity' });
    expect(model.recommend(c(3), { k: 3 }).map((r) => r.itemId)).not.toContain(`${p}A`);
  });
});
