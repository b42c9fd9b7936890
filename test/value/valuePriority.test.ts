import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../../crm';
import { createSupport, defaultRoutingConfig, type Support } from '../../crm/support';
import { CustomerValueStore } from '../../crm/value';
import type { Application } from '../../bot/application';
import { startInProcessApp, testDatabaseUrl } from '../support/apps';
import { seedValueShop } from './fixtures';

/** Customer value feeds ticket priority through the application's wiring (createSupport's customerSegment). */
describe('customer value in ticket priority', () => {
  let seedDb: Database;
  let ids: Awaited<ReturnType<typeof seedValueShop>>;
  let app: Application;
  beforeAll(async () => {
    seedDb = await openDatabase({ url: testDatabaseUrl(), poolSize: 2 });
    ids = await seedValueShop(seedDb, new Date());
    // A workers process on a database with orders and no values: it computes them once at start.
    app = await startInProcessApp({ CUSTOMER_VALUE_CRON: 'off', AGENT_EVALUATION_CRON: 'off' }, 'workers');
  });
  afterAll(async () => {
    await app?.stop();
    await seedDb.close();
  });

  const open = (support: Support, customerId: string) =>
    support.tickets.open({
      customerId,
      channel: 'directline',
      conversationId: `conv-${randomUUID()}`,
      intent: 'general',
      language: 'en',
      sentiment: 0,
      recentMessages: ['I have a question about my account'],
      entities: [],
      trigger: 'asked_for_person',
    });

  it('values are computed at start when the table is empty and orders exist', async () => {
    const values = new CustomerValueStore(seedDb.db);
    expect((await values.all()).map((v) => v.customerId).sort()).toEqual(Object.values(ids).sort());
    expect(await values.segmentOf(ids.ada)).toBe('Champions');
    expect(await values.segmentOf(ids.eve)).toBe('At risk');
  });

  it("a valued customer's ticket is raised one level with the reason stored; an at-risk customer's is not (not a valued segment by default)", async () => {
    const champion = (await open(app.support, ids.ada)).ticket;
    expect(champion.priority).toBe('high');
    expect(champion.routing.priority).toContain('valued customer (Champions)');
    expect(champion.priorityScore).toBe(defaultRoutingConfig.priority.weights.base.high + defaultRoutingConfig.priority.weights.valuedCustomer);
    const created = (await app.support.tickets.events(champion.id)).find((e) => e.type === 'created')!;
    expect((created.data as { reasons: string[] }).reasons).toContain('valued customer (Champions)');

    expect(defaultRoutingConfig.priority.valuedSegments).not.toContain('At risk');
    const atRisk = (await open(app.support, ids.eve)).ticket;
    expect(atRisk.priority).toBe('normal');
    expect(atRisk.routing.priority).toEqual(['no urgency signals']);

    // A customer never scored (no purchases) is treated as no signal.
    const stranger = await app.crm.customers.resolve({ kind: 'directline', externalId: `dl-${randomUUID()}` });
    expect((await open(app.support, stranger.id)).ticket.priority).toBe('normal');
  });

  it('routing rules that list "At risk" as valued raise the at-risk customer instead', async () => {
    const config = { ...defaultRoutingConfig, priority: { ...defaultRoutingConfig.priority, valuedSegments: ['At risk'] } };
    const values = new CustomerValueStore(seedDb.db);
    const support = createSupport({ db: seedDb.db, config, customerSegment: (id) => values.segmentOf(id) });
    const atRisk = (await open(support, ids.dee)).ticket;
    expect(atRisk.priority).toBe('high');
    expect(atRisk.routing.priority).toContain('valued customer (At risk)');
    expect((await open(support, ids.ada)).ticket.priority).toBe('normal');
  });
});
