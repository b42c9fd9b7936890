import { createCrm, openDatabase, type Database } from '../../crm';
import { createSupport, defaultRoutingConfig } from '../../crm/support';
import { DEMO_PASSWORD, describeDemoSignIns, seedDemo } from '../../crm/users/demo';
import { createScratchDatabase } from '../support/database';

/** Demo people for a fresh install: created once, with working sign-ins, routed by their queues. */
describe('demo seeding', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let database: Database;

  beforeAll(async () => {
    scratch = await createScratchDatabase('console_demo');
    database = await openDatabase({ url: scratch.url, poolSize: 2 });
  });
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });

  it('creates agents, a supervisor and an admin on an empty database only, and the billing agent takes billing tickets', async () => {
    const crm = createCrm(database.db);
    const support = createSupport({ db: database.db, config: defaultRoutingConfig });
    const signIns = await seedDemo(crm, support);
    expect(signIns.map((s) => [s.role, s.queues])).toEqual([
      ['agent', ['billing']],
      ['agent', ['orders']],
      ['agent', ['general', 'accounts', 'technical']],
      ['supervisor', []],
      ['admin', []],
    ]);
    for (const s of signIns) expect(await crm.users.verifyCredentials(s.email, DEMO_PASSWORD)).toMatchObject({ role: s.role, displayName: s.displayName });
    expect(await seedDemo(crm, support)).toEqual([]);
    expect(await crm.users.count()).toBe(5);
    const banner = describeDemoSignIns(signIns, 'http://127.0.0.1:3978/console/');
    expect(banner).toContain('billing@demo.concierge');
    expect(banner).toContain(`password: ${DEMO_PASSWORD}`);

    const billing = (await crm.users.findByEmail('billing@demo.concierge'))!;
    await support.agents.setStatus(billing.id, 'online');
    const customer = await crm.customers.resolve({ kind: 'test', externalId: 'demo-customer' });
    const { ticket } = await support.tickets.open({ customerId: customer.id, channel: 'test', conversationId: 'demo-1', intent: 'billing', language: 'en', sentiment: -0.5, recentMessages: ['I was charged twice'], entities: [], trigger: 'asked_for_person' });
    expect(ticket).toMatchObject({ queueId: 'billing', assignedAgentId: billing.id, status: 'assigned' });
  });
});
