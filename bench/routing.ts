/**
 * Assignment throughput and latency on real PostgreSQL: 10,000 tickets, 100 agents.
 *  1. open: tickets opened by 20 concurrent callers (each open routes at once: a free agent or the queue);
 *  2. drain: agents resolve their tickets one by one, each freed slot pulls the best waiting ticket.
 *
 *   npm run bench:routing -- [--tickets 10000] [--agents 100] [--concurrency 20] [--capacity 5]
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { createCrm, openDatabase } from '../crm';
import { customers, tickets, users } from '../crm/schema';
import { createSupport, defaultRoutingConfig } from '../crm/support';
import { createScratchDatabase } from '../test/support/database';

const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: '10000' },
    agents: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '20' },
    capacity: { type: 'string', default: '5' },
  },
});
const TICKETS = Number(values.tickets);
const AGENTS = Number(values.agents);
const CONCURRENCY = Number(values.concurrency);
const CAPACITY = Number(values.capacity);
const CATEGORIES = ['billing', 'order_status', 'return_refund', 'account_access', 'technical_issue', 'shipping_info', 'complaint'];

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(1)} ms  p95 ${pct(s, 95).toFixed(1)} ms  p99 ${pct(s, 99).toFixed(1)} ms`;
};

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

async function main() {
  const scratch = await createScratchDatabase('concierge_bench_routing');
  const database = await openDatabase({ url: scratch.url, poolSize: CONCURRENCY + 5 });
  try {
    const support = createSupport({ db: database.db, config: defaultRoutingConfig });
    await support.queues.sync(defaultRoutingConfig);
    const queueOf = (c: string) => defaultRoutingConfig.queues.find((q) => q.categories.includes(c))?.id ?? 'general';
    for (let i = 0; i < AGENTS; i++) {
      // Each agent has two skills, so queues overlap the way real teams do.
      const skills = [CATEGORIES[i % CATEGORIES.length], CATEGORIES[(i + 3) % CATEGORIES.length]];
      const [u] = await database.db.insert(users).values({ email: `agent${i}@bench.test`, displayName: `Agent ${i}`, role: 'agent', passwordHash: 'x' }).returning();
      await support.agents.upsert({ userId: u.id, skills, languages: ['en'], maxConcurrent: CAPACITY, queues: [...new Set(skills.map(queueOf))] });
      await support.agents.setStatus(u.id, 'online');
    }
    const crm = createCrm(database.db);
    const customerIds = (await database.db.insert(customers).values(Array.from({ length: 500 }, (_, i) => ({ displayName: `Customer ${i}` }))).returning({ id: customers.id })).map((c) => c.id);
    void crm;

    const openLatency: number[] = [];
    const t0 = performance.now();
    await pool(Array.from({ length: TICKETS }, (_, i) => i), CONCURRENCY, async (i) => {
      const started = performance.now();
      await support.tickets.open({
        customerId: customerIds[i % customerIds.length],
        channel: 'directline',
        conversationId: `bench-${randomUUID()}`,
        intent: CATEGORIES[i % CATEGORIES.length],
        language: 'en',
        sentiment: [0, -0.3, -0.6, 0.4, -0.9][i % 5],
        recentMessages: [i % 11 === 0 ? 'this is urgent' : 'I need help with this'],
        entities: [],
        trigger: 'asked_for_person',
      });
      openLatency.push(performance.now() - started);
    });
    const openSeconds = (performance.now() - t0) / 1000;
    const [{ assigned }] = await database.db.select({ assigned: sql<number>`count(*)::int` }).from(tickets).where(eq(tickets.status, 'assigned'));
    console.log(`routing benchmark: ${TICKETS} tickets, ${AGENTS} agents x capacity ${CAPACITY}, ${CONCURRENCY} concurrent callers, PostgreSQL`);
    console.log(`open + route: ${(TICKETS / openSeconds).toFixed(0)} tickets/s (${openSeconds.toFixed(1)} s); latency per ticket ${fmt(openLatency)}; ${assigned} assigned at once, ${TICKETS - assigned} queued`);

    // Drain: agents resolve their oldest ticket; each resolve assigns the best waiting ticket to them.
    const agentIds = (await database.db.select({ id: users.id }).from(users)).map((u) => u.id);
    const resolveLatency: number[] = [];
    let resolved = 0;
    const t1 = performance.now();
    await pool(agentIds, CONCURRENCY, async (agentId) => {
      for (;;) {
        const [mine] = await database.db
          .select({ id: tickets.id })
          .from(tickets)
          .where(and(eq(tickets.assignedAgentId, agentId), eq(tickets.status, 'assigned')))
          .orderBy(asc(tickets.assignedAt))
          .limit(1);
        if (!mine) return;
        const started = performance.now();
        await support.tickets.resolve(mine.id, agentId);
        resolveLatency.push(performance.now() - started);
        resolved++;
      }
    });
    const drainSeconds = (performance.now() - t1) / 1000;
    const [{ waiting }] = await database.db.select({ waiting: sql<number>`count(*)::int` }).from(tickets).where(eq(tickets.status, 'new'));
    console.log(`resolve + assign next: ${(resolved / drainSeconds).toFixed(0)} tickets/s (${resolved} in ${drainSeconds.toFixed(1)} s); latency per resolve (incl. next assignment) ${fmt(resolveLatency)}; ${waiting} left waiting`);
    const [{ over }] = await database.db.execute(sql`select count(*)::int as over from agents where active_tickets > max_concurrent or active_tickets < 0`).then((r) => (r as unknown as { rows: Array<{ over: number }> }).rows);
    console.log(`consistency: ${over} agents over capacity`);
  } finally {
    await database.close();
    await scratch.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
