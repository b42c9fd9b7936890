import { and, asc, eq, sql } from 'drizzle-orm';
import { Client } from 'pg';
import { createCrm, openDatabase } from '../../crm';
import { seedDemoCatalog } from '../../crm/commerce';
import { queryRows } from '../../crm/commerce/rows';
import { LearnedProfileStore } from '../../crm/identity';
import { messages } from '../../crm/schema';
import { spawnApp, testDatabaseUrl, type ChildApp } from '../support/apps';
import { DirectLineClient } from '../support/directLineClient';

/**
 * A web process killed with SIGKILL after it stored a customer's message and before it learned from
 * it: the next process's catch-up learns it, and the learned profile has it exactly once. The kill
 * lands in that window because the test holds the customer's row (FOR NO KEY UPDATE: the message
 * insert still passes, the learning write waits), no hook in the product.
 */
it('a process killed between storing and learning a message: the next process learns it, once', async () => {
  const database = await openDatabase({ url: testDatabaseUrl(), poolSize: 2 });
  const crm = createCrm(database.db);
  await seedDemoCatalog(database.db, crm.customers);
  const learned = new LearnedProfileStore(database.db);
  const env = { DATABASE_URL: testDatabaseUrl(), DEMO_SEED: 'never', LEARNING_GRACE_SECONDS: '1' };
  const holder = new Client({ connectionString: testDatabaseUrl() });
  await holder.connect();
  const apps: ChildApp[] = [];
  try {
    const first = await spawnApp(env, 'web', { direct: true });
    apps.push(first);
    const client = await DirectLineClient.open(first.url);
    await client.replyTo(await client.say('hello, where is my parcel please'));
    const customer = (await crm.customers.findByIdentity('directline', client.userId))!;
    expect((await learned.get(customer.id))!.sentiment.count).toBe(1);

    await holder.query('begin');
    await holder.query('select id from customers where id = $1 for no key update', [customer.id]);
    const posted = client.say('I love candles, please contact me by email').catch((err: unknown) => err);
    await waitUntil(async () => {
      const [{ n }] = await queryRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike 'select attributes, language from customers%'`,
      );
      return n > 0;
    });
    // Stored, not learned: now the process dies.
    expect(await inboundOf(customer.id)).toEqual([
      ['hello, where is my parcel please', true],
      ['I love candles, please contact me by email', false],
    ]);
    first.process.kill('SIGKILL');
    await first.exited;
    expect(first.process.signalCode).toBe('SIGKILL');
    // The customer's request died with the process; the message was stored before, which is what counts.
    expect(String(await posted)).toMatch(/fetch failed/);
    await holder.query('rollback');
    client.close();
    expect(await learned.get(customer.id)).toMatchObject({ likes: [], sentiment: { count: 1 } });

    const second = await spawnApp(env, 'web', { direct: true });
    apps.push(second);
    await waitUntil(async () => (await inboundOf(customer.id)).every(([, isLearned]) => isLearned));
    const p = (await learned.get(customer.id))!;
    expect(p.likes).toEqual([{ term: 'candles', categories: [], skus: ['CANDLE-CEDAR'], source: expect.objectContaining({ text: 'I love candles, please contact me by email' }) }]);
    expect(p.contact).toMatchObject({ channel: 'email' });
    expect(p.sentiment.count).toBe(2);
    expect(p.language).toEqual({ value: 'en', counts: { en: 2 } });
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    // Stopped and nothing pending: learned exactly once.
    expect(await learned.get(customer.id)).toEqual(p);
    expect(await crm.timeline.customersWithUnlearned(new Date(), 1000)).not.toContain(customer.id);
  } finally {
    for (const app of apps) if (app.process.exitCode === null && app.process.signalCode === null) app.process.kill('SIGKILL');
    await Promise.all(apps.map((a) => a.exited));
    await holder.end().catch(() => undefined);
    await database.close();
  }

  async function inboundOf(customerId: string) {
    const rows = await database.db
      .select({ text: messages.text, learnedAt: messages.learnedAt })
      .from(messages)
      .where(and(eq(messages.customerId, customerId), eq(messages.direction, 'inbound')))
      .orderBy(asc(messages.createdAt));
    return rows.map((r) => [r.text, r.learnedAt !== null]);
  }
}, 180_000);

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 50));
}
