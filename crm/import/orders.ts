import { z } from 'zod';
import { CommerceStore, type ObservedProduct, type OrderInput, type WriteOutcome } from '../commerce/store';
import { identityKey, resolveCustomersBulk, RETAIL_CUSTOMER_KIND, type IdentityRef } from '../identity/resolve';
import { Tombstones, tombstoneHash } from '../privacy/tombstones';
import { ORDER_STATUSES, type OrderStatus } from '../schema';
import type { ImportContext } from './context';
import { currencyDigits, str, toInstant, toInteger, toMinorUnits } from './values';

/** Columns of the UCI online-retail export. */
export const RETAIL_COLUMNS = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'] as const;

/**
 * Product stock codes are five digits plus an optional one- or two-letter variant (85123A, 15056BL).
 * Everything else is postage, fees, manual adjustments, discounts, vouchers or samples
 * (POST, DOT, M, C2, D, S, BANK CHARGES, AMAZONFEE, CRUK, PADS, B, gift_0001_*, DCGS*).
 */
export const PRODUCT_CODE = /^\d{5}[A-Z]{0,2}$/;

interface PendingLine {
  sku: string;
  name: string;
  quantity: number;
  unitPriceMinor: number;
}

interface PendingOrder {
  orderNumber: string;
  customer: IdentityRef;
  placedAt: Date;
  country: string | null;
  currency: string;
  status: OrderStatus;
  totalMinor: number | null;
  /** First line number of this fragment (orders split across the file continue their numbering). */
  firstLineNo: number;
  lines: PendingLine[];
  /** Generic format: the order has exactly these lines (delete any beyond). */
  complete: boolean;
}

/** Per order number seen in this run: lines so far and the combined outcome (memory: one entry per order). */
interface RunOrder {
  lines: number;
  outcome: WriteOutcome | null;
}

function combine(a: WriteOutcome | null, b: WriteOutcome): WriteOutcome {
  if (a === null) return b;
  if (a === 'inserted' || b === 'inserted') return 'inserted';
  return a === 'updated' || b === 'updated' ? 'updated' : 'unchanged';
}

const moneyField = z.union([z.number(), z.string()]);
const genericLine = z.object({
  sku: z.union([z.string(), z.number()]).transform(String).pipe(z.string().trim().min(1)),
  name: z.string().trim().min(1).optional(),
  quantity: z.number().int().positive(),
  unit_price: moneyField.optional(),
  unit_price_minor: z.number().int().optional(),
});
/** The generic JSON-lines order format: one order per line. */
export const genericOrderSchema = z.object({
  order_number: z.union([z.string(), z.number()]).transform(String).pipe(z.string().trim().min(1)),
  customer_id: z.union([z.string(), z.number()]).transform(String).pipe(z.string().trim().min(1)),
  customer_kind: z.string().trim().min(1).optional(),
  customer_name: z.string().optional(),
  email: z.string().optional(),
  placed_at: z.string(),
  country: z.string().optional(),
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
  status: z.enum(ORDER_STATUSES).optional(),
  total: moneyField.optional(),
  total_minor: z.number().int().optional(),
  lines: z.array(genericLine).min(1),
});

/**
 * Imports orders: the online-retail CSV (one line per product per invoice, grouped by InvoiceNo) or
 * generic JSON lines (one order per line). Customers are found or created by their external id
 * (identity kind `retail_customer_id` by default), products upserted from the lines.
 */
export async function importOrders(ctx: ImportContext): Promise<void> {
  const store = new CommerceStore(ctx.db);
  const currency = ctx.options.currency ?? 'GBP';
  const digits = currencyDigits(currency);
  if (digits === null) throw new Error(`unknown currency ${currency}`);
  const customerKind = ctx.options.customerKind ?? RETAIL_CUSTOMER_KIND;
  const seen = new Map<string, RunOrder>();
  const runProducts = new Map<string, WriteOutcome>();
  const runCustomers = new Map<string, WriteOutcome>();
  /** Product state as last written or read in this run (one entry per product). */
  const productCache = new Map<string, { id: string; name: string; priceMinor: number; currency: string; observedAt: number | null }>();
  /** Observation times to move forward at the end (newer observations that changed nothing else). */
  const bumps = new Map<string, number>();
  let pending: PendingOrder[] = [];
  let pendingLines = 0;
  let current: PendingOrder | null = null;

  // One batch is written while the next one is parsed (at most one in flight: memory stays flat).
  let inflight: Promise<void> = Promise.resolve();
  async function flush(): Promise<void> {
    const batch = pending;
    pending = [];
    pendingLines = 0;
    if (batch.length === 0) return;
    await inflight;
    await ctx.rejects.drain();
    inflight = write(batch);
    inflight.catch(() => undefined); // surfaced by the next await
  }

  async function write(all: PendingOrder[]): Promise<void> {
    await ctx.db.transaction(async (tx) => {
      // Erased people stay erased: orders of a tombstoned customer id are refused (nothing of them copied to the rejects file).
      const erased = await new Tombstones(tx).erasedAmong(all.map((o) => ({ kind: o.customer.kind, value: o.customer.externalId })));
      const batch = erased.size === 0 ? all : all.filter((o) => {
        if (!erased.has(tombstoneHash(o.customer.kind, o.customer.externalId))) return true;
        ctx.accepted -= o.lines.length;
        for (let i = 0; i < o.lines.length; i++) ctx.reject(0, 'erased_customer', 'this person’s data was erased at their request', '');
        return false;
      });
      if (batch.length === 0) return;
      const observed: ObservedProduct[] = batch.flatMap((o) =>
        o.lines.map((l) => ({ sku: l.sku, name: l.name, priceMinor: l.unitPriceMinor, currency: o.currency, observedAt: o.placedAt })),
      );
      // Products already seen in this run: apply the database's rule (newer observation sets name and
      // price; a nameless product takes the first name seen) to the cached state, in file order, and send
      // only observations that change name or price. Newer observations that change nothing else only
      // move observed_at forward, done once at the end. Products not seen yet are sent as they are.
      const send: ObservedProduct[] = [];
      for (const obs of observed) {
        const k = productCache.get(obs.sku);
        if (!k) {
          send.push(obs);
          continue;
        }
        if (k.observedAt === null) continue; // catalogue product: observations never change it
        const t = obs.observedAt.getTime();
        const newer = t > k.observedAt;
        const named = obs.name !== obs.sku;
        const name = named && (newer || k.name === obs.sku) ? obs.name : k.name;
        const priceMinor = newer ? obs.priceMinor : k.priceMinor;
        const currency = newer ? obs.currency : k.currency;
        if (newer) {
          k.observedAt = t;
          bumps.set(obs.sku, t);
        }
        if (name === k.name && priceMinor === k.priceMinor && currency === k.currency) continue;
        Object.assign(k, { name, priceMinor, currency });
        send.push(obs);
      }
      const products = await store.upsertObservedProducts(send, tx);
      for (const [sku, p] of products) {
        runProducts.set(sku, combine(runProducts.get(sku) ?? null, p.outcome));
        if (!productCache.has(sku)) {
          productCache.set(sku, { id: p.id, name: p.name, priceMinor: p.priceMinor, currency: p.currency, observedAt: p.observedAt === null ? null : p.observedAt.getTime() });
        }
      }
      const customers = await resolveCustomersBulk(tx, batch.map((o) => o.customer));
      for (const key of customers.ids.keys()) runCustomers.set(key, combine(runCustomers.get(key) ?? null, customers.createdKeys.has(key) ? 'inserted' : 'unchanged'));
      const inputs: OrderInput[] = batch.map((o) => ({
        orderNumber: o.orderNumber,
        customerId: customers.ids.get(identityKey(o.customer.kind, o.customer.externalId))!,
        placedAt: o.placedAt,
        country: o.country,
        currency: o.currency,
        status: o.status,
        totalMinor: o.totalMinor,
        lines: o.lines.map((l, i) => ({ lineNo: o.firstLineNo + i, productId: productCache.get(l.sku)!.id, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor })),
        lineCount: o.complete ? o.lines.length : undefined,
      }));
      // Fragments of one order in one batch: write them in separate calls (same order number).
      const groups: OrderInput[][] = [];
      for (const input of inputs) {
        const g = groups.find((grp) => !grp.some((x) => x.orderNumber === input.orderNumber));
        if (g) g.push(input);
        else groups.push([input]);
      }
      for (const group of groups) {
        const outcomes = await store.writeOrders(group, tx);
        for (const [number, outcome] of outcomes) {
          const run = seen.get(number)!;
          run.outcome = combine(run.outcome, outcome);
        }
      }
    });
  }

  function enqueue(order: PendingOrder): Promise<void> | undefined {
    pending.push(order);
    pendingLines += order.lines.length;
    if (pendingLines >= ctx.batchRows) return flush();
    return undefined;
  }

  /** Starts or continues the order's fragment, numbering lines after the ones already seen in this run. */
  function startFragment(base: Omit<PendingOrder, 'firstLineNo' | 'lines'>): PendingOrder {
    let run = seen.get(base.orderNumber);
    if (!run) {
      run = { lines: 0, outcome: null };
      seen.set(base.orderNumber, run);
    }
    return { ...base, firstLineNo: run.lines + 1, lines: [] };
  }

  let retail: boolean | null = null;
  const timeZone = ctx.options.timeZone;
  for await (const rec of ctx.records()) {
    if (retail === null) {
      retail = ctx.source.format === 'csv';
      if (retail) {
        const header = ctx.source.header() ?? [];
        const missing = RETAIL_COLUMNS.filter((c) => !header.includes(c));
        if (missing.length > 0) throw new Error(`${ctx.options.file}: not the online-retail format, missing column(s) ${missing.join(', ')} (use JSON lines for other order files)`);
      }
    }
    if (retail) {
      const v = rec.value;
      const invoice = str(v.InvoiceNo);
      const reject = (reason: string, detail?: string) => ctx.reject(rec.line, reason, detail, rec.raw);
      if (!invoice) { reject('missing_invoice_no'); continue; }
      if (/^c/i.test(invoice)) { reject('cancellation', `invoice ${invoice}`); continue; }
      const customerId = str(v.CustomerID).replace(/\.0+$/, '');
      if (!customerId) { reject('missing_customer_id'); continue; }
      const sku = str(v.StockCode).toUpperCase();
      if (!PRODUCT_CODE.test(sku)) { reject('non_product_code', `stock code ${sku || '(empty)'}`); continue; }
      const quantity = toInteger(v.Quantity);
      if (quantity === null) { reject('bad_quantity', `quantity ${str(v.Quantity)}`); continue; }
      if (quantity <= 0) { reject('non_positive_quantity', `quantity ${quantity}`); continue; }
      const price = toMinorUnits(v.UnitPrice, digits);
      if (price === null) { reject('bad_price', `price ${str(v.UnitPrice)}`); continue; }
      if (price <= 0) { reject('non_positive_price', `price ${str(v.UnitPrice)}`); continue; }
      const placedAt = toInstant(v.InvoiceDate, timeZone ?? 'Europe/London');
      if (!placedAt) { reject('bad_date', `date ${str(v.InvoiceDate)}`); continue; }
      ctx.accepted++;
      if (!current || current.orderNumber !== invoice) {
        if (current) {
          seen.get(current.orderNumber)!.lines += current.lines.length;
          const p = enqueue(current);
          if (p) await p;
        }
        current = startFragment({
          orderNumber: invoice,
          customer: { kind: customerKind, externalId: customerId },
          placedAt,
          country: str(v.Country) || null,
          currency,
          status: 'completed',
          totalMinor: null,
          complete: false,
        });
      }
      current.lines.push({ sku, name: str(v.Description) || sku, quantity, unitPriceMinor: price });
      continue;
    }
    // Generic JSON lines.
    const parsed = genericOrderSchema.safeParse(rec.value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      ctx.reject(rec.line, 'invalid_order', `${issue.path.join('.') || '(order)'}: ${issue.message}`, rec.raw);
      continue;
    }
    const o = parsed.data;
    const orderCurrency = o.currency ?? currency;
    const orderDigits = currencyDigits(orderCurrency);
    if (orderDigits === null) { ctx.reject(rec.line, 'invalid_order', `unknown currency ${orderCurrency}`, rec.raw); continue; }
    const placedAt = toInstant(o.placed_at, timeZone ?? 'UTC');
    if (!placedAt) { ctx.reject(rec.line, 'bad_date', `placed_at ${o.placed_at}`, rec.raw); continue; }
    const lines: PendingLine[] = [];
    let lineProblem: string | null = null;
    for (const [i, l] of o.lines.entries()) {
      const minor = l.unit_price_minor ?? (l.unit_price !== undefined ? toMinorUnits(l.unit_price, orderDigits) : null);
      if (minor === null) { lineProblem = `lines.${i}: unit_price or unit_price_minor required`; break; }
      if (minor <= 0) { lineProblem = `lines.${i}: non-positive price`; break; }
      lines.push({ sku: l.sku.toUpperCase(), name: l.name ?? l.sku, quantity: l.quantity, unitPriceMinor: minor });
    }
    if (lineProblem) { ctx.reject(rec.line, 'invalid_order', lineProblem, rec.raw); continue; }
    const total = o.total_minor ?? (o.total !== undefined ? toMinorUnits(o.total, orderDigits) : null);
    if (o.total !== undefined && total === null) { ctx.reject(rec.line, 'invalid_order', `total ${String(o.total)}`, rec.raw); continue; }
    ctx.accepted++;
    const fragment = startFragment({
      orderNumber: o.order_number,
      customer: { kind: o.customer_kind ?? customerKind, externalId: o.customer_id, displayName: o.customer_name ?? null, email: o.email ?? null },
      placedAt,
      country: o.country ?? null,
      currency: orderCurrency,
      status: o.status ?? 'placed',
      totalMinor: total,
      complete: true,
    });
    // A generic order line replaces any earlier version of the order: numbering restarts at 1.
    fragment.firstLineNo = 1;
    fragment.lines = lines;
    seen.get(o.order_number)!.lines = lines.length;
    const p = enqueue(fragment);
    if (p) await p;
  }
  if (current) {
    seen.get(current.orderNumber)!.lines += current.lines.length;
    pending.push(current);
  }
  await flush();
  await inflight;
  const pendingBumps = [...bumps].map(([sku, t]) => ({ sku, observedAt: new Date(t) }));
  for (let i = 0; i < pendingBumps.length; i += 5000) {
    for (const sku of await store.advanceObservedAt(pendingBumps.slice(i, i + 5000))) runProducts.set(sku, combine(runProducts.get(sku) ?? null, 'updated'));
  }
  // Retail orders: drop lines beyond what this run saw (the source lost lines since the last import).
  if (retail) {
    const counts = [...seen.entries()].map(([order_number, r]) => ({ order_number, line_count: r.lines }));
    for (let i = 0; i < counts.length; i += 5000) {
      const slice = counts.slice(i, i + 5000);
      const changed = await ctx.db.transaction(async (tx) => {
        const truncated = await store.truncateLines(slice, tx);
        const retotalled = truncated.length > 0 ? await store.recomputeTotals(truncated, tx) : [];
        return [...truncated, ...retotalled];
      });
      for (const n of changed) {
        const r = seen.get(n)!;
        r.outcome = combine(r.outcome, 'updated');
      }
    }
  }
  ctx.tally('orders', [...seen.values()].map((r) => r.outcome ?? 'unchanged'));
  ctx.tally('products', runProducts.values());
  ctx.tally('customers', runCustomers.values());
}
