import { randomUUID } from 'node:crypto';
import { and, eq, inArray, like } from 'drizzle-orm';
import type { Queue } from 'bullmq';
import { agents, OPEN_TICKET_STATUSES, outbox, ticketEvents, tickets, users } from '../../crm/schema';
import { createSupport, defaultRoutingConfig, slaDueTimes, type FollowUpSettings, type Support, type TicketView } from '../../crm/support';
import {
  createQueue,
  deliveryJobId,
  FollowUpJobs,
  QUEUE_NAMES,
  CSAT_SURVEY_JOB_NAME,
  PENDING_REMINDER_TOPIC,
  PENDING_AUTO_CLOSE_TOPIC,
  CLOSE_RESOLVED_TOPIC,
  SlaTimerJob,
  type DeliveryRequest,
} from '../../workers';
import { MAIN_REDIS_URL, openDesk, openTicket, silentLog, testPrefix } from './fixtures/helpers';

/**
 * The follow-ups on the real PostgreSQL and Redis, job by job (no bullmq worker: the job classes are
 * run directly, the deliveries they enqueue are read back from the `deliveries` queue).
 */
describe('follow-ups: CSAT survey, pending reminder and auto-close, reopen, close after the window', () => {
  let desk: Awaited<ReturnType<typeof openDesk>>;
  let support: Support;
  let deliveries: Queue;
  let jobs: FollowUpJobs;
  const settings: FollowUpSettings = { csatSurveyDelaySeconds: 60, pendingReminderSeconds: 3600, pendingAutoCloseSeconds: 7200, reopenWindowSeconds: 600 };

  beforeAll(async () => {
    desk = await openDesk();
    // The desk's services with the follow-up settings under test.
    support = createSupport({ db: desk.database.db, config: defaultRoutingConfig, followUps: settings });
    deliveries = createQueue(QUEUE_NAMES.deliveries, { redisUrl: MAIN_REDIS_URL, prefix: testPrefix() });
    jobs = new FollowUpJobs(support.followUps, deliveries);
  });
  afterAll(async () => {
    await deliveries.obliterate({ force: true }).catch(() => undefined);
    await deliveries.close();
    await desk.database.close();
  });

  // Each test starts with no agent online and no open ticket (earlier tests' agents would take its tickets).
  beforeEach(async () => {
    await desk.database.db.update(tickets).set({ status: 'closed' }).where(inArray(tickets.status, [...OPEN_TICKET_STATUSES]));
    await desk.database.db.update(agents).set({ status: 'offline', activeTickets: 0 });
  });

  async function agent(name: string, status: 'online' | 'offline' = 'online', maxConcurrent = 3): Promise<string> {
    const [user] = await desk.database.db.insert(users).values({ email: `${randomUUID()}@agents.test`, displayName: name, role: 'agent', passwordHash: 'x' }).returning();
    await support.agents.upsert({ userId: user.id, skills: ['billing'], languages: ['en'], maxConcurrent, queues: ['billing'] });
    if (status === 'online') await support.agents.setStatus(user.id, 'online');
    return user.id;
  }

  async function assignedTicket(agentId: string): Promise<TicketView> {
    const t = await openTicket({ support, crm: desk.crm });
    if (t.assignedAgentId === agentId) return t;
    return support.tickets.reassign(t.id, agentId, 'test');
  }

  const rowsOf = (ticketId: string) =>
    desk.database.db
      .select()
      .from(outbox)
      .where(like(outbox.dedupeKey, `followup:%${ticketId}%`));

  const eventsOf = (ticketId: string, type: string) =>
    desk.database.db
      .select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.ticketId, ticketId), eq(ticketEvents.type, type)));

  async function deliveryRequest(deliveryId: string): Promise<DeliveryRequest | undefined> {
    const job = await deliveries.getJob(deliveryJobId(deliveryId));
    return job?.data as DeliveryRequest | undefined;
  }

  it('resolve writes the CSAT survey (after the delay) and the close (after the reopen window) in its transaction; a hand-back only the close', async () => {
    const a = await agent('Ada Outbox');
    const t = await assignedTicket(a);
    const before = Date.now();
    await support.tickets.resolve(t.id, a);
    const rows = await rowsOf(t.id);
    expect(rows.map((r) => [r.topic, r.dedupeKey]).sort()).toEqual([
      ['followup.close_resolved', `followup:close:${t.id}:1`],
      ['followup.csat', `followup:csat:${t.id}:1`],
    ]);
    const csat = rows.find((r) => r.topic === 'followup.csat')!;
    expect(csat.payload).toEqual({ ticketId: t.id, resolution: 1 });
    expect(csat.runAt.getTime()).toBeGreaterThanOrEqual(before + 60_000 - 1000);
    expect(csat.runAt.getTime()).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(rows.find((r) => r.topic === 'followup.close_resolved')!.runAt.getTime()).toBeGreaterThanOrEqual(before + 600_000 - 1000);

    const h = await assignedTicket(a);
    await support.tickets.resolve(h.id, a, { reason: 'handback' });
    const handback = await rowsOf(h.id);
    expect(handback.map((r) => r.topic)).toEqual(['followup.close_resolved']);
    expect(handback[0].runAt.getTime()).toBeGreaterThanOrEqual(Date.now() + 600_000 - 1000);
  });

  it('the CSAT job records csat_requested {agentId} once and enqueues one survey delivery, however often it runs', async () => {
    const a = await agent('Ada Survey');
    const t = await assignedTicket(a);
    await support.tickets.resolve(t.id, a);
    const first = await jobs.run(CSAT_SURVEY_JOB_NAME, { ticketId: t.id, resolution: 1 });
    expect(first).toEqual({ outcome: 'sent', deliveryId: `csat-${t.id}-1` });
    const again = await jobs.run(CSAT_SURVEY_JOB_NAME, { ticketId: t.id, resolution: 1 });
    expect(again).toEqual({ outcome: 'already_sent', deliveryId: `csat-${t.id}-1` });
    const requested = await eventsOf(t.id, 'csat_requested');
    expect(requested).toHaveLength(1);
    expect(requested[0].data).toMatchObject({ agentId: a, resolution: 1 });
    expect(await deliveryRequest(`csat-${t.id}-1`)).toEqual({
      deliveryId: `csat-${t.id}-1`,
      channel: 'directline',
      conversationId: t.conversationId,
      ticketId: t.id,
      message: { kind: 'csat_survey', language: 'en', ticketId: t.id, ticketNumber: t.number, resolution: 1 },
    });
    expect(await deliveries.getJobCounts('waiting')).toMatchObject({ waiting: expect.any(Number) });
    const all = (await deliveries.getJobs(['waiting'])).filter((j) => (j.data as DeliveryRequest).ticketId === t.id);
    expect(all).toHaveLength(1);
  });

  it('the CSAT job is obsolete once the ticket was reopened, already rated, or gone', async () => {
    const a = await agent('Ada Obsolete');
    const reopened = await assignedTicket(a);
    await support.tickets.resolve(reopened.id, a);
    expect(await support.followUps.reopen(reopened.id)).toMatchObject({ status: 'reopened', reopenCount: 1 });
    expect(await jobs.run(CSAT_SURVEY_JOB_NAME, { ticketId: reopened.id, resolution: 1 })).toEqual({ outcome: 'obsolete', reason: 'reopened' });

    const rated = await assignedTicket(a);
    await support.tickets.resolve(rated.id, a);
    await jobs.run(CSAT_SURVEY_JOB_NAME, { ticketId: rated.id, resolution: 1 });
    expect(await support.followUps.recordCsat({ ticketId: rated.id, channel: 'directline', conversationId: rated.conversationId, rating: 5 })).toMatchObject({ outcome: 'recorded', rating: 5 });
    expect(await jobs.run(CSAT_SURVEY_JOB_NAME, { ticketId: rated.id, resolution: 1 })).toEqual({ outcome: 'obsolete', reason: 'already_rated' });

    expect(await jobs.run(CSAT_SURVEY_JOB_NAME, { ticketId: randomUUID(), resolution: 1 })).toEqual({ outcome: 'obsolete', reason: 'no_ticket' });
    await expect(jobs.run(CSAT_SURVEY_JOB_NAME, { ticketId: 'x' })).rejects.toThrow(/invalid CSAT survey payload/);
  });

  it('a rating is recorded once per resolution as csat {agentId, rating, comment}; duplicates, foreign conversations, bad ratings and unrequested surveys record nothing', async () => {
    const a = await agent('Ada Rating');
    const t = await assignedTicket(a);
    await support.tickets.resolve(t.id, a);
    const where = { ticketId: t.id, channel: 'directline', conversationId: t.conversationId };
    expect(await support.followUps.recordCsat({ ...where, rating: 4 })).toEqual({ outcome: 'not_requested' });
    await jobs.run(CSAT_SURVEY_JOB_NAME, { ticketId: t.id, resolution: 1 });
    expect(await support.followUps.recordCsat({ ...where, rating: '6' })).toEqual({ outcome: 'invalid', problem: 'rating' });
    expect(await support.followUps.recordCsat({ ...where, rating: 3.5 })).toEqual({ outcome: 'invalid', problem: 'rating' });
    expect(await support.followUps.recordCsat({ ...where, rating: 4, comment: { x: 1 } })).toEqual({ outcome: 'invalid', problem: 'comment' });
    expect(await support.followUps.recordCsat({ ...where, conversationId: 'someone-else', rating: 1 })).toEqual({ outcome: 'foreign' });
    expect(await support.followUps.recordCsat({ ...where, ticketId: 'not-a-uuid', rating: 1 })).toEqual({ outcome: 'foreign' });
    expect(await support.followUps.recordCsat({ ...where, rating: '4', comment: '  quick and kind  ' })).toMatchObject({ outcome: 'recorded', rating: 4 });
    expect(await support.followUps.recordCsat({ ...where, rating: 1 })).toMatchObject({ outcome: 'duplicate' });
    const csat = await eventsOf(t.id, 'csat');
    expect(csat).toHaveLength(1);
    expect(csat[0].data).toEqual({ agentId: a, rating: 4, resolution: 1, comment: 'quick and kind' });
    expect(await support.followUps.openSurvey('directline', t.conversationId)).toBeNull();
  });

  it('waiting on the customer: the reminder is sent once and schedules the auto-close; the auto-close closes, frees the agent (who takes the next waiting ticket) and tells the customer', async () => {
    const a = await agent('Ada Pending', 'online', 1);
    const t = await assignedTicket(a);
    const waiting = await openTicket({ support, crm: desk.crm }); // the agent is full: this one waits
    expect(waiting.assignedAgentId).toBeNull();
    await support.tickets.recordAgentMessage(t.id, a, 'Could you send me the invoice number?', { awaitingCustomer: true });
    const [reminderRow] = (await rowsOf(t.id)).filter((r) => r.topic === PENDING_REMINDER_TOPIC);
    expect(reminderRow.runAt.getTime() - Date.parse(reminderRow.payload.pendingSince as string)).toBe(3600_000);

    const reminded = await jobs.run(PENDING_REMINDER_TOPIC, reminderRow.payload);
    expect(reminded).toMatchObject({ outcome: 'sent' });
    expect(await jobs.run(PENDING_REMINDER_TOPIC, reminderRow.payload)).toMatchObject({ outcome: 'already_sent' });
    expect(await eventsOf(t.id, 'pending_reminder_sent')).toHaveLength(1);
    const deliveryId = (reminded as { deliveryId: string }).deliveryId;
    expect((await deliveryRequest(deliveryId))?.message).toEqual({ kind: 'pending_reminder', language: 'en', ticketNumber: t.number });

    const [closeRow] = (await rowsOf(t.id)).filter((r) => r.topic === PENDING_AUTO_CLOSE_TOPIC);
    expect(closeRow.runAt.getTime() - Date.parse(closeRow.payload.remindedAt as string)).toBe(7200_000);
    expect(await jobs.run(PENDING_AUTO_CLOSE_TOPIC, closeRow.payload)).toEqual({ outcome: 'closed' });
    const closed = (await support.tickets.get(t.id))!;
    expect(closed).toMatchObject({ status: 'closed' });
    expect(closed.closedAt).toBeInstanceOf(Date);
    expect((await eventsOf(t.id, 'resolved'))[0].data).toEqual({ agentId: a, reason: 'auto_closed' });
    const autoClose = await deliveryRequest(`autoclose-${t.id}-${Date.parse(closeRow.payload.pendingSince as string)}`);
    expect(autoClose?.message).toEqual({ kind: 'auto_closed', language: 'en', ticketNumber: t.number });
    // The freed agent took the ticket that was waiting.
    expect((await support.tickets.get(waiting.id))!.assignedAgentId).toBe(a);
    expect((await support.agents.require(a)).activeTickets).toBe(1);
    // Run again (a retry): nothing more.
    expect(await jobs.run(PENDING_AUTO_CLOSE_TOPIC, closeRow.payload)).toEqual({ outcome: 'obsolete', reason: 'status_moved' });
  });

  it('the reminder is obsolete once the customer answered or a later "waiting on you" reply replaced it; the auto-close too', async () => {
    const a = await agent('Ada Answered');
    const t = await assignedTicket(a);
    await support.tickets.recordAgentMessage(t.id, a, 'Which card was charged?', { awaitingCustomer: true });
    const [row] = (await rowsOf(t.id)).filter((r) => r.topic === PENDING_REMINDER_TOPIC);
    await support.tickets.recordCustomerMessage(t.id, { text: 'The Visa one' });
    expect(await jobs.run(PENDING_REMINDER_TOPIC, row.payload)).toEqual({ outcome: 'obsolete', reason: 'status_moved' });

    const s = await assignedTicket(a);
    await support.tickets.recordAgentMessage(s.id, a, 'Which card?', { awaitingCustomer: true });
    const [older] = (await rowsOf(s.id)).filter((r) => r.topic === PENDING_REMINDER_TOPIC);
    // The next reply must carry a later timestamp (the reminder's key is per millisecond).
    const first = Date.parse(older.payload.pendingSince as string);
    while (Date.now() <= first) await new Promise((r) => setImmediate(r));
    await support.tickets.recordAgentMessage(s.id, a, 'And the date of the charge?', { awaitingCustomer: true });
    expect((await rowsOf(s.id)).filter((r) => r.topic === PENDING_REMINDER_TOPIC)).toHaveLength(2);
    expect(await jobs.run(PENDING_REMINDER_TOPIC, older.payload)).toEqual({ outcome: 'obsolete', reason: 'superseded' });
    expect(await jobs.run(PENDING_AUTO_CLOSE_TOPIC, { ...older.payload, remindedAt: new Date().toISOString() })).toEqual({ outcome: 'obsolete', reason: 'superseded' });
    expect((await support.tickets.get(s.id))!.status).toBe('pending_customer');
  });

  it('reopen within the window goes back to the resolving agent when they have room, else to the queue; a hand-back and an expired window do not reopen', async () => {
    const a = await agent('Ada Reopen');
    const t = await assignedTicket(a);
    await support.tickets.resolve(t.id, a);
    expect((await support.followUps.reopenable('directline', t.conversationId))?.id).toBe(t.id);
    const back = (await support.followUps.reopen(t.id))!;
    expect(back).toMatchObject({ status: 'reopened', reopenCount: 1, assignedAgentId: a, resolvedAt: null });
    expect((await eventsOf(t.id, 'reopened'))[0].data).toMatchObject({ agentId: a, reopenCount: 1 });
    expect((await support.agents.require(a)).activeTickets).toBe(1);
    // Resolved again: the survey and close of the second resolution have their own keys.
    await support.tickets.resolve(t.id, a);
    expect((await rowsOf(t.id)).map((r) => r.dedupeKey)).toEqual(expect.arrayContaining([`followup:csat:${t.id}:2`, `followup:close:${t.id}:2`]));

    const b = await agent('Ada Offline');
    const u = await assignedTicket(b);
    await support.tickets.resolve(u.id, b);
    await support.agents.setStatus(b, 'offline');
    const queued = (await support.followUps.reopen(u.id))!;
    // Back to the queue, where the online agent with room (Ada) took it.
    expect(queued).toMatchObject({ status: 'assigned', reopenCount: 1, assignedAgentId: a });
    expect((await eventsOf(u.id, 'status_changed')).map((e) => e.data.to)).toContain('reopened');
    expect((await eventsOf(u.id, 'reopened'))[0].data).toMatchObject({ agentId: b, reopenCount: 1 });

    const h = await assignedTicket(a);
    await support.tickets.resolve(h.id, a, { reason: 'handback' });
    expect(await support.followUps.reopenable('directline', h.conversationId)).toBeNull();

    const late = createSupport({ db: desk.database.db, config: defaultRoutingConfig, followUps: { ...settings, reopenWindowSeconds: 0 } });
    const w = await assignedTicket(a);
    await support.tickets.resolve(w.id, a);
    await new Promise((r) => setTimeout(r, 5));
    expect(await late.followUps.reopenable('directline', w.conversationId)).toBeNull();
    expect(await late.followUps.reopen(w.id)).toBeNull();
  });

  it('after the reopen window a resolved ticket is closed; a reopened one is left alone', async () => {
    const a = await agent('Ada Close');
    const t = await assignedTicket(a);
    await support.tickets.resolve(t.id, a);
    expect(await jobs.run(CLOSE_RESOLVED_TOPIC, { ticketId: t.id, resolution: 1 })).toEqual({ outcome: 'closed' });
    expect((await support.tickets.get(t.id))!.status).toBe('closed');
    expect(await jobs.run(CLOSE_RESOLVED_TOPIC, { ticketId: t.id, resolution: 1 })).toEqual({ outcome: 'obsolete', reason: 'status_moved' });

    const r = await assignedTicket(a);
    await support.tickets.resolve(r.id, a);
    await support.followUps.reopen(r.id);
    expect(await jobs.run(CLOSE_RESOLVED_TOPIC, { ticketId: r.id, resolution: 1 })).toEqual({ outcome: 'obsolete', reason: 'reopened' });
  });

  it('a reopen sets a new resolution target from the reopen, with timers of its own; the earlier timers are superseded', async () => {
    const a = await agent('Rhea Reopen');
    const t = await assignedTicket(a);
    await support.tickets.recordAgentMessage(t.id, a, 'That should do it.');
    await support.tickets.resolve(t.id, a);
    const before = await support.tickets.require(t.id);
    const reopened = (await support.followUps.reopen(t.id))!;
    const [event] = await eventsOf(t.id, 'reopened');
    const expected = slaDueTimes(reopened.priority, event.at, defaultRoutingConfig).resolutionDueAt;
    expect(reopened.resolutionDueAt.getTime()).toBe(expected.getTime());
    expect(reopened.resolutionDueAt.getTime()).toBeGreaterThan(before.resolutionDueAt.getTime());
    expect(reopened.firstResponseDueAt).toEqual(before.firstResponseDueAt);

    // The new cycle's warning and breach check, in the reopen's transaction.
    const rows = await desk.database.db.select().from(outbox).where(like(outbox.dedupeKey, `sla:resolution:%${t.id}:cycle1`));
    expect(rows.map((r) => [r.dedupeKey, r.runAt.getTime()]).sort()).toEqual(
      [
        [`sla:resolution:${t.id}:cycle1`, expected.getTime()],
        [`sla:resolution:warning:${t.id}:cycle1`, event.at.getTime() + Math.round((expected.getTime() - event.at.getTime()) * 0.8)],
      ].sort(),
    );

    const late = new SlaTimerJob({ db: desk.database.db, log: silentLog, clock: () => new Date(expected.getTime() + 1000) });
    expect(await late.run({ ticketId: t.id, kind: 'resolution' })).toEqual({ outcome: 'obsolete', reason: 'superseded' });
    const recorded = await late.run({ ticketId: t.id, kind: 'resolution', cycle: 1 });
    expect(recorded.outcome).toBe('recorded');
    expect(await late.run({ ticketId: t.id, kind: 'resolution', cycle: 1 })).toEqual({ outcome: 'already_recorded', eventId: (recorded as { eventId: number }).eventId });
    const breaches = await eventsOf(t.id, 'sla_breached');
    expect(breaches.map((e) => e.data)).toEqual([expect.objectContaining({ kind: 'resolution', cycle: 1, dueAt: expected.toISOString() })]);
  });
});
