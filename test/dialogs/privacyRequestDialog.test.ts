import { randomBytes } from 'node:crypto';
import { ConversationState, MemoryStorage, type Activity } from 'botbuilder';
import { DialogTestClient } from 'botbuilder-testing';
import { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { createCrm, openDatabase, type Crm, type CustomerRecord, type Database } from '../../crm';
import { CommerceStore, seedDemoCatalog } from '../../crm/commerce';
import { queryRows } from '../../crm/commerce/rows';
import { IdentityLinker } from '../../crm/identity';
import { createPrivacy, EncryptedArchiveStore, type PrivacyService } from '../../crm/privacy';
import { MainDialog, PRIVACY_CHOICE_TYPE, privacyKindIn, type ConversationFacts } from '../../dialogs';
import { loadDefaultNlpEngine, type NlpEngine } from '../../nlp';
import { NlpRecognizer } from '../../bot/nlpRecognizer';
import { CommerceOrderLookup } from '../../bot/orderLookup';
import { ChatIdentityProof, RedisAttemptLimiter } from '../../bot/identityProof';
import { ChatPrivacyRequests, privacyRequestReference } from '../../bot/privacyRequests';
import { CUSTOMER_KEY, TimelineMiddleware } from '../../bot/timelineMiddleware';
import { sharedNlpCache, tempDir, testDatabaseUrl } from '../support/apps';
import { runRedisNames } from '../support/redisNames';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DANA = 'dana.demo@example.com';
const SHOPPER = 'shopper01.demo@example.com';

/** One reply as the customer sees it: the text and the buttons offered with it. */
interface Reply {
  text: string;
  buttons: string[];
}

/**
 * A privacy request in chat through the main dialog (botbuilder-testing), with the real NLP model,
 * the real identity proof on PostgreSQL (Redis attempt limit) and the real crm/privacy service.
 */
describe('privacy requests in chat', () => {
  let database: Database;
  let crm: Crm;
  let engine: NlpEngine;
  let redis: Redis;
  let privacy: PrivacyService;
  let danaId: string;
  let shopperId: string;
  let shopperOrder: string;
  const keyPrefix = `${runRedisNames().identityProof}privacy-dialog-${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    database = await openDatabase({ url: testDatabaseUrl(), poolSize: 4 });
    crm = createCrm(database.db);
    expect(await seedDemoCatalog(database.db, crm.customers)).toContain('A10042');
    danaId = (await crm.customers.findByIdentity('email', DANA))!.id;
    shopperId = (await crm.customers.findByIdentity('email', SHOPPER))!.id;
    [{ order_number: shopperOrder }] = await queryRows<{ order_number: string }>(database.db, sql`select order_number from orders where customer_id = ${shopperId}::uuid order by order_number limit 1`);
    engine = await loadDefaultNlpEngine({ cacheDir: sharedNlpCache });
    redis = new Redis(REDIS_URL);
    privacy = createPrivacy({ db: database.db, archives: new EncryptedArchiveStore({ dir: tempDir('archives'), key: randomBytes(32) }) });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await database.close();
  });

  /** One web visitor in one conversation. */
  function visitor(locale = 'en-US', channel = 'directline') {
    const userId = `visitor-${randomBytes(4).toString('hex')}`;
    const conversationId = `conv-${randomBytes(4).toString('hex')}`;
    const state = new ConversationState(new MemoryStorage());
    const dialog = new MainDialog({
      recognizer: new NlpRecognizer(engine),
      facts: state.createProperty<ConversationFacts>('facts'),
      orders: new CommerceOrderLookup(new CommerceStore(database.db)),
      identity: new ChatIdentityProof({ linker: new IdentityLinker(database.db), customers: crm.customers, limiter: new RedisAttemptLimiter(redis, { max: 20, windowMs: 3_600_000, keyPrefix }) }),
      customerOf: (ctx) => (ctx.turnState.get(CUSTOMER_KEY) as CustomerRecord | undefined)?.id,
      privacy: new ChatPrivacyRequests({ service: privacy }),
    });
    const client = new DialogTestClient(channel, dialog, undefined, [new TimelineMiddleware(crm)], state);
    let n = 0;
    return {
      /** Sends a message (or a button's value) and returns every reply of the turn. */
      async say(text: string, value?: unknown): Promise<Reply[]> {
        const first = await client.sendActivity({ type: 'message', text, value, locale, id: `a${++n}`, from: { id: userId, name: 'You' }, conversation: { id: conversationId } } as Partial<Activity>);
        const replies = [first as Partial<Activity> | undefined];
        for (let next = client.getNextReply(); next; next = client.getNextReply()) replies.push(next);
        // Buttons: the website's suggested actions, or the Adaptive Card's submit actions (Teams).
        const cardActions = (a: Partial<Activity>) => (a.attachments ?? []).flatMap((x) => ((x.content as { actions?: Array<{ title: string }> } | undefined)?.actions ?? []).map((c) => c.title));
        const cardText = (a: Partial<Activity>) => (a.attachments ?? []).map((x) => (x.content as { body?: Array<{ text?: string }> } | undefined)?.body?.[0]?.text ?? '').join('');
        return replies.filter(Boolean).map((a) => ({ text: a!.text ?? cardText(a!), buttons: [...(a!.suggestedActions?.actions ?? []).map((x) => x.title), ...cardActions(a!)] }));
      },
    };
  }
  const texts = (replies: Reply[]) => replies.map((r) => r.text);
  const requestsOf = (customerId: string) => privacy.requests.list({ customerId });
  const allRequests = async () => (await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from privacy_requests`))[0].n;
  const dueDate = (d: Date, locale: string) => new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d);

  it('reads which kind a message asks for (pure)', () => {
    expect(['delete my data', 'erase my account and everything you have on me', '删除我的个人数据', 'please forget me'].map(privacyKindIn)).toEqual(['erasure', 'erasure', 'erasure', 'erasure']);
    expect(['I want a copy of my data', '我要导出我的数据', 'can I download what you hold on me'].map(privacyKindIn)).toEqual(['export', 'export', 'export']);
    expect(['what do you do with my personal data?', 'copy or delete my data?'].map(privacyKindIn)).toEqual([undefined, undefined]);
  });

  it('EN: identity not proven → no request, a polite reply', async () => {
    const before = await allRequests();
    const v = visitor();
    expect(texts(await v.say('delete my data'))).toEqual([
      'Before I file a deletion request, I need to check that you are the account holder.',
      'Sure, I can link this chat to your account. What email address do you use for your orders?',
    ]);
    expect(texts(await v.say(DANA))).toEqual(['Thanks. And the number of one of your orders? (for example #A12345)']);
    expect(texts(await v.say('A99999'))).toEqual([
      "I couldn't match those details. Please check the email address and the order number, or I can connect you with a person.",
      'Without checking who you are I cannot file a request about your personal data, so none has been made. You can try again at any time, or I can connect you with a person.',
    ]);
    expect(await allRequests()).toBe(before);
  });

  it('EN: deletion is explained and confirmed, then exactly one request is filed; asking again files no second one', async () => {
    const v = visitor();
    await v.say('erase my account and everything you have on me');
    const proven = await v.say(`${DANA}, order A10042`);
    expect(proven[0].text).toBe('Thanks, Dana Demo, you are verified: I have linked this chat to your account.');
    expect(proven[1].text).toMatch(/^Deleting your data removes what we hold about you: .+ This cannot be undone\. Shall I file the deletion request\?$/);
    expect(proven[1].buttons).toEqual(['Yes, delete my data', 'Cancel']);
    expect(await requestsOf(danaId)).toEqual([]);

    const filed = await v.say('Yes, delete my data', { type: PRIVACY_CHOICE_TYPE, choice: 'confirm' });
    const [request] = await requestsOf(danaId);
    expect(await requestsOf(danaId)).toHaveLength(1);
    expect(request).toMatchObject({ kind: 'erasure', status: 'pending', source: 'chat', requestedBy: null });
    expect(request.dueAt.getTime() - request.requestedAt.getTime()).toBe(30 * 86_400_000);
    expect(texts(filed)).toEqual([`Your deletion request ${privacyRequestReference(request)} is filed. It will be completed by ${dueDate(request.dueAt, 'en-GB')} at the latest, and I will tell you here when it is done.`]);

    // The same customer again, in a new conversation: the open request is told, no second one is made.
    const again = visitor();
    await again.say('delete my data');
    await again.say(`${DANA}, order A10041`);
    expect(texts(await again.say('yes'))).toEqual([`You already have a deletion request open (${privacyRequestReference(request)}); it will be completed by ${dueDate(request.dueAt, 'en-GB')} at the latest. I have not filed a second one.`]);
    expect(await requestsOf(danaId)).toHaveLength(1);
  });

  it('EN: a request that does not say which asks; cancelling the deletion files nothing', async () => {
    const before = await allRequests();
    const v = visitor();
    const asked = await v.say('what personal data do you have about me and what can I do about it?');
    expect(asked[0]).toEqual({ text: 'I can help with your personal data. Would you like a copy of the data we hold about you, or would you like us to delete it?', buttons: ['A copy of my data', 'Delete my data', 'Cancel'] });
    expect(texts(await v.say('Delete my data', { type: PRIVACY_CHOICE_TYPE, choice: 'erasure' }))[0]).toBe('Before I file a deletion request, I need to check that you are the account holder.');
    await v.say(`${SHOPPER}, order ${shopperOrder}`);
    expect(texts(await v.say('Cancel', { type: PRIVACY_CHOICE_TYPE, choice: 'cancel' }))).toEqual(['All right, nothing will be deleted and no request has been filed.']);
    expect(await allRequests()).toBe(before);
  });

  it('EN: a copy of one’s data is filed after the proof, without a deletion warning', async () => {
    const v = visitor();
    expect(texts(await v.say('I want a copy of my data'))[0]).toBe('Before I file a request for a copy of your data, I need to check that you are the account holder.');
    const replies = await v.say(`${SHOPPER}, order ${shopperOrder}`);
    const [request] = (await requestsOf(shopperId)).filter((r) => r.kind === 'export');
    expect(texts(replies)).toEqual([
      'Thanks, Demo Shopper 01, you are verified: I have linked this chat to your account.',
      `Your request for a copy of your data (${privacyRequestReference(request)}) is filed. It will be ready by ${dueDate(request.dueAt, 'en-GB')} at the latest, and I will tell you here when it is.`,
    ]);
  });

  it('ZH: 身份未验证 → 不创建申请；确认后创建一个申请，重复申请不重复创建', async () => {
    const before = await allRequests();
    const refused = visitor('zh-CN');
    expect(texts(await refused.say('删除我的个人数据'))).toEqual(['提交删除申请前，我需要先核实您是账户本人。', '好的，我可以把本次对话关联到您的账户。请问您下单时使用的邮箱地址是？']);
    await refused.say(`我的邮箱是 ${SHOPPER}`);
    expect(texts(await refused.say('订单号 A99999'))).toEqual([
      '抱歉，无法匹配您提供的信息。请核对邮箱地址和订单号，或者我可以为您转接人工客服。',
      '未能核实您的身份，因此无法提交个人数据申请，也没有创建任何申请。您可以随时再试，或者我可以为您转接人工客服。',
    ]);
    expect(await allRequests()).toBe(before);

    const v = visitor('zh-CN');
    await v.say('删除我的个人数据');
    const proven = await v.say(`我的邮箱是 ${SHOPPER}，订单号 ${shopperOrder}`);
    expect(proven[0].text).toBe('谢谢 Demo Shopper 01，验证成功：已将本次对话关联到您的账户。');
    expect(proven[1].text).toMatch(/^删除后，我们将清除所持有的您的数据：.+此操作无法撤销。确认提交删除申请吗？$/);
    expect(proven[1].buttons).toEqual(['确认删除我的数据', '取消']);
    const filed = await v.say('确认删除我的数据', { type: PRIVACY_CHOICE_TYPE, choice: 'confirm' });
    const erasures = (await requestsOf(shopperId)).filter((r) => r.kind === 'erasure');
    expect(erasures).toHaveLength(1);
    expect(texts(filed)).toEqual([`您的删除申请 ${privacyRequestReference(erasures[0])} 已提交，最迟将于 ${dueDate(erasures[0].dueAt, 'zh-CN')} 前完成；完成后我会在这里通知您。`]);

    const again = visitor('zh-CN');
    await again.say('我要删除我的数据');
    await again.say(`${SHOPPER} ${shopperOrder}`);
    expect(texts(await again.say('确认'))).toEqual([`您已有一个处理中的删除申请（${privacyRequestReference(erasures[0])}），最迟将于 ${dueDate(erasures[0].dueAt, 'zh-CN')} 前完成。我没有重复提交。`]);
    expect((await requestsOf(shopperId)).filter((r) => r.kind === 'erasure')).toHaveLength(1);
  });

  it('Teams: the questions are Adaptive Cards whose submit data answers them', async () => {
    const v = visitor('en-US', 'msteams');
    const asked = await v.say('what personal data do you have about me and what can I do about it?');
    expect(asked[0]).toEqual({ text: 'I can help with your personal data. Would you like a copy of the data we hold about you, or would you like us to delete it?', buttons: ['A copy of my data', 'Delete my data', 'Cancel'] });
    // A card submit: no text, the choice in the value.
    expect(texts(await v.say('', { type: PRIVACY_CHOICE_TYPE, choice: 'erasure' }))[0]).toBe('Before I file a deletion request, I need to check that you are the account holder.');
    const proven = await v.say(`${DANA}, order A10043`);
    expect(proven[1].buttons).toEqual(['Yes, delete my data', 'Cancel']);
    expect(texts(await v.say('', { type: PRIVACY_CHOICE_TYPE, choice: 'cancel' }))).toEqual(['All right, nothing will be deleted and no request has been filed.']);
  });
});
