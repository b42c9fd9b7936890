import type { CustomerSummary, Order } from './types';

export const DAY_MS = 86_400_000;

export interface SummaryOptions {
  /** Reference time for recency. Defaults to the latest order time, so results depend only on data. */
  asOf?: Date;
}

/** Groups orders by customer (rows with one orderId are summed first); sorted by customer id. */
export function summarizeCustomers(orders: readonly Order[], options: SummaryOptions = {}): CustomerSummary[] {
  let latest = -Infinity;
  const orderTotals = new Map<string, { customerId: string; at: number; amount: number }>();
  for (const o of orders) {
    const at = o.at.getTime();
    if (Number.isNaN(at)) throw new Error(`order ${o.orderId} has an invalid date`);
    if (at > latest) latest = at;
    const key = `${o.customerId}\u0000${o.orderId}`;
    const prev = orderTotals.get(key);
    if (prev) {
      prev.amount += o.amountMinor;
      prev.at = Math.min(prev.at, at);
    } else orderTotals.set(key, { customerId: o.customerId, at, amount: o.amountMinor });
  }
  const asOf = options.asOf?.getTime() ?? latest;

  const byCustomer = new Map<string, { first: number; last: number; orders: number; money: number }>();
  for (const o of orderTotals.values()) {
    const c = byCustomer.get(o.customerId) ?? { first: Infinity, last: -Infinity, orders: 0, money: 0 };
    c.money += o.amount;
    // Refund-only or zero orders move money but are not purchases.
    if (o.amount > 0) {
      c.orders++;
      c.first = Math.min(c.first, o.at);
      c.last = Math.max(c.last, o.at);
    }
    byCustomer.set(o.customerId, c);
  }
  const out: CustomerSummary[] = [];
  for (const [customerId, c] of byCustomer) {
    if (c.orders === 0) continue; // never purchased: nothing to score
    out.push({
      customerId,
      firstAt: new Date(c.first),
      lastAt: new Date(c.last),
      orders: c.orders,
      monetaryMinor: c.money,
      recencyDays: Math.max(0, Math.floor((asOf - c.last) / DAY_MS)),
      observedDays: Math.max(0, (asOf - c.first) / DAY_MS),
    });
  }
  return out.sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
}
