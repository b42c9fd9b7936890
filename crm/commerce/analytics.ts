import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db';
import type { CatalogItem, Interaction } from '../recommendations';
import { computeRfm, estimateCustomerValue, type CustomerSummary, type CustomerValue, type LifetimeValueOptions, type Order as ValueOrder, type RfmScore } from '../value';
import { DAY_MS } from '../value/summary';
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

/**
 * The same customer summaries as `summarizeCustomers(loadValueOrders(db))` restricted to orders placed at
 * or before `asOf`, aggregated in PostgreSQL: one row per customer reaches Node instead of one per order
 * (at millions of orders the per-order rows were most of the nightly job's memory). Sorted by customer id
 * as summarizeCustomers sorts.
 */
export async function loadValueSummaries(db: DbOrTx, asOf: Date): Promise<CustomerSummary[]> {
  const rows = await queryRows<{ customer_id: string; first_at: string | Date; last_at: string | Date; orders: number; monetary: string | number }>(
    db,
    sql`select customer_id::text,
          min(placed_at) filter (where total_minor > 0) as first_at,
          max(placed_at) filter (where total_minor > 0) as last_at,
          (count(*) filter (where total_minor > 0))::int as orders,
          sum(total_minor) as monetary
        from orders
        where placed_at <= ${asOf.toISOString()}::timestamptz and status not in ('cancelled', 'refunded')
        group by customer_id
        having count(*) filter (where total_minor > 0) > 0`,
  );
  const asOfMs = asOf.getTime();
  const out: CustomerSummary[] = rows.map((r) => {
    const first = new Date(r.first_at).getTime();
    const last = new Date(r.last_at).getTime();
    return {
      customerId: r.customer_id,
      firstAt: new Date(first),
      lastAt: new Date(last),
      orders: r.orders,
      monetaryMinor: Number(r.monetary),
      recencyDays: Math.max(0, Math.floor((asOfMs - last) / DAY_MS)),
      observedDays: Math.max(0, (asOfMs - first) / DAY_MS),
    };
  });
  return out.sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
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
