import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as schema from '../../crm/schema';
import type { Application } from '../../bot/application';
import { redisClient } from '../../bot/redis';
import { createQueues } from '../../workers';
import { CUSTOMER_DATA_TABLES, EncryptedArchiveStore, ErasedCustomerError, RedisCustomerPurge, createPrivacy, type PrivacyService } from '../../crm/privacy';
import { createCustomer360 } from '../../crm/identity';
import { startInProcessApp, tempDir } from '../support/apps';
import { runQueuePrefix, runRedisNames } from '../support/redisNames';
import { importFile, seedCustomer, type SeededCustomer } from './seedCustomer';

/** Every table of the schema as its SQL name and columns. */
function schemaTables(): Array<{ name: string; columns: string[]; references: string[] }> {
  return (Object.values(schema) as unknown[])
    .filter((v): v is PgTable => is(v, PgTable))
    .map((t) => {
      const c = getTableConfig(t);
      return { name: c.name, columns: c.columns.map((col) => col.name), references: c.foreignKeys.map((fk) => getTableConfig(fk.reference().foreignTable).name) };
    });
}

/** Every row of every table as text, for a search of the person's data. */
async function dumpAll(app: Application): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const t of schemaTables()) {
    const rows = (await app.database.db.execute(sql.raw(`select coalesce(string_agg(row_to_json(x)::text, E'\\n'), '') as dump from "${t.name}" x`))) as unknown as { rows: Array<{ dump: string }> };
    out.set(t.name, rows.rows[0].dump);
  }
  return out;
}

describe('privacy: export and erasure of one customer', () => {
  let app: Application & { url: string };
  let privacy: PrivacyService;
  let redis: Redis;
  let queues: Record<string, Queue>;
  let archiveDir: string;
  let seeded: SeededCustomer;

  beforeAll(async () => {
    app = await startInProcessApp({ CSAT_SURVEY_DELAY_SECONDS: '1' }, 'all');
    redis = redisClient(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    queues = createQueues({ redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: runQueuePrefix() });
    archiveDir = tempDir('privacy-archives');
    const names = runRedisNames();
    privacy = createPrivacy({
      db: app.database.db,
      archives: new EncryptedArchiveStore({ dir: archiveDir, key: randomBytes(32) }),
      redis: new RedisCustomerPurge({ redis, keys: names, queues: [queues.followUps, queues.slaTimers, queues.deliveries] }),
    });
    seeded = await seedCustomer(app);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(Object.values(queues ?? {}).map((q) => q.close()));
    await redis?.quit();
    await app?.stop();
  });

  it('lists every table that holds a customer id or links to one as exported or excluded with a reason', () => {
    const tables = schemaTables();
    const linked = new Set<string>(['customers']);
    // Tables referencing a customer's table, transitively, or with a column naming a customer.
    for (let changed = true; changed; ) {
      changed = false;
      for (const t of tables) {
        if (linked.has(t.name)) continue;
        if (t.columns.some((c) => ['customer_id', 'survivor_id', 'merged_id', 'merged_into'].includes(c)) || t.references.some((r) => linked.has(r) && r !== 'products')) {
          linked.add(t.name);
          changed = true;
        }
      }
    }
    const unlisted = [...linked].filter((t) => !(t in CUSTOMER_DATA_TABLES));
    expect(unlisted).toEqual([]);
    for (const [table, handling] of Object.entries(CUSTOMER_DATA_TABLES)) {
      expect(tables.map((t) => t.name)).toContain(table);
      if ('excluded' in handling) expect(handling.excluded.length).toBeGreaterThan(20);
    }
  });

  it('exports every kind of data, writes the archive encrypted, and reads it back through the service only', async () => {
    const request = await privacy.requestExport(seeded.customerId, 'console', null);
    expect(await privacy.requestExport(seeded.customerId, 'api', null)).toMatchObject({ id: request.id, status: 'pending' });
    expect(request.dueAt.getTime() - request.requestedAt.getTime()).toBe(30 * 86_400_000);
    const done = await privacy.process(request.id);
    expect(done).toMatchObject({ status: 'completed', kind: 'export', hasArchive: true });
    const counts = done.outcome!.counts as Record<string, number>;
    for (const kind of ['identities', 'consentFlags', 'messages', 'understandings', 'intentLabels', 'transcripts', 'transcriptActivities', 'tickets', 'ticketEvents', 'csatAnswers', 'orders', 'orderLines', 'events', 'recommendationsShown', 'learnedProfile', 'customerValue', 'merges', 'deliveries']) {
      expect({ kind, n: counts[kind] }).toEqual({ kind, n: expect.any(Number) });
      expect({ kind, positive: counts[kind] > 0 }).toEqual({ kind, positive: true });
    }
    // The outcome keeps counts only.
    expect(JSON.stringify(done.outcome)).not.toContain(seeded.email);

    const files = fs.readdirSync(archiveDir);
    expect(files).toEqual([`${request.id}.json.enc`]);
    const onDisk = fs.readFileSync(path.join(archiveDir, files[0]));
    for (const clear of [seeded.email, seeded.name, seeded.texts[0], seeded.orderNumber, 'messages']) expect(onDisk.includes(Buffer.from(clear))).toBe(false);

    const { data, summary } = await privacy.readArchive(request.id, null);
    const json = JSON.stringify(data);
    for (const clear of [seeded.email, seeded.name, seeded.phone, seeded.orderNumber, seeded.csatComment, ...seeded.texts]) expect(json).toContain(clear);
    expect(data.identities.map((i) => i.kind).sort()).toEqual(expect.arrayContaining(['directline', 'email', 'phone', 'retail_customer_id']));
    expect(data.consent.current).toMatchObject({ email_marketing: { granted: false }, personalisation: { granted: true } });
    expect(data.csatAnswers[0].data).toMatchObject({ rating: 5, comment: seeded.csatComment });
    expect(data.tickets[0].messages.length).toBeGreaterThan(0);
    expect(summary).toContain(seeded.name);
    expect(summary).toContain(seeded.orderNumber);
    expect(summary).toContain(seeded.texts[0]);
    // Reading it is audited.
    const audits = (await app.database.db.execute(sql`select action, actor_role, detail from audit_log where customer_id = ${seeded.customerId} and action = 'export' order by at`)) as unknown as { rows: Array<{ action: string; actor_role: string; detail: Record<string, unknown> }> };
    expect(audits.rows.map((r) => [r.action, r.actor_role, r.detail.requestId])).toEqual([
      ['export', 'system', request.id],
      ['export', 'system', request.id],
    ]);
  });

  it('erases every row and copy, Redis keys and queued jobs; the tombstone blocks a re-import and the channel identity; a re-run changes nothing', async () => {
    const names = runRedisNames();
    const originKey = `${names.conversationOrigin}${seeded.chat.conversationId}`;
    expect(await redis.exists(originKey)).toBe(1);
    const jobsFor = async () => {
      const all = [...(await queues.followUps.getJobs(['delayed', 'waiting'])), ...(await queues.slaTimers.getJobs(['delayed', 'waiting']))];
      return all.filter((j) => j && seeded.ticketIds.includes((j.data as { ticketId?: string }).ticketId ?? ''));
    };
    // The outbox relay has queued the close-after-reopen-window and the reminder (delayed, days away).
    await waitUntil(async () => (await jobsFor()).length >= 2);
    const before = await dumpAll(app);
    expect([...before.values()].join('\n')).toContain(seeded.email);

    const request = await privacy.requestErasure(seeded.customerId, 'console', null);
    const done = await privacy.process(request.id);
    expect(done).toMatchObject({ status: 'completed', kind: 'erasure' });
    const counts = done.outcome!.counts as Record<string, number>;
    expect(counts).toMatchObject({ messages: expect.any(Number), tombstones: expect.any(Number), queuedJobs: expect.any(Number) });
    expect(counts.queuedJobs).toBeGreaterThanOrEqual(2);
    // Their purchases and views leave the recommendation model at its next training, asked for in the erasure's transaction.
    expect(counts.recommendationRetraining).toBe(1);
    const retrain = (await app.database.db.execute(sql`select payload from outbox where topic = 'recommendations.train' and payload->>'reason' = 'erasure'`)) as unknown as { rows: unknown[] };
    expect(retrain.rows).toHaveLength(1);
    expect(done.outcome!.closedTickets).toBe(1);

    // Nothing of hers in any table (audit_log excepted: ids and field names only, checked too).
    const after = await dumpAll(app);
    const needles = [seeded.email, seeded.name, seeded.phone, seeded.phone.replace(/\s/g, ''), seeded.retailId, seeded.orderNumber, seeded.csatComment, seeded.chat.conversationId, seeded.chat.userId, ...seeded.texts];
    const found: string[] = [];
    for (const [table, dump] of after) for (const n of needles) if (dump.includes(n)) found.push(`${table}: ${n}`);
    expect(found).toEqual([]);
    expect(await redis.exists(originKey)).toBe(0);
    expect(await jobsFor()).toEqual([]);
    // Tickets stay, anonymised, so scores keep their counts.
    const tickets = (await app.database.db.execute(sql`select subject, summary, status from tickets where id in (${seeded.ticketIds[0]}::uuid, ${seeded.ticketIds[1]}::uuid) order by number`)) as unknown as { rows: Array<{ subject: string; status: string }> };
    expect(tickets.rows).toEqual([
      { subject: '[erased]', summary: '', status: 'resolved' },
      { subject: '[erased]', summary: '', status: 'closed' },
    ]);
    const csat = (await app.database.db.execute(sql`select data from ticket_events where ticket_id = ${seeded.ticketIds[0]}::uuid and type = 'csat'`)) as unknown as { rows: Array<{ data: Record<string, unknown> }> };
    expect(csat.rows).toEqual([{ data: { agentId: seeded.agentId, rating: 5, resolution: 1 } }]);
    // The agent's slot of the closed ticket is free again.
    const [{ active }] = ((await app.database.db.execute(sql`select active_tickets as active from agents where user_id = ${seeded.agentId}`)) as unknown as { rows: Array<{ active: number }> }).rows;
    expect(active).toBe(0);

    // Re-import: refused; the web visitor id: cannot come back.
    const report = await importFile(app, 'customers', 'again.csv', seeded.customersCsv, { rejectsAllowed: true });
    expect(report.rejectedByReason).toEqual({ erased_customer: 1 });
    expect((await importFile(app, 'orders', 'again.jsonl', seeded.ordersJsonl, { rejectsAllowed: true })).rejectedByReason).toEqual({ erased_customer: 1 });
    expect((await importFile(app, 'events', 'again-events.csv', seeded.eventsCsv, { rejectsAllowed: true })).rejectedByReason).toEqual({ erased_customer: 1 });
    const reimported = [...(await dumpAll(app)).entries()].filter(([, dump]) => dump.includes(seeded.retailId) || dump.includes(seeded.orderNumber)).map(([t]) => t);
    expect(reimported).toEqual([]);
    expect((await dumpAll(app)).get('customers')).not.toContain(seeded.email);
    await expect(app.crm.customers.resolve({ kind: 'directline', externalId: seeded.chat.userId })).rejects.toBeInstanceOf(ErasedCustomerError);
    await expect(app.crm.customers.resolve({ kind: 'email', externalId: seeded.email.toUpperCase() })).rejects.toBeInstanceOf(ErasedCustomerError);
    // The events API neither re-creates them by their shop id nor adds events to the anonymous row.
    const ingest = createCustomer360(app.database.db).events;
    await expect(ingest.ingest([{ type: 'view', customer: { kind: 'retail_customer_id', id: seeded.retailId }, idempotencyKey: `again-${seeded.retailId}` }], 'test')).rejects.toBeInstanceOf(ErasedCustomerError);
    await expect(ingest.ingest([{ type: 'view', customer: { customerId: seeded.customerId }, idempotencyKey: `again-id-${seeded.retailId}` }], 'test')).rejects.toBeInstanceOf(ErasedCustomerError);

    // The customer writes again in the Web Chat they were erased from: its conversation is gone, so a clear 404 (a reload starts a new one).
    const afterwards = await seeded.chat.post({ type: 'message', text: `Hello again, it is ${seeded.email}` });
    expect(afterwards).toMatchObject({ status: 404, body: { error: { code: 'unknown_conversation' } } });
    const leftover = [...(await dumpAll(app)).entries()].filter(([, dump]) => dump.includes('Hello again')).map(([t]) => t);
    expect(leftover).toEqual([]);

    // Idempotent: the erasure again finds nothing left; a new request for it is a new (completed) one.
    const again = await privacy.process((await privacy.requestErasure(seeded.customerId, 'cli', null)).id);
    expect(again.id).not.toBe(request.id);
    const againCounts = again.outcome!.counts as Record<string, number>;
    expect(Object.entries(againCounts).filter(([, n]) => n > 0)).toEqual([]);
    expect(await privacy.process(request.id)).toMatchObject({ id: request.id, status: 'completed' });
    // An export after the erasure is refused.
    await expect(privacy.requestExport(seeded.customerId, 'console', null)).rejects.toMatchObject({ code: 'customer_erased' });

    const audits = (await app.database.db.execute(sql`select action, detail from audit_log where customer_id = ${seeded.customerId} and action = 'erase' order by at`)) as unknown as { rows: Array<{ action: string; detail: Record<string, unknown> }> };
    expect(audits.rows.map((r) => r.detail.requestId)).toEqual([request.id, again.id]);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  // Polls a state another process changes (the outbox relay); no event to await from here.
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
