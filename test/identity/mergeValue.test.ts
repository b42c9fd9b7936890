import { sql } from 'drizzle-orm';
import type { Queue, QueueEvents, Worker } from 'bullmq';
import { createCrm, type Database } from '../../crm';
import { queryRows } from '../../crm/commerce/rows';
import { IdentityLinker } from '../../crm/identity';
import { CUSTOMER_VALUE_TOPIC, CustomerValueStore, requestValueRunInOutbox } from '../../crm/value';
import {
  createQueue, CUSTOMER_VALUE_JOB_NAME, customerValueRoutes, jobIdForKey, lastCurrentRunKey, OutboxRelay, QUEUE_NAMES, startCustomerValueWorker,
  type CustomerValueJobResult,
} from '../../workers';
import { openTestDatabase } from '../import/helpers';
import { awaitCompleted, MAIN_REDIS_URL, queueEvents, silentLog, testPrefix } from '../workers/fixtures/helpers';
import { seedValueShop } from '../value/fixtures';

/**
 * Customer value after a merge and its undo: the merge (and the undo) writes an outbox row in its own
 * transaction; the relay turns it into a customer-value job with a deterministic id; the worker's full
 * run (RFM quintiles are relative to everyone) gives the survivor the orders of both, and after the undo
 * every stored value is what it was before the merge.
 */
describe('customer value follows merges and undos', () => {
  let database: Database;
  let ids: Awaited<ReturnType<typeof seedValueShop>>;
  let store: CustomerValueStore;
  let linker: IdentityLinker;
  let prefix: string;
  let queue: Queue;
  let events: QueueEvents;
  let worker: Worker;
  let relay: OutboxRelay;

  beforeAll(async () => {
    database = await openTestDatabase();
    ids = await seedValueShop(database, new Date());
    store = new CustomerValueStore(database.db);
    linker = new IdentityLinker(database.db);
    prefix = testPrefix();
    queue = createQueue(QUEUE_NAMES.customerValue, { redisUrl: MAIN_REDIS_URL, prefix });
    events = await queueEvents(QUEUE_NAMES.customerValue, MAIN_REDIS_URL, prefix);
    worker = startCustomerValueWorker({ redisUrl: MAIN_REDIS_URL, prefix, values: store, log: silentLog });
    relay = new OutboxRelay({ db: database.db, log: silentLog, routes: customerValueRoutes(queue) });
  });
  afterAll(async () => {
    await worker?.close();
    await events?.close();
    await queue?.obliterate({ force: true });
    await queue?.close();
    await database?.close();
  });

  /** Every stored value but the run's instants, by customer. */
  const storedValues = () =>
    queryRows<Record<string, unknown>>(
      database.db,
      sql`select customer_id::text, recency_days, frequency, monetary_minor, r_score, f_score, m_score, fm_score, rfm_code, segment, ltv_minor, currency, p_alive, churn_risk, first_order_at, last_order_at
          from customer_values order by customer_id`,
    );
  const valueRequests = () => queryRows<{ dedupe_key: string; relayed: boolean }>(database.db, sql`select dedupe_key, relayed_at is not null as relayed from outbox where topic = ${CUSTOMER_VALUE_TOPIC} order by id`);

  /** Relays the pending requests and waits for the job of `key` to finish. */
  async function runRequested(key: string): Promise<CustomerValueJobResult> {
    const jobId = jobIdForKey(key);
    const done = awaitCompleted(events, [jobId], { failOnFailed: true });
    expect(await relay.relayAll()).toBe(1);
    return (await done).get(jobId) as CustomerValueJobResult;
  }

  it('recomputes after the merge (the survivor has both customers’ orders) and after the undo (as before)', async () => {
    await store.computeAll();
    const before = await storedValues();
    expect(before).toHaveLength(5);
    expect(await store.get(ids.ada)).toMatchObject({ frequency: 3, monetaryMinor: 900 });

    const merge = await linker.merge({ survivorId: ids.ada, mergedId: ids.ben, actor: 'agent:test' });
    expect(merge.moved.order).toBe(2);
    // Written with the merge, stale until the job has run.
    expect(await valueRequests()).toEqual([{ dedupe_key: `customer-value:merge:${merge.mergeId}`, relayed: false }]);
    expect(await store.get(ids.ada)).toMatchObject({ frequency: 3, monetaryMinor: 900 });

    const afterMerge = await runRequested(`customer-value:merge:${merge.mergeId}`);
    expect(afterMerge).toMatchObject({ customers: 4, removed: 1 });
    expect(await store.get(ids.ada)).toMatchObject({ frequency: 5, monetaryMinor: 1100, recencyDays: 1 });
    expect(await store.get(ids.ben)).toBeNull();
    // The quintiles are over four customers now: a full run, not a patch of the two.
    expect((await storedValues()).map((r) => r.customer_id).sort()).toEqual([ids.ada, ids.cy, ids.dee, ids.eve].sort());

    const undo = await linker.undo(merge.mergeId, 'agent:test');
    expect(undo.movedBack.order).toBe(2);
    expect((await valueRequests()).map((r) => r.dedupe_key)).toEqual([`customer-value:merge:${merge.mergeId}`, `customer-value:undo:${merge.mergeId}`]);
    const afterUndo = await runRequested(`customer-value:undo:${merge.mergeId}`);
    expect(afterUndo).toMatchObject({ customers: 5, removed: 0 });
    // As before the merge: P(alive) and the lifetime value move a hair with the later as-of instant, nothing else.
    const restored = await storedValues();
    const discrete = (rows: Array<Record<string, unknown>>) => rows.map(({ p_alive: _p, ltv_minor: _l, ...rest }) => rest);
    expect(discrete(restored)).toEqual(discrete(before));
    restored.forEach((r, i) => {
      expect(Number(r.p_alive)).toBeCloseTo(Number(before[i].p_alive), 6);
      expect(Math.abs(Number(r.ltv_minor) - Number(before[i].ltv_minor))).toBeLessThanOrEqual(1);
    });
  });

  it('asks once per merge however often asked, and not at all when no order changes hands', async () => {
    const crm = createCrm(database.db);
    const visitor = await crm.customers.resolve({ kind: 'directline', externalId: `dl-${Date.now()}` });
    const requestsBefore = await valueRequests();
    const merge = await linker.merge({ survivorId: ids.cy, mergedId: visitor.id, actor: 'agent:test' });
    expect(merge.moved.order).toBe(0);
    await linker.undo(merge.mergeId, 'agent:test');
    expect(await valueRequests()).toEqual(requestsBefore);

    // A repeated request for the same change is the same row, and the same job.
    const keys = await Promise.all([requestValueRunInOutbox(database.db, { key: 'merge:again', reason: 'merge' }), requestValueRunInOutbox(database.db, { key: 'merge:again', reason: 'merge' })]);
    expect(keys).toEqual(['customer-value:merge:again', 'customer-value:merge:again']);
    expect((await valueRequests()).filter((r) => r.dedupe_key === 'customer-value:merge:again')).toHaveLength(1);
    await runRequested('customer-value:merge:again');
    expect(await queue.getJob(jobIdForKey('customer-value:merge:again'))).toBeDefined();
  });
  it('a burst of merges costs one run: requests made before a completed run started are answered by it', async () => {
    const burstPrefix = testPrefix();
    const burstQueue = createQueue(QUEUE_NAMES.customerValue, { redisUrl: MAIN_REDIS_URL, prefix: burstPrefix });
    const burstEvents = await queueEvents(QUEUE_NAMES.customerValue, MAIN_REDIS_URL, burstPrefix);
    let burstWorker: Worker | undefined;
    try {
      // Four merges' requests wait (no worker yet), as when agents merge duplicates one after another during a run.
      const ids4 = ['m1', 'm2', 'm3', 'm4'].map((m) => `customer-value/merge/${m}`);
      for (const jobId of ids4) await burstQueue.add(CUSTOMER_VALUE_JOB_NAME, { reason: 'merge' }, { jobId });
      const done = awaitCompleted(burstEvents, ids4, { failOnFailed: true });
      burstWorker = startCustomerValueWorker({ redisUrl: MAIN_REDIS_URL, prefix: burstPrefix, values: store, log: silentLog, clockSkewMs: 0 });
      const results = [...(await done).entries()].map(([id, r]) => ({ id, ...(r as CustomerValueJobResult) }));
      const computed = results.filter((r) => !r.coveredByRunStartedAt);
      expect(computed.map((r) => r.id)).toEqual([ids4[0]]);
      expect(computed[0].customers).toBeGreaterThan(0);
      const covered = results.filter((r) => r.coveredByRunStartedAt);
      expect(covered.map((r) => r.id).sort()).toEqual(ids4.slice(1).sort());
      expect(covered.every((r) => r.customers === 0)).toBe(true);

      // A request made after that run started is not covered by it: it runs.
      const later = 'customer-value/merge/m5';
      const laterDone = awaitCompleted(burstEvents, [later], { failOnFailed: true });
      await burstQueue.add(CUSTOMER_VALUE_JOB_NAME, { reason: 'undo' }, { jobId: later });
      const fifth = (await laterDone).get(later) as CustomerValueJobResult;
      expect(fifth.coveredByRunStartedAt).toBeUndefined();
      expect(fifth.customers).toBeGreaterThan(0);
    } finally {
      await burstWorker?.close();
      await burstEvents.close();
      const client = await burstQueue.client;
      await client.del(lastCurrentRunKey(burstPrefix));
      await burstQueue.obliterate({ force: true });
      await burstQueue.close();
    }
  });
});
