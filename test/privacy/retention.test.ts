/**
 * Retention on the real PostgreSQL server: expired rows of every kind go (or, for closed tickets, lose
 * their texts), fresh ones stay, a second run does nothing, and agent scores still count the tickets.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../crm/commerce/rows';
import { ANONYMISED_SUBJECT, AuditLog, retentionPolicyFromDays, RetentionService } from '../../crm/privacy';
import { AgentEvaluationService } from '../../crm/scores';
import { createAgent, openDesk } from '../support-domain/fixtures';

const DAY = 86_400_000;
const now = new Date();
/** The database's own message of a failed statement (Drizzle wraps it in "Failed query: …"). */
const failureOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: { message: string; cause?: { message: string } }) => e.cause?.message ?? e.message);
const ago = (days: number) => new Date(now.getTime() - days * DAY).toISOString();

describe('retention (PostgreSQL)', () => {
  let desk: Awaited<ReturnType<typeof openDesk>>;
  const policy = retentionPolicyFromDays({ transcripts: 365, closedTickets: 730, events: 730, learned: 365, audit: 2555 });
  const ids = {} as Record<string, string>;

  const count = async (query: ReturnType<typeof sql>) => Number((await queryRows<{ n: number }>(desk.database.db, query))[0].n);

  beforeAll(async () => {
    desk = await openDesk();
    const db = desk.database.db;
    const customer = await desk.crm.customers.resolve({ kind: 'directline', externalId: `dl_${randomUUID()}` });
    ids.customer = customer.id;
    const fresh = await desk.crm.customers.resolve({ kind: 'directline', externalId: `dl_${randomUUID()}` });
    ids.fresh = fresh.id;

    // Transcripts: an old and a fresh Direct Line conversation with an activity each; timeline messages old and fresh.
    for (const [conv, at] of [['dl-old', ago(400)], ['dl-fresh', ago(10)]] as const) {
      await db.execute(sql`insert into directline_conversations (id, user_id, next_seq, created_at, last_activity_at) values (${conv}, 'u', 1, ${at}, ${at})`);
      await db.execute(sql`insert into directline_activities (conversation_id, seq, activity, created_at) values (${conv}, 0, ${JSON.stringify({ type: 'message', text: 'my card is 4111' })}::jsonb, ${at})`);
    }
    const message = (conv: string, activity: string, at: string, text: string) =>
      db.execute(sql`insert into messages (customer_id, channel, conversation_id, direction, author, text, activity_id, created_at)
        values (${ids.customer}, 'directline', ${conv}, 'inbound', 'customer', ${text}, ${activity}, ${at})`);
    await message('c-old', 'a1', ago(400), 'an old message');
    await message('c-old', 'a2', ago(366), 'another old message');
    await message('c-fresh', 'a3', ago(30), 'a fresh message');

    // An old message in a conversation whose ticket is still open: its agent still reads it.
    const { ticket: open } = await desk.support.tickets.open({
      customerId: ids.customer, channel: 'directline', conversationId: 'c-open', intent: 'billing', language: 'en', sentiment: 0,
      recentMessages: ['still waiting on this'], entities: [], trigger: 'asked_for_person',
    });
    ids.openTicket = open.id;
    await message('c-open', 'a4', ago(400), 'old message of an open ticket');

    // Closed tickets: one closed 800 days ago (handled by an agent, rated with a comment), one closed last week.
    ids.agent = await createAgent(desk, { name: 'Retention Agent', skills: ['billing'], queues: ['billing'], maxConcurrent: 20, status: 'online' });
    for (const [key, closedDaysAgo] of [['oldTicket', 800], ['recentTicket', 7]] as const) {
      const { ticket } = await desk.support.tickets.open({
        customerId: ids.customer, channel: 'directline', conversationId: `c-${key}`, intent: 'billing', language: 'en', sentiment: -0.2,
        recentMessages: ['I was charged twice, email me at dana@example.com'], entities: [{ type: 'email', text: 'dana@example.com' } as never], trigger: 'asked_for_person',
      });
      ids[key] = ticket.id;
      await desk.support.tickets.reassign(ticket.id, ids.agent, 'test');
      await desk.support.tickets.recordAgentMessage(ticket.id, ids.agent, 'Refunded, sorry about that.');
      await desk.support.tickets.resolve(ticket.id, ids.agent);
      await db.execute(sql`insert into ticket_events (ticket_id, type, actor, data) values (${ticket.id}, 'csat', 'customer', ${JSON.stringify({ agentId: ids.agent, rating: 4, comment: 'Thanks Sam, my number is 0123 456' })}::jsonb)`);
      // Everything of the ticket moved back in time as if it had happened then.
      const shift = sql.raw(`interval '${closedDaysAgo + 1} days'`);
      await db.execute(sql`update tickets set status = 'closed', created_at = created_at - ${shift}, updated_at = updated_at - ${shift}, assigned_at = assigned_at - ${shift},
        first_response_at = first_response_at - ${shift}, first_response_due_at = first_response_due_at - ${shift}, resolution_due_at = resolution_due_at - ${shift},
        resolved_at = resolved_at - ${shift}, closed_at = ${ago(closedDaysAgo)} where id = ${ticket.id}`);
      await db.execute(sql`update ticket_events set at = at - ${shift} where ticket_id = ${ticket.id}`);
    }

    // Behavioural events: one 800 days old, one fresh.
    for (const [key, at] of [['ev-old', ago(800)], ['ev-fresh', ago(5)]] as const) {
      await db.execute(sql`insert into customer_events (customer_id, type, at, idempotency_key, source) values (${ids.customer}, 'view', ${at}, ${`${key}-${randomUUID()}`}, 'test')`);
    }

    // Learned data: a learned profile last updated 400 days ago, one updated yesterday; intent labels old and fresh.
    const learned = (at: string) => JSON.stringify({ learned: { version: 1, language: { value: 'en', counts: { en: 1 } }, sentiment: { ewma: null, count: 0, recent: [], trend: null }, likes: [], dislikes: [], contact: null, updatedAt: at } });
    await db.execute(sql`update customers set attributes = attributes || ${learned(ago(400))}::jsonb where id = ${ids.customer}`);
    await db.execute(sql`update customers set attributes = attributes || ${learned(ago(1))}::jsonb where id = ${ids.fresh}`);
    for (const at of [ago(400), ago(3)]) {
      await db.execute(sql`insert into intent_labels (text, language, intent, source, labelled_by, created_at) values ('where is my parcel', 'en', 'order_status', 'clarification', 'customer', ${at})`);
    }

    // Audit entries: one older than seven years, one of today.
    const audit = new AuditLog(db);
    await audit.record({ actorUserId: ids.agent, actorRole: 'agent', action: 'view', customerId: ids.customer });
    await db.execute(sql`insert into audit_log (at, actor_user_id, actor_role, action, customer_id) values (${ago(2600)}, ${ids.agent}, 'agent', 'view', ${ids.customer})`);
  }, 60_000);

  afterAll(async () => {
    await desk.database.close();
  });

  const period = () => ({ start: new Date(now.getTime() - 803 * DAY), end: new Date(now.getTime() - 799 * DAY) });

  it('a dry run counts what has expired and changes nothing', async () => {
    const retention = new RetentionService(desk.database.db, policy);
    const before = await count(sql`select (select count(*) from messages) + (select count(*) from directline_conversations) + (select count(*) from customer_events) + (select count(*) from audit_log) as n`);
    const report = await retention.run({ now, dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.counts).toEqual({ transcripts: 3, closedTickets: 1, events: 1, learned: 2, audit: 1 });
    const after = await count(sql`select (select count(*) from messages) + (select count(*) from directline_conversations) + (select count(*) from customer_events) + (select count(*) from audit_log) as n`);
    expect(after).toBe(before);
    expect(await count(sql`select count(*)::int as n from tickets where anonymised_at is not null`)).toBe(0);
  });

  it('expired rows of each kind go, fresh ones stay; closed tickets keep their rows and scores, without texts; a second run does nothing', async () => {
    const db = desk.database.db;
    const scores = new AgentEvaluationService(db);
    const scoredBefore = await scores.evaluate(period(), { asOf: now });
    expect(scoredBefore).toHaveLength(1);
    expect(scoredBefore[0].figures).toMatchObject({ ticketsHandled: 1, csatSum: 4 });

    const retention = new RetentionService(db, policy);
    const first = await retention.run({ now });
    expect(first.counts).toEqual({ transcripts: 3, closedTickets: 1, events: 1, learned: 2, audit: 1 });
    expect(first.detail).toEqual({ directLineConversations: 1, messages: 2, learnedProfiles: 1, intentLabels: 1 });

    // Transcripts: the old conversation and its activities are gone, the fresh one stays.
    expect((await queryRows<{ id: string }>(db, sql`select id from directline_conversations where id in ('dl-old', 'dl-fresh') order by id`)).map((r) => r.id)).toEqual(['dl-fresh']);
    expect(await count(sql`select count(*)::int as n from directline_activities where conversation_id = 'dl-old'`)).toBe(0);
    expect((await queryRows<{ text: string }>(db, sql`select text from messages where customer_id = ${ids.customer} order by text`)).map((r) => r.text)).toEqual(['a fresh message', 'old message of an open ticket']);
    // Events.
    expect((await queryRows<{ key: string }>(db, sql`select idempotency_key as key from customer_events where customer_id = ${ids.customer}`)).map((r) => r.key.slice(0, 8))).toEqual(['ev-fresh']);
    // Learned data: the stale profile is gone, the fresh one stays; the old label is gone.
    const learned = await queryRows<{ id: string; learned: unknown }>(db, sql`select id::text, attributes -> 'learned' as learned from customers where id in (${ids.customer}, ${ids.fresh})`);
    expect(learned.find((r) => r.id === ids.customer)!.learned).toBeNull();
    expect(learned.find((r) => r.id === ids.fresh)!.learned).not.toBeNull();
    expect(await count(sql`select count(*)::int as n from intent_labels`)).toBe(1);
    // Audit: only the entry older than its retention went.
    expect(await count(sql`select count(*)::int as n from audit_log where customer_id = ${ids.customer}`)).toBe(1);

    // Closed tickets: the old one keeps its row, status, times and rating, not its texts; the recent one is untouched.
    const [old] = await queryRows<{ subject: string; summary: string; entities: unknown[]; status: string; anonymised_at: Date | null }>(db, sql`select subject, summary, entities, status, anonymised_at from tickets where id = ${ids.oldTicket}`);
    expect(old).toMatchObject({ subject: ANONYMISED_SUBJECT, summary: '', entities: [], status: 'closed' });
    expect(old.anonymised_at).not.toBeNull();
    const [csat] = await queryRows<{ data: Record<string, unknown> }>(db, sql`select data from ticket_events where ticket_id = ${ids.oldTicket} and type = 'csat'`);
    expect(csat.data).toEqual({ agentId: ids.agent, rating: 4 });
    const [recent] = await queryRows<{ subject: string; data: Record<string, unknown> }>(
      db,
      sql`select t.subject, e.data from tickets t join ticket_events e on e.ticket_id = t.id and e.type = 'csat' where t.id = ${ids.recentTicket}`,
    );
    expect(recent.subject).toContain('charged twice');
    expect(recent.data.comment).toBe('Thanks Sam, my number is 0123 456');
    const [stillOpen] = await queryRows<{ subject: string }>(db, sql`select subject from tickets where id = ${ids.openTicket}`);
    expect(stillOpen.subject).toBe('still waiting on this');

    // Scores of the period still count the anonymised ticket: the same figures as before.
    const scoredAfter = await scores.evaluate(period(), { asOf: now });
    expect(scoredAfter.map((s) => [s.agentId, s.figures, s.composite])).toEqual(scoredBefore.map((s) => [s.agentId, s.figures, s.composite]));

    const second = await retention.run({ now });
    expect(second.counts).toEqual({ transcripts: 0, closedTickets: 0, events: 0, learned: 0, audit: 0 });
  });

  it('the audit log still refuses UPDATE and DELETE; its purge function refuses a cutoff less than a day ago', async () => {
    const db = desk.database.db;
    expect(await failureOf(db.execute(sql`delete from audit_log where customer_id = ${ids.customer}`))).toMatch(/append-only/);
    expect(await failureOf(db.execute(sql`update audit_log set action = 'edit' where customer_id = ${ids.customer}`))).toMatch(/append-only/);
    // Setting the purge's marker by hand does not open UPDATE, nor DELETE of rows newer than it.
    expect(
      await failureOf(
        db.transaction(async (tx) => {
          await tx.execute(sql`select set_config('concierge.audit_purge_before', ${ago(3000)}, true)`);
          await tx.execute(sql`delete from audit_log where customer_id = ${ids.customer}`);
        }),
      ),
    ).toMatch(/append-only/);
    expect(await failureOf(db.execute(sql`select audit_log_purge(now())`))).toMatch(/less than a day ago/);
    expect(await count(sql`select count(*)::int as n from audit_log where customer_id = ${ids.customer}`)).toBe(1);
  });

  it('a kind kept forever (0 days) is left alone', async () => {
    const db = desk.database.db;
    await db.execute(sql`insert into customer_events (customer_id, type, at, idempotency_key, source) values (${ids.customer}, 'view', ${ago(5000)}, ${`ancient-${randomUUID()}`}, 'test')`);
    const report = await new RetentionService(db, retentionPolicyFromDays({ events: 0 })).run({ now });
    expect(report.counts.events).toBeNull();
    expect(await count(sql`select count(*)::int as n from customer_events where idempotency_key like 'ancient-%'`)).toBe(1);
  });
});
