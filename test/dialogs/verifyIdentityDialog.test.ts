import { randomBytes } from 'node:crypto';
import { ConversationState, MemoryStorage, type Activity } from 'botbuilder';
import { DialogTestClient } from 'botbuilder-testing';
import { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { createCrm, openDatabase, type Crm, type Database } from '../../crm';
import { CommerceStore, seedDemoCatalog } from '../../crm/commerce';
import { queryRows } from '../../crm/commerce/rows';
import { IdentityLinker } from '../../crm/identity';
import { MainDialog, type ConversationFacts } from '../../dialogs';
import { loadDefaultNlpEngine, type NlpEngine } from '../../nlp';
import { NlpRecognizer } from '../../bot/nlpRecognizer';
import { CommerceOrderLookup } from '../../bot/orderLookup';
import { RedisConversationOrigins } from '../../bot/conversationOrigins';
import { ChatIdentityProof, RedisAttemptLimiter } from '../../bot/identityProof';
import { CUSTOMER_KEY, TimelineMiddleware } from '../../bot/timelineMiddleware';
import type { CustomerRecord } from '../../crm';
import { sharedNlpCache, testDatabaseUrl } from '../support/apps';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DANA = 'dana.demo@example.com';

/**
 * Identity proof in chat through the main dialog (botbuilder-testing), with the real NLP model, the
 * real order proof of crm/identity on PostgreSQL, the real timeline middleware and the Redis limit.
 */
describe('identity proof in chat', () => {
  let database: Database;
  let crm: Crm;
  let engine: NlpEngine;
  let redis: Redis;
  let otherRedis: Redis;
  let danaId: string;
  /** Keys of this run only: the limit's window is an hour, runs must not see each other's counts. */
  const keyPrefix = `concierge:test:${randomBytes(4).toString('hex')}:identity-proof:`;

  beforeAll(async () => {
    database = await openDatabase({ url: testDatabaseUrl(), poolSize: 4 });
    crm = createCrm(database.db);
    expect(await seedDemoCatalog(database.db, crm.customers)).toContain('A10042');
    danaId = (await crm.customers.findByIdentity('email', DANA))!.id;
    engine = await loadDefaultNlpEngine({ cacheDir: sharedNlpCache });
    redis = new Redis(REDIS_URL);
    otherRedis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    otherRedis.disconnect();
    await database.close();
  });

  /** One web visitor in one conversation; `redisClient` stands for the bot instance that serves the turn. */
  function visitor(o: { maxAttempts?: number; redisClient?: Redis; conversationId?: string; subjectMax?: number; subjectPrefix?: string; origin?: { max: number; prefix: string } } = {}) {
    const userId = `visitor-${randomBytes(4).toString('hex')}`;
    const conversationId = o.conversationId ?? `conv-${randomBytes(4).toString('hex')}`;
    const state = new ConversationState(new MemoryStorage());
    const identity = new ChatIdentityProof({
      linker: new IdentityLinker(database.db),
      customers: crm.customers,
      limiter: new RedisAttemptLimiter(o.redisClient ?? redis, { max: o.maxAttempts ?? 5, windowMs: 3_600_000, keyPrefix }),
      ...(o.subjectMax ? { subjectLimiter: new RedisAttemptLimiter(o.redisClient ?? redis, { max: o.subjectMax, windowMs: 3_600_000, keyPrefix: `${keyPrefix}${o.subjectPrefix}:` }) } : {}),
      ...(o.origin ? { origin: { origins: originsOf(o.origin.prefix), limiter: new RedisAttemptLimiter(o.redisClient ?? redis, { max: o.origin.max, windowMs: 3_600_000, keyPrefix: `${keyPrefix}${o.origin.prefix}:` }) } } : {}),
    });
    const dialog = new MainDialog({
      recognizer: new NlpRecognizer(engine),
      facts: state.createProperty<ConversationFacts>('facts'),
      orders: new CommerceOrderLookup(new CommerceStore(database.db)),
      identity,
      customerOf: (ctx) => (ctx.turnState.get(CUSTOMER_KEY) as CustomerRecord | undefined)?.id,
    });
    const client = new DialogTestClient('directline', dialog, undefined, [new TimelineMiddleware(crm)], state);
    let n = 0;
    return {
      userId,
      conversationId,
      /** Sends a message and returns the texts of every reply of the turn. */
      async say(text: string): Promise<string[]> {
        const first = await client.sendActivity({ type: 'message', text, id: `a${++n}`, from: { id: userId, name: 'You' }, conversation: { id: conversationId } } as Partial<Activity>);
        const replies = [first as Partial<Activity> | undefined];
        for (let next = client.getNextReply(); next; next = client.getNextReply()) replies.push(next);
        return replies.filter(Boolean).map((a) => a!.text ?? '');
      },
      customer: async () => (await crm.customers.findByIdentity('directline', userId))!,
    };
  }

  /** Where the Direct Line routes record each website conversation's client address (same Redis, this run's keys). */
  const originsOf = (prefix: string) => new RedisConversationOrigins(redis, { keyPrefix: `${keyPrefix}${prefix}:origin:` });

  const merges = () => queryRows<{ survivor_id: string; merged_id: string; actor: string }>(database.db, sql`select survivor_id::text, merged_id::text, actor from customer_merges order by created_at`);

  it('an email and an order number in one message link the visitor to the order’s customer, and the order is then told in full', async () => {
    const v = visitor();
    expect(await v.say('hi there')).toEqual(['Hello! How can I help you today?']);
    const anonymous = await v.customer();
    expect(anonymous.id).not.toBe(danaId);

    const replies = await v.say(`my email is ${DANA} and my order number is A10042`);
    expect(replies).toEqual([
      'Thanks, Dana Demo, you are verified: I have linked this chat to your account.',
      expect.stringMatching(/^Order A10042: shipped \(ordered on \d{4}-\d{2}-\d{2}\)\. Items: 1 × Gooseneck kettle\. Total: €59\.00\.$/),
    ]);
    // The web visitor's identity now points at Dana; the anonymous profile was merged into hers (undoable).
    expect((await v.customer()).id).toBe(danaId);
    expect(await merges()).toContainEqual({ survivor_id: danaId, merged_id: anonymous.id, actor: 'auto:order-proof' });
    // Every message of the conversation, before and after the proof, is in Dana's timeline (replies included).
    const timeline = await crm.timeline.forConversation('directline', v.conversationId);
    expect(timeline.length).toBe(5);
    expect(new Set(timeline.map((m) => m.customerId))).toEqual(new Set([danaId]));

    // Proven: a later order question is answered with items and total, and no proof is offered again.
    expect(await v.say('where is my order A10043?')).toEqual([expect.stringMatching(/^Order A10043: paid and being prepared .*Items: 1 × Merino wool blanket, 2 × Cedar scented candle\. Total: €127\.00\.$/)]);
  });

  it('a terse "I am <email>, order <number>" is a proof, not a complaint to hand over', async () => {
    const v = visitor();
    const replies = await v.say(`I am ${DANA}, order A10042`);
    expect(replies[0]).toBe('Thanks, Dana Demo, you are verified: I have linked this chat to your account.');
    expect((await v.customer()).id).toBe(danaId);
  });

  it('offers the proof after an order question, and an email alone then proves it', async () => {
    const v = visitor();
    const replies = await v.say('where is my order A10041?');
    expect(replies).toEqual([
      expect.stringMatching(/^Order A10041: delivered \(ordered on \d{4}-\d{2}-\d{2}\)\.$/),
      'If this is your order, tell me the email address you used for it and I can show you the items and total.',
    ]);
    expect(await v.say(DANA)).toEqual([
      'Thanks, Dana Demo, you are verified: I have linked this chat to your account.',
      expect.stringMatching(/^Order A10041: delivered .*Items: 2 × Organic sencha tea, 100 g, 2 × Classic stoneware mug\. Total: €42\.00\.$/),
    ]);
    expect((await v.customer()).id).toBe(danaId);
  });

  it('asks for what is missing when the customer asks to be verified', async () => {
    const v = visitor();
    expect(await v.say('can you verify my identity please')).toEqual(['Sure, I can link this chat to your account. What email address do you use for your orders?']);
    expect(await v.say('it is not an email')).toEqual(['That does not look like an email address (like name@example.com). What is yours?']);
    expect(await v.say(DANA.toUpperCase())).toEqual(['Thanks. And the number of one of your orders? (for example #A12345)']);
    expect((await v.say('#A10042'))[0]).toBe('Thanks, Dana Demo, you are verified: I have linked this chat to your account.');
    expect((await v.customer()).id).toBe(danaId);
  });

  it('offers it after an account question; lets it go after three replies without an email', async () => {
    const v = visitor();
    expect(await v.say('I forgot my password and cannot log in')).toEqual([
      expect.stringMatching(/Forgot password/),
      'If you tell me your email address and one of your order numbers, I can link this chat to your account.',
    ]);
    expect(await v.say('link my account please')).toEqual(['Sure, I can link this chat to your account. What email address do you use for your orders?']);
    expect(await v.say('no')).toEqual(['That does not look like an email address (like name@example.com). What is yours?']);
    expect(await v.say('I would rather not')).toEqual(['That does not look like an email address (like name@example.com). What is yours?']);
    expect(await v.say('never mind')).toEqual(['No problem, we can leave that for now. What else can I help you with?']);
    expect(await v.say('hello')).toEqual(['Hello! How can I help you today?']);
  });

  it('a mismatch and an unknown order get the same answer, and nothing is linked', async () => {
    const before = (await merges()).length;
    const v = visitor();
    const wrongEmail = await v.say('my email is mallory@example.test and my order is A10042');
    const unknownOrder = await v.say(`my email is ${DANA} and my order is Z99999`);
    const mismatch = "I couldn't match those details. Please check the email address and the order number, or I can connect you with a person.";
    expect(wrongEmail).toEqual([mismatch]);
    expect(unknownOrder).toEqual([mismatch]);
    expect((await v.customer()).id).not.toBe(danaId);
    expect(await merges()).toHaveLength(before);
    // Not proven: the order is told without items or total.
    expect((await v.say('where is my order A10042?'))[0]).toMatch(/^Order A10042: shipped \(ordered on \d{4}-\d{2}-\d{2}\)\.$/);
  });

  it('after IDENTITY_PROOF_MAX_ATTEMPTS attempts in a conversation, politely refuses, even the right details and on another instance', async () => {
    const v = visitor({ maxAttempts: 3 });
    for (let i = 0; i < 3; i++) expect((await v.say(`my email is guess${i}@example.test and my order is A10042`))[0]).toMatch(/^I couldn't match those details/);
    const refused = "I'm sorry, I can't check any more details in this conversation right now. Please try again in an hour, or I can connect you with a person.";
    expect(await v.say(`my email is ${DANA} and my order is A10042`)).toEqual([refused]);
    expect((await v.customer()).id).not.toBe(danaId);
    // Another bot instance (its own Redis connection) serving the same conversation sees the same count.
    const sameConversation = visitor({ maxAttempts: 3, redisClient: otherRedis, conversationId: v.conversationId });
    expect(await sameConversation.say(`my email is ${DANA} and my order is A10042`)).toEqual([refused]);
    // Other conversations are not affected.
    expect((await visitor({ maxAttempts: 3 }).say(`my email is ${DANA} and my order is A10042`))[0]).toMatch(/^Thanks, Dana Demo, you are verified/);
    const ttl = await redis.pttl(`${keyPrefix}directline:${v.conversationId}`);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });

  it('guesses at one order from many conversations are counted together (new conversations do not reset them)', async () => {
    const subject = { subjectMax: 3, subjectPrefix: randomBytes(3).toString('hex') };
    for (let i = 0; i < 3; i++) expect((await visitor(subject).say(`my email is guess${i}@example.test and my order is A10043`))[0]).toMatch(/^I couldn't match those details/);
    // A fourth conversation, even with the right email: that order is not checked again this hour.
    const fourth = visitor(subject);
    expect((await fourth.say(`my email is ${DANA} and my order is A10043`))[0]).toMatch(/^I'm sorry, I can't check any more details/);
    expect((await fourth.customer()).id).not.toBe(danaId);
    // Another order of hers is still checked.
    expect((await visitor(subject).say(`my email is guess9@example.test and my order is A10041`))[0]).toMatch(/^I couldn't match those details/);
  });

  it('guesses from many conversations opened from one client address are counted together; another address is not held back', async () => {
    const origin = { max: 3, prefix: randomBytes(3).toString('hex') };
    const from = async (address: string) => {
      const v = visitor({ origin });
      await originsOf(origin.prefix).remember(v.conversationId, address);
      return v;
    };
    // Different emails and orders each time: neither the conversation nor the subject limit would stop these.
    const orders = ['A10043', 'A10041', 'A10044'];
    for (let i = 0; i < 3; i++) expect((await (await from('203.0.113.7')).say(`my email is pair${i}@example.test and my order is ${orders[i]}`))[0]).toMatch(/^I couldn't match those details/);
    const fourth = await from('203.0.113.7');
    expect((await fourth.say(`my email is ${DANA} and my order is A10042`))[0]).toMatch(/^I'm sorry, I can't check any more details/);
    expect((await fourth.customer()).id).not.toBe(danaId);
    // The same details from another client address are checked (and prove the customer).
    const elsewhere = await from('198.51.100.23');
    expect((await elsewhere.say(`my email is ${DANA} and my order is A10042`)).join(' ')).toMatch(/Dana/);
    expect((await elsewhere.customer()).id).toBe(danaId);
  });

  it('Redis unreachable: the proof is not attempted (the limit cannot be enforced), the customer is told politely', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    const v = visitor({ redisClient: down });
    expect(await v.say(`my email is ${DANA} and my order is A10042`)).toEqual(["I can't check account details right now. Please try again later, or I can connect you with a person."]);
    expect((await v.customer()).id).not.toBe(danaId);
    down.disconnect();
  });

  it('in a chat begun in Chinese, "I am <email>, order <number>" sent when asked for the order number verifies as in English (no re-ask)', async () => {
    const v = visitor();
    expect(await v.say('我的订单什么时候到')).toEqual(['好的，请问您的订单号是多少？（例如 #A12345）']);
    // The email in the same message is used: the customer is verified and the order told in full, in English (their latest message's language).
    expect(await v.say(`I am ${DANA}, order A10042`)).toEqual([
      'Thanks, Dana Demo, you are verified: I have linked this chat to your account.',
      expect.stringMatching(/^Order A10042: shipped \(ordered on \d{4}-\d{2}-\d{2}\)\. Items: 1 × Gooseneck kettle\. Total: €59\.00\.$/),
    ]);
    expect((await v.customer()).id).toBe(danaId);
    // The same in English.
    const w = visitor();
    expect(await w.say('where is my order?')).toEqual(['Sure. What is your order number? (for example #A12345)']);
    expect((await w.say(`I am ${DANA}, order A10041`))[0]).toBe('Thanks, Dana Demo, you are verified: I have linked this chat to your account.');
    expect((await w.customer()).id).toBe(danaId);
  });

  it('works in Chinese: one message with both, a mismatch, and the prompts', async () => {
    const v = visitor();
    expect(await v.say('我的邮箱是 mallory@example.test，订单号是 A10042')).toEqual(['抱歉，无法匹配您提供的信息。请核对邮箱地址和订单号，或者我可以为您转接人工客服。']);
    expect(await v.say(`我的邮箱是 ${DANA}，订单号是 A10042`)).toEqual([
      '谢谢 Dana Demo，验证成功：已将本次对话关联到您的账户。',
      expect.stringMatching(/^订单 A10042：已发货 \(下单日期 \d{4}-\d{2}-\d{2}\)。商品：1 × Gooseneck kettle。合计：€59\.00。$/),
    ]);
    const w = visitor();
    expect(await w.say('请帮我验证身份')).toEqual(['好的，我可以把本次对话关联到您的账户。请问您下单时使用的邮箱地址是？']);
    expect(await w.say(`${DANA} 订单号 A10041`)).toEqual(['谢谢 Dana Demo，验证成功：已将本次对话关联到您的账户。', expect.stringMatching(/^订单 A10041：已送达/)]);
  });
});
