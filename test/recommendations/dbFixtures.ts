import { randomUUID } from 'node:crypto';
import { createCrm, openDatabase, type Database } from '../../crm';
import { CommerceStore, type CatalogProduct } from '../../crm/commerce';
import { testDatabaseUrl } from '../support/apps';

/**
 * A small shop in the file's PostgreSQL database, written through crm/commerce:
 * - tea lovers (t1..t6) buy SENCHA, EARLGREY, INFUSER together; coffee people (c1..c6) BEANS, GRINDER, DRIPPER
 * - KETTLE is bought by everybody (popular); ENAMEL (inactive) by every tea lover
 * - `teaNewbie` bought only SENCHA; `viewer` only looked at GRINDER (events)
 */
export const SHOP_PRODUCTS: CatalogProduct[] = [
  { sku: 'SENCHA', name: 'Sencha tea', category: 'tea', priceMinor: 900, currency: 'EUR' },
  { sku: 'EARLGREY', name: 'Earl Grey tea', category: 'tea', priceMinor: 800, currency: 'EUR' },
  { sku: 'INFUSER', name: 'Tea infuser', category: 'tea', priceMinor: 1400, currency: 'EUR' },
  { sku: 'JASMINE', name: 'Jasmine tea', category: 'tea', priceMinor: 1000, currency: 'EUR' },
  { sku: 'BEANS', name: 'Coffee beans', category: 'coffee', priceMinor: 1300, currency: 'EUR' },
  { sku: 'GRINDER', name: 'Hand grinder', category: 'coffee', priceMinor: 4500, currency: 'EUR' },
  { sku: 'DRIPPER', name: 'Pour-over dripper', category: 'coffee', priceMinor: 2200, currency: 'EUR' },
  { sku: 'KETTLE', name: 'Gooseneck kettle', category: 'kitchen', priceMinor: 5900, currency: 'EUR' },
  { sku: 'ENAMEL', name: 'Enamel mug (discontinued)', category: 'tea', priceMinor: 1500, currency: 'EUR', active: false },
];

export interface Shop {
  database: Database;
  crm: ReturnType<typeof createCrm>;
  commerce: CommerceStore;
  customer: Record<string, string>;
  productId: Map<string, string>;
  /** Writes one delivered order for a customer now (a new order number each time). */
  buy(customerKey: string, skus: string[], daysAgo?: number): Promise<void>;
}

export async function openShop(): Promise<Shop> {
  const database = await openDatabase({ url: testDatabaseUrl(), poolSize: 4 });
  const crm = createCrm(database.db);
  const commerce = new CommerceStore(database.db);
  const ids = await commerce.upsertCatalogProducts(SHOP_PRODUCTS);
  const productId = new Map([...ids].map(([sku, v]) => [sku, v.id]));
  const customer: Record<string, string> = {};
  const keys = [...Array.from({ length: 6 }, (_, i) => `t${i + 1}`), ...Array.from({ length: 6 }, (_, i) => `c${i + 1}`), 'teaNewbie', 'viewer'];
  for (const key of keys) customer[key] = (await crm.customers.resolve({ kind: 'test-shop', externalId: key, displayName: key })).id;
  const now = Date.now();
  const buy = async (customerKey: string, skus: string[], daysAgo = 0) => {
    await commerce.writeOrders([
      {
        orderNumber: `T-${randomUUID().slice(0, 8)}`,
        customerId: customer[customerKey],
        placedAt: new Date(now - daysAgo * 86_400_000),
        currency: 'EUR',
        status: 'delivered',
        totalMinor: null,
        lines: skus.map((sku, i) => ({ lineNo: i + 1, productId: productId.get(sku)!, quantity: 1, unitPriceMinor: 1000 })),
      },
    ]);
  };
  for (let i = 1; i <= 6; i++) {
    await buy(`t${i}`, ['SENCHA', 'EARLGREY', 'INFUSER', 'ENAMEL', 'KETTLE'], 10 + i);
    await buy(`c${i}`, ['BEANS', 'GRINDER', 'DRIPPER', 'KETTLE'], 10 + i);
  }
  await buy('teaNewbie', ['SENCHA'], 5);
  await commerce.recordEvents([
    { customerId: customer.viewer, type: 'view', productId: productId.get('GRINDER')!, at: new Date(now - 86_400_000), idempotencyKey: `view-${randomUUID()}`, source: 'test' },
  ]);
  return { database, crm, commerce, customer, productId, buy };
}
