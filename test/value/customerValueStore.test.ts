import { sql } from 'drizzle-orm';
import type { Queue, QueueEvents, Worker } from 'bullmq';
import type { Database } from '../../crm';
import { queryRows } from '../../crm/commerce/rows';
import { CustomerValueStore, summarizeCustomers } from '../../crm/value';
import { CommerceStore, loadValueOrders, loadValueSummaries } from '../../crm/commerce';
import {
  createQueue,
  CUSTOMER_VALUE_SCHEDULER_ID,
  customerValueJobId,
  DEFAULT_CUSTOMER_VALUE_CRON,
  QUEUE_NAMES,
  requestCustomerValue,
  scheduleCustomerValue,
  startCustomerValueWorker,
} from '../../workers';
import { openTestDatabase } from '../import/helpers';
import { awaitCompleted, MAIN_REDIS_URL, queueEvents, silentLog, testPrefix } from '../workers/fixtures/helpers';
import { seedValueShop } from './fixtures';

const BASE = new Date('2026-06-30T12:00:00Z');

describe('customer value: stored per customer, computed by a job', () => {
  let database: Database;
  let ids: Awaited<ReturnType<typeof seedValueShop>>;
  let store: CustomerValueStore;
  beforeAll(async () => {
    database = await openTestDatabase();
    ids = await seedValueShop(database, BASE);
    store = new CustomerValueStore(database.db);
  });
  afterAll(() => database.close());

  /** Everything but computed_at, by customer, to compare runs. */
  async function storedRows() {
    return queryRows<Record<string, unknown>>(
      database.db,
      sql`select customer_id::text, recency_days, frequency, monetary_minor, r_score, f_score, m_score, fm_score, rfm_code, segment, ltv_minor, currency, p_alive, churn_risk, first_order_at, last_order_at, as_of
          from customer_values order by customer_id`,
    );
  }

  it('scores hand-built orders with the known RFM answers and stores one row per customer', async () => {
    expect(await store.needsFirstRun()).toBe(true);
    const run = await store.computeAll(BASE);
    expect(run).toEqual({ asOf: BASE, customers: 5, removed: 0 });
    expect(await store.needsFirstRun()).toBe(false);
    const byName = async (name: keyof typeof ids) => (await store.get(ids[name]))!;
    const expected = {
      ada: { recencyDays: 1, frequency: 3, monetaryMinor: 900, code: '544', fm: 4, segment: 'Champions', currency: 'EUR' },
      ben: { recencyDays: 5, frequency: 2, monetaryMinor: 200, code: '432', fm: 3, segment: 'Potential loyalist', currency: 'EUR' },
      cy: { recencyDays: 100, frequency: 1, monetaryMinor: 50, code: '311', fm: 1, segment: 'About to sleep', currency: 'EUR' },
      dee: { recencyDays: 200, frequency: 1, monetaryMinor: 1000, code: '215', fm: 3, segment: 'At risk', currency: 'GBP' },
      eve: { recencyDays: 300, frequency: 4, monetaryMinor: 400, code: '153', fm: 4, segment: 'At risk', currency: 'EUR' },
    } as const;
    for (const [name, e] of Object.entries(expected) as Array<[keyof typeof ids, (typeof expected)[keyof typeof expected]]>) {
      const v = await byName(name);
      expect({ name, recencyDays: v.recencyDays, frequency: v.frequency, monetaryMinor: v.monetaryMinor, code: v.scores.code, fm: v.scores.fm, segment: v.segment, currency: v.currency }).toEqual({ name, ...e });
      expect(v.scores).toMatchObject({ r: Number(e.code[0]), f: Number(e.code[1]), m: Number(e.code[2]) });
      expect(v.asOf).toEqual(BASE);
      expect(v.pAlive).toBeGreaterThan(0);
      expect(v.pAlive).toBeLessThanOrEqual(1);
      expect(Number.isInteger(v.ltvMinor)).toBe(true);
    }
    // Ada bought three times in three weeks and was seen yesterday: alive, valuable. Dee bought once 200 days ago.
    const ada = await byName('ada');
    const dee = await byName('dee');
    expect(ada.churnRisk).toBe(false);
    expect(ada.pAlive).toBeGreaterThan(0.9);
    expect(ada.ltvMinor).toBeGreaterThan(900);
    expect(dee.pAlive).toBeLessThan(ada.pAlive);
    const eve = await byName('eve');
    expect(eve.churnRisk).toBe(true);
    expect(eve.pAlive).toBeLessThan(0.5);
    for (const name of ['ada', 'ben', 'cy', 'dee'] as const) expect((await byName(name)).churnRisk).toBe(false);
    // Ada's order after the as-of date is not counted (last order 1 day before, not after).
    expect(ada.lastOrderAt.getTime()).toBeLessThan(BASE.getTime());
    expect(await store.segmentOf(ids.ada)).toBe('Champions');
    expect(await store.segmentOf('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('a rerun for the same as-of is idempotent; customers without purchases any more are removed', async () => {
    const before = await storedRows();
    expect(before).toHaveLength(5);
    expect(await store.computeAll(BASE)).toEqual({ asOf: BASE, customers: 5, removed: 0 });
    expect(await storedRows()).toEqual(before);
    // Two runs at once: serialised by the lock, same answer, no duplicates.
    await Promise.all([store.computeAll(BASE), store.computeAll(BASE)]);
    expect(await storedRows()).toEqual(before);

    await database.db.execute(sql`update orders set status = 'refunded' where customer_id = ${ids.ben}`);
    const run = await store.computeAll(BASE);
    expect(run).toMatchObject({ customers: 4, removed: 1 });
    expect(await store.get(ids.ben)).toBeNull();
    await database.db.execute(sql`update orders set status = 'delivered' where customer_id = ${ids.ben}`);
    await store.computeAll(BASE);
    expect(await storedRows()).toEqual(before);
  });

  it('aggregates in PostgreSQL exactly what the pure summaries compute from every order', async () => {
    // A zero-total order and a refund-like negative one move money but are not purchases.
    await new CommerceStore(database.db).writeOrders([
      { orderNumber: `Z${Date.now()}`, customerId: ids.ben, placedAt: new Date(BASE.getTime() - 2 * 86_400_000), currency: 'EUR', status: 'delivered', totalMinor: 0, lines: [] },
      { orderNumber: `N${Date.now()}`, customerId: ids.ben, placedAt: new Date(BASE.getTime() - 3 * 86_400_000), currency: 'EUR', status: 'delivered', totalMinor: -40, lines: [] },
    ]);
    for (const asOf of [BASE, new Date(BASE.getTime() + 7 * 86_400_000 + 12_345)]) {
      const orders = (await loadValueOrders(database.db)).filter((o) => o.at.getTime() <= asOf.getTime());
      expect(await loadValueSummaries(database.db, asOf)).toEqual(summarizeCustomers(orders, { asOf }));
    }
    const ben = (await loadValueSummaries(database.db, BASE)).find((c) => c.customerId === ids.ben)!;
    expect(ben).toMatchObject({ orders: 2, monetaryMinor: 160, recencyDays: 5 });
  });

  it('refuses an invalid as-of without writing', async () => {
    const before = await storedRows();
    await expect(store.computeAll(new Date('nope'))).rejects.toMatchObject({ code: 'invalid_as_of' });
    expect(await storedRows()).toEqual(before);
  });

  describe('the job', () => {
    let prefix: string;
    let queue: Queue;
    let events: QueueEvents;
    let worker: Worker | undefined;
    beforeAll(async () => {
      prefix = testPrefix();
      queue = createQueue(QUEUE_NAMES.customerValue, { redisUrl: MAIN_REDIS_URL, prefix });
      events = await queueEvents(QUEUE_NAMES.customerValue, MAIN_REDIS_URL, prefix);
    });
    afterAll(async () => {
      await worker?.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    });

    it('is one job scheduler (03:00 UTC by default), whoever upserts it and however often; `off` removes it', async () => {
      await Promise.all([scheduleCustomerValue(queue), scheduleCustomerValue(queue), scheduleCustomerValue(queue)]);
      let schedulers = await queue.getJobSchedulers();
      expect(schedulers).toHaveLength(1);
      expect(schedulers[0]).toMatchObject({ key: CUSTOMER_VALUE_SCHEDULER_ID, pattern: DEFAULT_CUSTOMER_VALUE_CRON, tz: 'UTC' });
      const next = new Date(schedulers[0].next!);
      expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([3, 0]);
      await scheduleCustomerValue(queue, { cron: '15 4 * * *' });
      schedulers = await queue.getJobSchedulers();
      expect(schedulers).toHaveLength(1);
      expect(schedulers[0]).toMatchObject({ pattern: '15 4 * * *' });
      await scheduleCustomerValue(queue, { cron: 'off' });
      expect(await queue.getJobSchedulers()).toHaveLength(0);
    });

    it('on demand: one job per as-of date however often asked; the worker stores every customer', async () => {
      const asOf = new Date(BASE.getTime() + 2 * 86_400_000);
      expect(customerValueJobId(asOf)).toBe('customer-value/2026-07-02');
      const ids2 = await Promise.all([requestCustomerValue(queue, { asOf }), requestCustomerValue(queue, { asOf })]);
      expect(ids2[1]).toBe(ids2[0]);
      expect(await queue.getJobCounts('wait')).toMatchObject({ wait: 1 });
      const done = awaitCompleted(events, [ids2[0]], { failOnFailed: true });
      worker = startCustomerValueWorker({ redisUrl: MAIN_REDIS_URL, prefix, values: store, log: silentLog });
      expect((await done).get(ids2[0])).toEqual({ asOf: asOf.toISOString(), customers: 5, removed: 0 });
      const rows = await store.all();
      expect(rows).toHaveLength(5);
      expect(new Set(rows.map((r) => r.asOf.toISOString()))).toEqual(new Set([asOf.toISOString()]));
      // As of two days later, Ada's order placed a day after BASE counts.
      expect((await store.get(ids.ada))!.frequency).toBe(4);
      expect(await requestCustomerValue(queue, { asOf })).toBe(ids2[0]);
      expect(await queue.getJobCounts('wait', 'active', 'delayed')).toEqual({ wait: 0, active: 0, delayed: 0 });
    });
  });
});
