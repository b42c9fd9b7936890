import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db';
import { customerEvents, orderLines, orders, products, type CustomerEventType, type OrderStatus } from '../schema';
import { jsonParam, queryRows } from './rows';

export type WriteOutcome = 'inserted' | 'updated' | 'unchanged';

/** A product as a catalogue import states it (authoritative: every field is set as given). */
export interface CatalogProduct {
  sku: string;
  name: string;
  category?: string | null;
  priceMinor: number;
  currency: string;
  active?: boolean;
  attributes?: Record<string, unknown>;
}

/**
 * A product as an order line shows it: name and price are taken when the product is new, and later
 * only from a newer observation (`observedAt`); products set by a catalogue import are left alone.
 */
export interface ObservedProduct {
  sku: string;
  /** The SKU itself when the line names no product: then an existing name is kept. */
  name: string;
  priceMinor: number;
  currency: string;
  observedAt: Date;
}

/** A product after an observed upsert. `observedAt` null: set by a catalogue import (observations never change it). */
export interface ObservedState {
  id: string;
  outcome: WriteOutcome;
  name: string;
  priceMinor: number;
  currency: string;
  observedAt: Date | null;
}

export interface OrderLineInput {
  /** 1-based position in the order. */
  lineNo: number;
  productId: string;
  quantity: number;
  unitPriceMinor: number;
}

export interface OrderInput {
  orderNumber: string;
  customerId: string;
  placedAt: Date;
  country?: string | null;
  currency: string;
  status: OrderStatus;
  /** Null: the total is the sum of the lines (recomputed in the database after writing them). */
  totalMinor: number | null;
  lines: OrderLineInput[];
  /** When set, lines numbered above it are deleted (the order has exactly this many lines). */
  lineCount?: number;
}

export interface EventInput {
  customerId: string;
  type: CustomerEventType;
  productId?: string | null;
  quantity?: number | null;
  at: Date;
  idempotencyKey: string;
  source: string;
  data?: Record<string, unknown>;
}

export type Product = typeof products.$inferSelect;
export type Order = typeof orders.$inferSelect;
export type OrderLine = typeof orderLines.$inferSelect;
export type CustomerEvent = typeof customerEvents.$inferSelect;

/** Keeps, per SKU, the newest observation (the first of equally new ones), as sequential writes would. */
function newestPerSku(items: readonly ObservedProduct[]): ObservedProduct[] {
  const best = new Map<string, ObservedProduct>();
  const named = new Map<string, ObservedProduct>();
  for (const p of items) {
    const cur = best.get(p.sku);
    if (!cur || p.observedAt.getTime() > cur.observedAt.getTime()) best.set(p.sku, p);
    const n = named.get(p.sku);
    if (p.name !== p.sku && (!n || p.observedAt.getTime() > n.observedAt.getTime())) named.set(p.sku, p);
  }
  // A nameless newest line keeps the newest name seen.
  return [...best.values()].map((p) => (p.name === p.sku && named.has(p.sku) ? { ...p, name: named.get(p.sku)!.name } : p));
}

/**
 * Owner of products, orders, order lines and customer events. Bulk writes take a batch and report,
 * per natural key, whether the row was inserted, updated (something differed) or unchanged, so a
 * re-import of the same data writes nothing.
 */
export class CommerceStore {
  constructor(private readonly db: Db) {}

  /** Upserts catalogue products by SKU; updates only rows that differ. Returns outcome and id per SKU. */
  async upsertCatalogProducts(items: readonly CatalogProduct[], db: DbOrTx = this.db): Promise<Map<string, { id: string; outcome: WriteOutcome }>> {
    const last = new Map<string, CatalogProduct>();
    for (const p of items) last.set(p.sku, p); // last row of a SKU wins, as sequential writes would
    const payload = [...last.values()].map((p) => ({
      sku: p.sku, name: p.name, category: p.category ?? null, price_minor: p.priceMinor, currency: p.currency,
      active: p.active ?? true, attributes: p.attributes ?? {},
    }));
    const out = new Map<string, { id: string; outcome: WriteOutcome }>();
    if (payload.length === 0) return out;
    const changed = await queryRows<{ id: string; sku: string; inserted: boolean }>(
      db,
      sql`insert into products (sku, name, category, price_minor, currency, active, attributes, observed_at)
          select sku, name, category, price_minor, currency, active, attributes, null
            from jsonb_to_recordset(${jsonParam(payload)}::jsonb) as x(sku text, name text, category text, price_minor int, currency text, active boolean, attributes jsonb)
          on conflict (sku) do update set name = excluded.name, category = excluded.category, price_minor = excluded.price_minor,
            currency = excluded.currency, active = excluded.active, attributes = excluded.attributes, observed_at = null, updated_at = now()
          where (products.name, products.category, products.price_minor, products.currency, products.active, products.attributes, products.observed_at)
            is distinct from (excluded.name, excluded.category, excluded.price_minor, excluded.currency, excluded.active, excluded.attributes, null)
          returning id::text, sku, (xmax = 0) as inserted`,
    );
    for (const c of changed) out.set(c.sku, { id: c.id, outcome: c.inserted ? 'inserted' : 'updated' });
    const rest = payload.filter((p) => !out.has(p.sku)).map((p) => p.sku);
    for (const [sku, id] of await this.productIds(rest, db)) out.set(sku, { id, outcome: 'unchanged' });
    return out;
  }

  /**
   * Upserts products seen on order lines (see ObservedProduct). Returns, per SKU, the outcome and the
   * product's state after the write (callers may cache it to skip observations that change nothing).
   */
  async upsertObservedProducts(items: readonly ObservedProduct[], db: DbOrTx = this.db): Promise<Map<string, ObservedState>> {
    const payload = newestPerSku(items).map((p) => ({ sku: p.sku, name: p.name, price_minor: p.priceMinor, currency: p.currency, observed_at: p.observedAt.toISOString() }));
    const out = new Map<string, ObservedState>();
    if (payload.length === 0) return out;
    type Row = { id: string; sku: string; name: string; price_minor: number; currency: string; observed_at: string | Date | null; inserted?: boolean };
    const state = (r: Row, outcome: WriteOutcome): ObservedState => ({
      id: r.id, outcome, name: r.name, priceMinor: r.price_minor, currency: r.currency, observedAt: r.observed_at === null ? null : new Date(r.observed_at),
    });
    const changed = await queryRows<Row>(
      db,
      sql`insert into products (sku, name, price_minor, currency, observed_at)
          select sku, name, price_minor, currency, observed_at
            from jsonb_to_recordset(${jsonParam(payload)}::jsonb) as x(sku text, name text, price_minor int, currency text, observed_at timestamptz)
          on conflict (sku) do update set
            name = case when excluded.name <> excluded.sku and (excluded.observed_at > products.observed_at or products.name = products.sku) then excluded.name else products.name end,
            price_minor = case when excluded.observed_at > products.observed_at then excluded.price_minor else products.price_minor end,
            currency = case when excluded.observed_at > products.observed_at then excluded.currency else products.currency end,
            observed_at = greatest(products.observed_at, excluded.observed_at), updated_at = now()
          where products.observed_at is not null
            and (excluded.observed_at > products.observed_at or (products.name = products.sku and excluded.name <> excluded.sku))
          returning id::text, sku, name, price_minor, currency, observed_at, (xmax = 0) as inserted`,
    );
    for (const c of changed) out.set(c.sku, state(c, c.inserted ? 'inserted' : 'updated'));
    const rest = payload.filter((p) => !out.has(p.sku)).map((p) => p.sku);
    if (rest.length > 0) {
      const rows = await queryRows<Row>(
        db,
        sql`select id::text, sku, name, price_minor, currency, observed_at from products where sku in (select jsonb_array_elements_text(${jsonParam(rest)}::jsonb))`,
      );
      for (const r of rows) out.set(r.sku, state(r, 'unchanged'));
    }
    return out;
  }

  /** Moves products' observation times forward (observations that changed nothing else). Returns the SKUs moved. */
  async advanceObservedAt(items: ReadonlyArray<{ sku: string; observedAt: Date }>, db: DbOrTx = this.db): Promise<string[]> {
    if (items.length === 0) return [];
    const payload = items.map((i) => ({ sku: i.sku, observed_at: i.observedAt.toISOString() }));
    const rows = await queryRows<{ sku: string }>(
      db,
      sql`update products p set observed_at = x.observed_at
            from jsonb_to_recordset(${jsonParam(payload)}::jsonb) as x(sku text, observed_at timestamptz)
           where p.sku = x.sku and p.observed_at < x.observed_at
          returning p.sku`,
    );
    return rows.map((r) => r.sku);
  }

  /** SKU → product id for the SKUs that exist. */
  async productIds(skus: readonly string[], db: DbOrTx = this.db): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (skus.length === 0) return out;
    const rows = await queryRows<{ id: string; sku: string }>(
      db,
      sql`select id::text, sku from products where sku in (select jsonb_array_elements_text(${jsonParam(skus)}::jsonb))`,
    );
    for (const r of rows) out.set(r.sku, r.id);
    return out;
  }

  /**
   * Writes a batch of orders with their lines (upsert by order number, then by (order, line number)),
   * deletes lines beyond `lineCount` when given, and recomputes line-sum totals. Call inside a
   * transaction to make the batch atomic. Returns the outcome per order number.
   */
  async writeOrders(batch: readonly OrderInput[], db: DbOrTx = this.db): Promise<Map<string, WriteOutcome>> {
    const outcome = new Map<string, WriteOutcome>();
    if (batch.length === 0) return outcome;
    const byNumber = new Map<string, OrderInput>();
    for (const o of batch) byNumber.set(o.orderNumber, o); // a repeated number within a batch: the last one wins
    const orders = [...byNumber.values()];
    const headers = orders.map((o) => ({
      order_number: o.orderNumber, customer_id: o.customerId, placed_at: o.placedAt.toISOString(), country: o.country ?? null,
      // A line-sum order is inserted with the sum of these lines; later fragments recompute it below.
      total_minor: o.totalMinor ?? o.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceMinor, 0),
      sum_lines: o.totalMinor === null, currency: o.currency, status: o.status,
    }));
    // One statement: update headers that differ, insert new ones, and return every order's id and outcome.
    const rows = await queryRows<{ id: string; order_number: string; outcome: WriteOutcome }>(
      db,
      sql`with x as (select * from jsonb_to_recordset(${jsonParam(headers)}::jsonb)
                       as x(order_number text, customer_id uuid, placed_at timestamptz, country text, total_minor bigint, sum_lines boolean, currency text, status text)),
          upd as (update orders o set customer_id = x.customer_id, placed_at = x.placed_at, country = x.country, currency = x.currency, status = x.status,
                    total_minor = case when x.sum_lines then o.total_minor else x.total_minor end, updated_at = now()
                  from x where o.order_number = x.order_number
                   and ((o.customer_id, o.placed_at, o.country, o.currency, o.status) is distinct from (x.customer_id, x.placed_at, x.country, x.currency, x.status)
                        or (not x.sum_lines and o.total_minor <> x.total_minor))
                  returning o.id, o.order_number),
          ins as (insert into orders (order_number, customer_id, placed_at, country, total_minor, currency, status)
                  select order_number, customer_id, placed_at, country, total_minor, currency, status from x
                   where not exists (select 1 from orders o where o.order_number = x.order_number)
                  on conflict (order_number) do nothing
                  returning id, order_number)
          select id::text, order_number, 'updated' as outcome from upd
          union all select id::text, order_number, 'inserted' from ins
          union all select o.id::text, o.order_number, 'unchanged' from orders o join x on x.order_number = o.order_number
                     where not exists (select 1 from upd where upd.order_number = o.order_number)`,
    );
    const idOf = new Map<string, string>();
    const numberOf = new Map<string, string>();
    for (const r of rows) {
      idOf.set(r.order_number, r.id);
      numberOf.set(r.id, r.order_number);
      outcome.set(r.order_number, r.outcome);
    }
    const missing = orders.filter((o) => !idOf.has(o.orderNumber)).map((o) => o.orderNumber);
    if (missing.length > 0) throw new Error(`orders written concurrently by another process, retry the batch: ${missing.slice(0, 5).join(', ')}`);
    const lines = orders.flatMap((o) =>
      o.lines.map((l) => ({ order_id: idOf.get(o.orderNumber), line_no: l.lineNo, product_id: l.productId, quantity: l.quantity, unit_price_minor: l.unitPriceMinor })),
    );
    const touched = new Set<string>();
    if (lines.length > 0) {
      const changedLines = await queryRows<{ order_id: string }>(
        db,
        sql`insert into order_lines (order_id, line_no, product_id, quantity, unit_price_minor)
            select order_id, line_no, product_id, quantity, unit_price_minor
              from jsonb_to_recordset(${jsonParam(lines)}::jsonb) as x(order_id uuid, line_no int, product_id uuid, quantity int, unit_price_minor int)
            on conflict (order_id, line_no) do update set product_id = excluded.product_id, quantity = excluded.quantity, unit_price_minor = excluded.unit_price_minor
            where (order_lines.product_id, order_lines.quantity, order_lines.unit_price_minor) is distinct from (excluded.product_id, excluded.quantity, excluded.unit_price_minor)
            returning order_id::text`,
      );
      for (const c of changedLines) touched.add(numberOf.get(c.order_id)!);
    }
    const counts = orders.filter((o) => o.lineCount !== undefined).map((o) => ({ order_number: o.orderNumber, line_count: o.lineCount }));
    if (counts.length > 0) {
      for (const n of await this.truncateLines(counts, db)) touched.add(n);
    }
    // Line-sum totals: only orders whose lines changed after the header existed need a recount.
    const sums = orders.filter((o) => o.totalMinor === null && touched.has(o.orderNumber) && outcome.get(o.orderNumber) !== 'inserted').map((o) => o.orderNumber);
    if (sums.length > 0) {
      for (const n of await this.recomputeTotals(sums, db)) touched.add(n);
    }
    for (const o of orders) {
      if (outcome.get(o.orderNumber) === 'unchanged' && touched.has(o.orderNumber)) outcome.set(o.orderNumber, 'updated');
    }
    return outcome;
  }

  /** Deletes lines numbered above each order's line count; returns the order numbers that lost lines. */
  async truncateLines(counts: ReadonlyArray<{ order_number: string; line_count: number | undefined }>, db: DbOrTx = this.db): Promise<string[]> {
    if (counts.length === 0) return [];
    const rows = await queryRows<{ order_number: string }>(
      db,
      sql`with del as (
            delete from order_lines l using jsonb_to_recordset(${jsonParam(counts)}::jsonb) as x(order_number text, line_count int), orders o
             where o.order_number = x.order_number and l.order_id = o.id and l.line_no > x.line_count
            returning l.order_id)
          select distinct o.order_number from del join orders o on o.id = del.order_id`,
    );
    return rows.map((r) => r.order_number);
  }

  /** Sets each order's total to the sum of its lines where it differs; returns the order numbers changed. */
  async recomputeTotals(orderNumbers: readonly string[], db: DbOrTx = this.db): Promise<string[]> {
    const rows = await queryRows<{ order_number: string }>(
      db,
      sql`update orders o set total_minor = s.total, updated_at = now()
            from (select l.order_id, sum(l.quantity::bigint * l.unit_price_minor) as total
                    from order_lines l join orders o2 on o2.id = l.order_id
                   where o2.order_number in (select jsonb_array_elements_text(${jsonParam(orderNumbers)}::jsonb))
                   group by l.order_id) s
           where o.id = s.order_id and o.total_minor <> s.total
          returning o.order_number`,
    );
    return rows.map((r) => r.order_number);
  }

  /** Stores events once per idempotency key. Returns the keys that were new. */
  async recordEvents(events: readonly EventInput[], db: DbOrTx = this.db): Promise<Set<string>> {
    const created = new Set<string>();
    if (events.length === 0) return created;
    const payload = events.map((e) => ({
      customer_id: e.customerId, type: e.type, product_id: e.productId ?? null, quantity: e.quantity ?? null, at: e.at.toISOString(),
      idempotency_key: e.idempotencyKey, source: e.source, data: e.data ?? {},
    }));
    const rows = await queryRows<{ idempotency_key: string }>(
      db,
      sql`insert into customer_events (customer_id, type, product_id, quantity, at, idempotency_key, source, data)
          select customer_id, type, product_id, quantity, at, idempotency_key, source, data
            from jsonb_to_recordset(${jsonParam(payload)}::jsonb) as x(customer_id uuid, type text, product_id uuid, quantity int, at timestamptz, idempotency_key text, source text, data jsonb)
          on conflict (idempotency_key) do nothing
          returning idempotency_key`,
    );
    for (const r of rows) created.add(r.idempotency_key);
    return created;
  }

  async findOrder(orderNumber: string, db: DbOrTx = this.db): Promise<Order | null> {
    const rows = await db.select().from(orders).where(eq(orders.orderNumber, orderNumber)).limit(1);
    return rows[0] ?? null;
  }

  async orderLines(orderId: string): Promise<Array<OrderLine & { sku: string; name: string }>> {
    return this.db
      .select({ orderId: orderLines.orderId, lineNo: orderLines.lineNo, productId: orderLines.productId, quantity: orderLines.quantity, unitPriceMinor: orderLines.unitPriceMinor, sku: products.sku, name: products.name })
      .from(orderLines)
      .innerJoin(products, eq(products.id, orderLines.productId))
      .where(eq(orderLines.orderId, orderId))
      .orderBy(asc(orderLines.lineNo));
  }

  async ordersForCustomer(customerId: string, limit = 100): Promise<Order[]> {
    return this.db.select().from(orders).where(eq(orders.customerId, customerId)).orderBy(desc(orders.placedAt)).limit(limit);
  }

  async eventsForCustomer(customerId: string, limit = 100): Promise<CustomerEvent[]> {
    return this.db.select().from(customerEvents).where(eq(customerEvents.customerId, customerId)).orderBy(desc(customerEvents.at)).limit(limit);
  }

  async product(sku: string): Promise<Product | null> {
    const rows = await this.db.select().from(products).where(and(eq(products.sku, sku))).limit(1);
    return rows[0] ?? null;
  }
}
