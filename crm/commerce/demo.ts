/**
 * A small demo shop for a fresh install (`npm start` on an empty database): a few products and one
 * demo customer with three orders, so a newcomer can ask the bot "where is my order A10042?".
 * Does nothing once any product exists.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { products } from '../schema';
import type { CustomerDirectory } from '../customers';
import { CommerceStore, type CatalogProduct } from './store';

export const DEMO_PRODUCTS: CatalogProduct[] = [
  { sku: 'MUG-CLASSIC', name: 'Classic stoneware mug', category: 'kitchen', priceMinor: 1200, currency: 'EUR' },
  { sku: 'MUG-TRAVEL', name: 'Insulated travel mug', category: 'kitchen', priceMinor: 2400, currency: 'EUR' },
  { sku: 'TEA-SENCHA', name: 'Organic sencha tea, 100 g', category: 'tea', priceMinor: 900, currency: 'EUR' },
  { sku: 'TEA-EARLGREY', name: 'Earl Grey tea, 100 g', category: 'tea', priceMinor: 800, currency: 'EUR' },
  { sku: 'KETTLE-GOOSE', name: 'Gooseneck kettle', category: 'kitchen', priceMinor: 5900, currency: 'EUR' },
  { sku: 'BLANKET-WOOL', name: 'Merino wool blanket', category: 'home', priceMinor: 8900, currency: 'EUR' },
  { sku: 'CANDLE-CEDAR', name: 'Cedar scented candle', category: 'home', priceMinor: 1900, currency: 'EUR' },
  { sku: 'LAMP-DESK', name: 'Brass desk lamp', category: 'home', priceMinor: 7400, currency: 'EUR' },
];

export const DEMO_ORDERS = [
  { orderNumber: 'A10041', status: 'delivered' as const, daysAgo: 20, lines: [['TEA-SENCHA', 2], ['MUG-CLASSIC', 2]] as Array<[string, number]> },
  { orderNumber: 'A10042', status: 'shipped' as const, daysAgo: 3, lines: [['KETTLE-GOOSE', 1]] as Array<[string, number]> },
  { orderNumber: 'A10043', status: 'paid' as const, daysAgo: 0, lines: [['BLANKET-WOOL', 1], ['CANDLE-CEDAR', 2]] as Array<[string, number]> },
];

/** Seeds the demo shop when the catalog is empty; returns the demo order numbers (empty when it did nothing). */
export async function seedDemoCatalog(db: Db, customers: CustomerDirectory, now = new Date()): Promise<string[]> {
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(products);
  if (n > 0) return [];
  const store = new CommerceStore(db);
  const ids = await store.upsertCatalogProducts(DEMO_PRODUCTS);
  const customer = await customers.resolve({ kind: 'email', externalId: 'dana.demo@example.com', displayName: 'Dana Demo' });
  await store.writeOrders(
    DEMO_ORDERS.map((o) => ({
      orderNumber: o.orderNumber,
      customerId: customer.id,
      placedAt: new Date(now.getTime() - o.daysAgo * 86_400_000),
      country: 'DE',
      currency: 'EUR',
      status: o.status,
      totalMinor: null,
      lines: o.lines.map(([sku, quantity], i) => ({
        lineNo: i + 1,
        productId: ids.get(sku)!.id,
        quantity,
        unitPriceMinor: DEMO_PRODUCTS.find((p) => p.sku === sku)!.priceMinor,
      })),
    })),
  );
  return DEMO_ORDERS.map((o) => o.orderNumber);
}
