import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db';
import type { CatalogItem, Interaction } from '../recommendations';
import { computeRfm, estimateCustomerValue, type CustomerValue, type LifetimeValueOptions, type Order as ValueOrder, type RfmScore } from '../value';
import { queryRows } from './rows';

/**
 * Adapters from the commerce tables to the pure analytics (crm/value: RFM, lifetime value;
 * crm/recommendations: interactions and catalogue). They load whole populations into memory, which
 * those algorithms need anyway; run them in a job and cache the results for large shops.
 */

/** Orders as crm/value wants them (one row per order, its total). Cancelled and refunded orders are left out. */
export async function loadValueOrders(db: DbOrTx, options: { since?: Date } = {}): Promise<ValueOrder[]> {
  const since = (options.since ?? new Date(0)).toISOString();
  const rows = await queryRows<{ customer_id: string; order_number: string; placed_at: string | Date; total_minor: string | number }>(
    db,
    sql`select customer_id::text, order_number, placed_at, total_minor from orders
        where placed_at >= ${since}::timestamptz and status not in ('cancelled', 'refunded')`,
  );
  return rows.map((r) => ({ customerId: r.customer_id, orderId: r.order_number, at: new Date(r.placed_at), amountMinor: Number(r.total_minor) }));
}

/** Per customer, the currency of most of their (non-cancelled, non-refunded) orders; ties: alphabetical. */
export async function loadCustomerCurrencies(db: DbOrTx): Promise<Map<string, string>> {
  const rows = await queryRows<{ customer_id: string; currency: string }>(
    db,
    sql`select distinct on (customer_id) customer_id::text, currency from orders where status not in ('cancelled', 'refunded')
        group by customer_id, currency order by customer_id, count(*) desc, currency`,
  );
  return new Map(rows.map((r) => [r.customer_id, r.currency]));
}

/** Purchases (order lines) and behavioural events as recommender interactions; item ids are SKUs. */
export async function loadInteractions(db: DbOrTx, options: { since?: Date; events?: boolean } = {}): Promise<Interaction[]> {
  const since = (options.since ?? new Date(0)).toISOString();
  const purchases = await queryRows<{ c: string; s: string; at: string | Date }>(
    db,
    sql`select o.customer_id::text as c, p.sku as s, o.placed_at as at from order_lines l join orders o on o.id = l.order_id join products p on p.id = l.product_id
        where o.placed_at >= ${since}::timestamptz and o.status not in ('cancelled', 'refunded')`,
  );
  const out: Interaction[] = purchases.map((r) => ({ customerId: r.c, itemId: r.s, kind: 'purchase', at: new Date(r.at) }));
  if (options.events !== false) {
    const events = await queryRows<{ c: string; s: string; t: 'view' | 'add_to_cart' | 'purchase'; at: string | Date }>(
      db,
      sql`select e.customer_id::text as c, p.sku as s, e.type as t, e.at from customer_events e join products p on p.id = e.product_id
          where e.at >= ${since}::timestamptz`,
    );
    for (const e of events) out.push({ customerId: e.c, itemId: e.s, kind: e.t, at: new Date(e.at) });
  }
  return out;
}

/** The catalogue as recommender items (SKU, category, active flag, name). */
export async function loadCatalog(db: DbOrTx): Promise<CatalogItem[]> {
  const rows = await queryRows<{ sku: string; name: string; category: string | null; active: boolean }>(db, sql`select sku, name, category, active from products`);
  return rows.map((r) => ({ itemId: r.sku, title: r.name, active: r.active, ...(r.category ? { category: r.category } : {}) }));
}

/** RFM score and lifetime value of one customer, ranked against every customer (crm/value). */
export async function customerValue(
  db: DbOrTx,
  customerId: string,
  options: LifetimeValueOptions = {},
): Promise<{ rfm: RfmScore | null; value: CustomerValue | null }> {
  const orders = await loadValueOrders(db);
  if (!orders.some((o) => o.customerId === customerId)) return { rfm: null, value: null };
  const asOf = options.asOf;
  return {
    rfm: computeRfm(orders, asOf ? { asOf } : {}).find((r) => r.customerId === customerId) ?? null,
    value: estimateCustomerValue(orders, options).find((v) => v.customerId === customerId) ?? null,
  };
}
