import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ActivityTypes, TestAdapter, type Activity } from 'botbuilder';
import { and, asc, eq, sql } from 'drizzle-orm';
import { createCrm, openDatabase, type Crm, type Database, type InboundMessageKey } from '../../crm';
import { seedDemoCatalog } from '../../crm/commerce';
import { queryRows } from '../../crm/commerce/rows';
import { LearnedProfileStore } from '../../crm/identity';
import { messages } from '../../crm/schema';
import { loadDefaultNlpEngine, type NlpEngine } from '../../nlp';
import { NlpRecognizer } from '../../bot/nlpRecognizer';
import { cachedCatalogueVocabulary, ConversationLearner, type LearnableMessage, type MessageObserver } from '../../bot/conversationLearning';
import { LearningCatchUp, type LearningCatchUpOptions } from '../../bot/learningCatchUp';
import { TimelineMiddleware } from '../../bot/timelineMiddleware';
import { createLogger } from '../../bot/logger';
import { sharedNlpCache, testDatabaseUrl } from '../support/apps';

/**
 * Learning that nothing loses: a message stored while learning failed is learned by the catch-up
 * afterwards, and a message learned on its turn and by the catch-up at the same time counts once.
 * Real PostgreSQL, the real NLP model and stores; only the failing or gated step is injected.
 */
describe('learning catch-up', () => {
  let database: Database;
  let crm: Crm;
  let engine: NlpEngine;
  let learned: LearnedProfileStore;
  let learner: ConversationLearner;
  const log = createLogger({ level: 'silent' });
  beforeAll(async () => {
    database = await openDatabase({ url: testDatabaseUrl(), poolSize: 6 });
    crm = createCrm(database.db);
    await seedDemoCatalog(database.db, crm.customers);
    engine = await loadDefaultNlpEngine({ cacheDir: sharedNlpCache });
    learned = new LearnedProfileStore(database.db);
    learner = newLearner(learned);
  });
  afterAll(() => database.close());

  function newLearner(store: LearnedProfileStore) {
    return new ConversationLearner({ recognizer: new NlpRecognizer(engine), learned: store, vocabulary: cachedCatalogueVocabulary(database.db) });
  }
  const catchUp = (observer: MessageObserver = learner, options: Partial<LearningCatchUpOptions> = {}) =>
    new LearningCatchUp({ timeline: crm.timeline, learned, observer, graceMs: 0, periodMs: 60_000, log, ...options });
  const learnedAtOf = async (customerId: string) =>
    (await database.db.select({ text: messages.text, learnedAt: messages.learnedAt }).from(messages).where(and(eq(messages.customerId, customerId), eq(messages.direction, 'inbound'))).orderBy(asc(messages.createdAt))).map((m) => [m.text, m.learnedAt !== null]);

  /** Each inbound message's learning state, oldest first. */
  const learnStateOf = async (customerId: string) =>
    (
      await database.db
        .select({ text: messages.text, learnedAt: messages.learnedAt, attempts: messages.learnAttempts, error: messages.learnError, failedAt: messages.learnFailedAt })
        .from(messages)
        .where(and(eq(messages.customerId, customerId), eq(messages.direction, 'inbound')))
        .orderBy(asc(messages.createdAt))
    ).map((m) => ({ text: m.text, learned: m.learnedAt !== null, attempts: m.attempts, error: m.error, gaveUp: m.failedAt !== null }));

  /** Unlearned messages of one new customer, a second apart, oldest first. */
  async function storedMessagesOfOneCustomer(texts: string[]): Promise<LearnableMessage[]> {
    const p = randomBytes(4).toString('hex');
    const customer = await crm.customers.resolve({ kind: 'directline', externalId: `visitor-${p}` });
    const stored: LearnableMessage[] = [];
    for (const [i, text] of texts.entries()) {
      const message = { customerId: customer.id, channel: 'directline', conversationId: `conv-${p}`, activityId: `a-${p}-${i}`, text, at: new Date(Date.now() - 60_000 + i * 1000) };
      expect(await crm.timeline.record({ ...message, direction: 'inbound', author: 'customer' })).toBe(true);
      stored.push(message);
    }
    return stored;
  }

  /** The real learner, except that it throws for these messages (the NLP chokes on them), counting the calls. */
  function chokingOn(...poison: LearnableMessage[]) {
    const calls = new Map<string, number>();
    const observer: MessageObserver = {
      observe: (m) => {
        if (!poison.some((p) => p.activityId === m.activityId)) return learner.observe(m);
        calls.set(m.activityId, (calls.get(m.activityId) ?? 0) + 1);
        return Promise.reject(new Error('tokenizer overflow'));
      },
    };
    return { observer, callsFor: (m: LearnableMessage) => calls.get(m.activityId) ?? 0 };
  }

  /** A stored customer message that nobody has learned yet (what a crash after storing leaves). */
  async function storedMessage(text: string): Promise<LearnableMessage> {
    const p = randomBytes(4).toString('hex');
    const customer = await crm.customers.resolve({ kind: 'directline', externalId: `visitor-${p}` });
    const message = { customerId: customer.id, channel: 'directline', conversationId: `conv-${p}`, activityId: `a-${p}`, text, at: new Date(Date.now() - 60_000) };
    expect(await crm.timeline.record({ ...message, direction: 'inbound', author: 'customer' })).toBe(true);
    return message;
  }

  it('a message stored while the learning write failed is learned by the catch-up afterwards, once', async () => {
    // The profile write's transaction fails once (the database went away mid-write), then works.
    let failures = 1;
    const flaky = new LearnedProfileStore(database.db, {}, {
      markLearned: (customerId: string, keys: readonly InboundMessageKey[], db) => (failures-- > 0 ? Promise.reject(new Error('connection terminated')) : crm.timeline.markLearned(customerId, keys, db)),
      unlearnedOf: (...args) => crm.timeline.unlearnedOf(...args),
    });
    const userId = `visitor-${randomBytes(4).toString('hex')}`;
    const errors: unknown[] = [];
    const adapter = new TestAdapter(async (ctx) => {
      if (ctx.activity.type === ActivityTypes.Message) await ctx.sendActivity('ok');
    }).use(new TimelineMiddleware(crm, { learner: newLearner(flaky), onError: (err) => errors.push(err) }));
    const say = (text: string, id: string) =>
      adapter.receiveActivity({ type: 'message', text, id, channelId: 'directline', locale: 'en-US', from: { id: userId, name: 'You' }, conversation: { id: `conv-${userId}` } } as Partial<Activity>);

    await say('I love candles, please contact me by email', 'm1');
    const customer = (await crm.customers.findByIdentity('directline', userId))!;
    expect(errors).toEqual([expect.objectContaining({ message: 'connection terminated' })]);
    // Stored and answered, nothing learned and nothing half-written.
    expect((await crm.timeline.forCustomer(customer.id)).map((m) => m.text)).toEqual(['I love candles, please contact me by email', 'ok']);
    expect(await learned.get(customer.id)).toBeNull();
    expect(await learnedAtOf(customer.id)).toEqual([['I love candles, please contact me by email', false]]);

    // The next message is learned on its turn as usual; the failed one is still waiting.
    await say('where is my parcel please', 'm2');
    expect((await learned.get(customer.id))!.sentiment.count).toBe(1);

    const first = await catchUp().runOnce();
    expect(first).toEqual({ learned: 1, busy: 0, failed: 0, gaveUp: 0 });
    const p = (await learned.get(customer.id))!;
    expect(p.likes).toEqual([{ term: 'candles', categories: [], skus: ['CANDLE-CEDAR'], source: expect.objectContaining({ activityId: 'm1', text: 'I love candles, please contact me by email' }) }]);
    expect(p.contact).toMatchObject({ channel: 'email', source: { activityId: 'm1' } });
    expect(p.sentiment.count).toBe(2);
    expect(p.language.counts).toEqual({ en: 2 });
    // In time order: the late message's score comes before the one learned on its turn.
    expect(p.sentiment.recent.map((r) => r.at)).toEqual([...p.sentiment.recent.map((r) => r.at)].sort());
    expect(await learnedAtOf(customer.id)).toEqual([
      ['I love candles, please contact me by email', true],
      ['where is my parcel please', true],
    ]);

    // Nothing left: another pass learns nothing, the profile is unchanged.
    expect(await catchUp().runOnce()).toEqual({ learned: 0, busy: 0, failed: 0, gaveUp: 0 });
    expect(await learned.get(customer.id)).toEqual(p);
  });

  it('only messages older than the grace period: a turn still learning its message is left alone', async () => {
    const m = await storedMessage('I love blankets');
    const recent = { ...m, activityId: `${m.activityId}-new`, text: 'I love tea', at: new Date() };
    await crm.timeline.record({ ...recent, direction: 'inbound', author: 'customer' });
    const graceful = new LearningCatchUp({ timeline: crm.timeline, learned, observer: learner, graceMs: 30_000, periodMs: 60_000, log });
    expect((await graceful.runOnce()).learned).toBeGreaterThanOrEqual(1);
    expect(await learnedAtOf(m.customerId)).toEqual([
      ['I love blankets', true],
      ['I love tea', false],
    ]);
    expect((await learned.get(m.customerId))!.likes.map((l) => l.term)).toEqual(['blankets']);
  });

  it('the turn learning a message while the catch-up holds it: learned once', async () => {
    const m = await storedMessage('I love candles but I do not like plastic');
    // The catch-up claims the customer and stops inside its NLP step until the test lets it go.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const gated: MessageObserver = {
      observe: async (message) => {
        entered();
        await gate;
        return learner.observe(message);
      },
    };
    const pass = catchUp(gated).runOnce();
    await inside;
    // The turn's learning now waits for the customer's row lock the catch-up holds.
    const inline = learner.learn(m);
    await waitForBackendWaitingOnLock(database, 'select attributes, language from customers');
    release();
    const [result] = await Promise.all([pass, inline]);
    expect(result.learned).toBeGreaterThanOrEqual(1);

    const p = (await learned.get(m.customerId))!;
    expect(p.sentiment.count).toBe(1);
    expect(p.language.counts).toEqual({ en: 1 });
    expect(p.likes.map((l) => l.term)).toEqual(['candles']);
    expect(p.dislikes.map((l) => l.term)).toEqual(['plastic']);
    // Learning it again, either way, changes nothing.
    await learner.learn(m);
    await catchUp().runOnce();
    expect(await learned.get(m.customerId)).toEqual(p);
  });

  it('the catch-up while the turn is writing the message: it skips the customer, the turn learns it once', async () => {
    const m = await storedMessage('I prefer email, thanks a lot');
    // The turn's transaction (customer row locked) pauses before it marks the message.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const pausing = new LearnedProfileStore(database.db, {}, {
      markLearned: async (customerId: string, keys: readonly InboundMessageKey[], db) => {
        entered();
        await gate;
        return crm.timeline.markLearned(customerId, keys, db);
      },
      unlearnedOf: (...args) => crm.timeline.unlearnedOf(...args),
    });
    const inline = newLearner(pausing).learn(m);
    await inside;
    const during = await catchUp().runOnce();
    expect(during.busy).toBeGreaterThanOrEqual(1);
    release();
    await inline;
    await catchUp().runOnce();

    const p = (await learned.get(m.customerId))!;
    expect(p.sentiment.count).toBe(1);
    expect(p.contact).toMatchObject({ channel: 'email', source: { activityId: m.activityId } });
    expect(await learnedAtOf(m.customerId)).toEqual([['I prefer email, thanks a lot', true]]);
  });

  it('two catch-ups at once (two web processes) learn each message once; an empty message is only marked', async () => {
    const ms = await Promise.all(['I love candles', 'I really do not like plastic', 'where is my order', ''].map((t) => storedMessage(t)));
    const [a, b] = await Promise.all([catchUp().runOnce(), catchUp().runOnce()]);
    expect(a.learned + b.learned).toBeGreaterThanOrEqual(4);
    for (const m of ms.slice(0, 3)) expect((await learned.get(m.customerId))!.sentiment.count).toBe(1);
    expect(await learned.get(ms[3].customerId)).toBeNull();
    expect(await learnedAtOf(ms[3].customerId)).toEqual([['', true]]);
    const [{ n }] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from messages where direction = 'inbound' and learned_at is null and created_at < now() - interval '30 seconds'`);
    expect(n).toBe(0);
  });

  it('one customer whose messages cannot be learned does not hold up the others, and is learned once it can be', async () => {
    const [stuck, fine] = [await storedMessage('I love blankets so much'), await storedMessage('I love candles so much')];
    let broken = true;
    const observer: MessageObserver = { observe: (m) => (broken && m.text === stuck.text ? Promise.reject(new Error('model crashed')) : learner.observe(m)) };
    expect(await catchUp(observer).runOnce()).toEqual({ learned: 1, busy: 0, failed: 1, gaveUp: 0 });
    expect((await learned.get(fine.customerId))!.likes.map((l) => l.term)).toEqual(['candles']);
    expect(await learnedAtOf(stuck.customerId)).toEqual([['I love blankets so much', false]]);
    broken = false;
    expect(await catchUp(observer).runOnce()).toEqual({ learned: 1, busy: 0, failed: 0, gaveUp: 0 });
    expect((await learned.get(stuck.customerId))!.likes.map((l) => l.term)).toEqual(['blankets']);
  });

  it('a message that cannot be learned does not hold up the customer\'s others: they are learned, its attempt is counted', async () => {
    const [good1, poison, good2] = await storedMessagesOfOneCustomer(['I love candles so much', 'I prefer email please', 'I love blankets so much']);
    const { observer, callsFor } = chokingOn(poison);
    // One customer per round: the customer comes up again in the next round of the pass, and is not tried twice.
    const result = await catchUp(observer, { customersPerBatch: 1 }).runOnce();
    expect(result).toMatchObject({ failed: 1, gaveUp: 0 });
    expect(result.learned).toBeGreaterThanOrEqual(2);
    expect(callsFor(poison)).toBe(2); // in the customer's batch, then on its own
    const p = (await learned.get(good1.customerId))!;
    expect(p.likes.map((l) => l.source.activityId).sort()).toEqual([good1.activityId, good2.activityId].sort());
    expect(p.likes.map((l) => l.term).sort()).toEqual(['blankets', 'candles']);
    expect(p.contact).toBeNull();
    expect(p.sentiment.count).toBe(2);
    expect(await learnStateOf(good1.customerId)).toEqual([
      { text: 'I love candles so much', learned: true, attempts: 0, error: null, gaveUp: false },
      { text: 'I prefer email please', learned: false, attempts: 1, error: 'tokenizer overflow', gaveUp: false },
      { text: 'I love blankets so much', learned: true, attempts: 0, error: null, gaveUp: false },
    ]);
  });

  it('after maxAttempts failed passes the message is given up, logged once, and never tried again', async () => {
    const [poison, good] = await storedMessagesOfOneCustomer(['I really do not like plastic', 'I love candles so much']);
    const { observer, callsFor } = chokingOn(poison);
    const lines: Array<Record<string, unknown>> = [];
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const options = { maxAttempts: 3, log: pino({ level: 'warn' }, capture) };

    expect(await catchUp(observer, options).runOnce()).toMatchObject({ failed: 1, gaveUp: 0 });
    expect((await learned.get(good.customerId))!.likes.map((l) => l.term)).toEqual(['candles']);
    expect(await catchUp(observer, options).runOnce()).toMatchObject({ failed: 1, gaveUp: 0 });
    expect((await learnStateOf(poison.customerId))[0]).toMatchObject({ learned: false, attempts: 2, gaveUp: false });
    expect(await catchUp(observer, options).runOnce()).toMatchObject({ failed: 1, gaveUp: 1 });
    expect((await learnStateOf(poison.customerId))[0]).toEqual({ text: 'I really do not like plastic', learned: false, attempts: 3, error: 'tokenizer overflow', gaveUp: true });

    // Given up: not picked again, not in the profile, also when the customer writes again.
    expect(await crm.timeline.customersWithUnlearned(new Date(), 1000)).not.toContain(poison.customerId);
    const later = { ...good, activityId: `${good.activityId}-later`, text: 'I love blankets so much', at: new Date(Date.now() - 30_000) };
    await crm.timeline.record({ ...later, direction: 'inbound', author: 'customer' });
    const calls = callsFor(poison);
    expect(await catchUp(observer, options).runOnce()).toMatchObject({ failed: 0, gaveUp: 0 });
    expect(callsFor(poison)).toBe(calls);
    const p = (await learned.get(poison.customerId))!;
    expect(p.likes.map((l) => l.term)).toEqual(['blankets', 'candles']);
    expect(p.dislikes).toEqual([]);

    // One error line, by ids, without the customer's words; a warning for each attempt before it.
    const about = lines.filter((l) => l.messageId !== undefined && l.customerId === poison.customerId);
    expect(about.map((l) => [l.level, l.attempts])).toEqual([
      [40, 1],
      [40, 2],
      [50, 3],
    ]);
    expect(JSON.stringify(about)).not.toContain('plastic');
  });

  it('a message whose profile write fails for a while is learned once it works, before it is given up', async () => {
    const [other, transient] = await storedMessagesOfOneCustomer(['I love blankets so much', 'I prefer email please']);
    let broken = true;
    const flaky = new LearnedProfileStore(database.db, {}, {
      markLearned: (customerId: string, keys: readonly InboundMessageKey[], db) =>
        broken && keys.some((k) => k.activityId === transient.activityId) ? Promise.reject(new Error('could not write the profile')) : crm.timeline.markLearned(customerId, keys, db),
      unlearnedOf: (...args) => crm.timeline.unlearnedOf(...args),
    });
    const options = { learned: flaky, maxAttempts: 3 };
    expect(await catchUp(learner, options).runOnce()).toMatchObject({ failed: 1, gaveUp: 0 });
    expect(await catchUp(learner, options).runOnce()).toMatchObject({ failed: 1, gaveUp: 0 });
    expect(await learnStateOf(other.customerId)).toEqual([
      { text: 'I love blankets so much', learned: true, attempts: 0, error: null, gaveUp: false },
      { text: 'I prefer email please', learned: false, attempts: 2, error: 'could not write the profile', gaveUp: false },
    ]);
    expect((await learned.get(other.customerId))!.contact).toBeNull();

    broken = false;
    expect(await catchUp(learner, options).runOnce()).toMatchObject({ failed: 0, gaveUp: 0 });
    const p = (await learned.get(other.customerId))!;
    expect(p.contact).toMatchObject({ channel: 'email', source: { activityId: transient.activityId } });
    expect(p.likes.map((l) => l.term)).toEqual(['blankets']);
    expect(p.sentiment.count).toBe(2);
    // Learned: the last error is cleared, the attempts stay as what happened.
    expect((await learnStateOf(other.customerId))[1]).toEqual({ text: 'I prefer email please', learned: true, attempts: 2, error: null, gaveUp: false });
  });

  it('when learning fails on everything (the NLP is down), no message is counted or given up; all are learned once it works again', async () => {
    const [first, second] = await storedMessagesOfOneCustomer(['I love candles so much', 'I prefer email please']);
    let down = true;
    let canaries = 0;
    const observer: MessageObserver = {
      observe: (m) => {
        if (m.conversationId === 'canary') canaries += 1;
        return down ? Promise.reject(new Error('model not loaded')) : learner.observe(m);
      },
    };
    const options = { maxAttempts: 2 };
    for (let pass = 0; pass < 3; pass++) expect(await catchUp(observer, options).runOnce()).toMatchObject({ learned: 0, gaveUp: 0 });
    expect(canaries).toBe(3); // once a pass, not once a message
    expect(await learnStateOf(first.customerId)).toEqual([
      { text: 'I love candles so much', learned: false, attempts: 0, error: null, gaveUp: false },
      { text: 'I prefer email please', learned: false, attempts: 0, error: null, gaveUp: false },
    ]);
    down = false;
    expect((await catchUp(observer, options).runOnce()).learned).toBeGreaterThanOrEqual(2);
    const p = (await learned.get(second.customerId))!;
    expect(p.likes.map((l) => l.term)).toEqual(['candles']);
    expect(p.contact?.channel).toBe('email');
  });

  it('start() runs a pass at once and stop() waits for it', async () => {
    const m = await storedMessage('I love candles very much');
    const running = catchUp();
    running.start();
    await waitUntil(async () => (await learned.get(m.customerId)) !== null);
    await running.stop();
    expect((await learned.get(m.customerId))!.likes.map((l) => l.term)).toEqual(['candles']);
  });
});

/** Resolves when a backend of this database waits for a row lock while running `queryPrefix`. */
async function waitForBackendWaitingOnLock(database: Database, queryPrefix: string): Promise<void> {
  await waitUntil(async () => {
    const [{ n }] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike ${queryPrefix + '%'}`,
    );
    return n > 0;
  });
}

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 20));
}
