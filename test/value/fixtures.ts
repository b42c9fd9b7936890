import { randomBytes } from 'node:crypto';
import { createCrm, type Database } from '../../crm';
import { CommerceStore, type OrderInput } from '../../crm/commerce';

const DAY = 86_400_000;

/**
 * Five customers with hand-computed RFM answers as of `base` (orders placed whole days before it,
 * an hour earlier so that a slightly later as-of keeps the same whole days):
 *
 * | customer | orders (days before base)   | R days | F | M    | R F M scores | FM | segment            |
 * |----------|-----------------------------|--------|---|------|--------------|----|--------------------|
 * | ada      | 1, 10, 20 × 300             | 1      | 3 | 900  | 5 4 4        | 4  | Champions          |
 * | ben      | 5, 40 × 100                 | 5      | 2 | 200  | 4 3 2        | 3  | Potential loyalist |
 * | cy       | 100 × 50 (+ one cancelled)  | 100    | 1 | 50   | 3 1 1        | 1  | About to sleep     |
 * | dee      | 200 × 1000                  | 200    | 1 | 1000 | 2 1 5        | 3  | At risk            |
 * | eve      | 300, 310, 320, 330 × 100    | 300    | 4 | 400  | 1 5 3        | 4  | At risk            |
 *
 * Quintiles over n = 5: score = rank + 1, rank = 0-based position (worst first) of the first of its
 * tie group; cy and dee tie on F = 1 (both rank 0 → 1). Dee buys in GBP, everyone else in EUR.
 * Ada also has an order one day AFTER base (outside an as-of of base). Eve bought four times in a month,
 * then fell silent for 300 days: P(alive) 0.26, churn risk; the others are above 0.5.
 */
export async function seedValueShop(database: Database, base: Date): Promise<Record<'ada' | 'ben' | 'cy' | 'dee' | 'eve', string>> {
  const crm = createCrm(database.db);
  const tag = randomBytes(3).toString('hex').toUpperCase();
  const ids = {} as Record<'ada' | 'ben' | 'cy' | 'dee' | 'eve', string>;
  for (const name of ['ada', 'ben', 'cy', 'dee', 'eve'] as const) {
    ids[name] = (await crm.customers.resolve({ kind: 'email', externalId: `${name}.${tag.toLowerCase()}@example.test`, displayName: name })).id;
  }
  const at = (days: number) => new Date(base.getTime() - days * DAY - 3_600_000);
  let n = 0;
  const order = (customer: keyof typeof ids, days: number, totalMinor: number, extra: Partial<OrderInput> = {}): OrderInput => ({
    orderNumber: `V${tag}${String(++n).padStart(3, '0')}`,
    customerId: ids[customer],
    placedAt: at(days),
    currency: 'EUR',
    status: 'delivered',
    totalMinor,
    lines: [],
    ...extra,
  });
  await new CommerceStore(database.db).writeOrders([
    order('ada', 1, 300), order('ada', 10, 300), order('ada', 20, 300),
    order('ada', -1, 5000),
    order('ben', 5, 100), order('ben', 40, 100),
    order('cy', 100, 50), order('cy', 30, 9999, { status: 'cancelled' }),
    order('dee', 200, 1000, { currency: 'GBP' }),
    order('eve', 300, 100), order('eve', 310, 100), order('eve', 320, 100), order('eve', 330, 100),
  ]);
  return ids;
}
