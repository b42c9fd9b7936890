import { randomBytes } from 'node:crypto';
import { ActivityTypes, TestAdapter, type Activity } from 'botbuilder';
import { sql } from 'drizzle-orm';
import { createCrm, openDatabase, type Crm, type Database } from '../../crm';
import { seedDemoCatalog } from '../../crm/commerce';
import { queryRows } from '../../crm/commerce/rows';
import { IdentityLinker, LearnedProfileStore, learnFrom, mergeLearnedProfiles, sentimentTrend, type MessageObservation } from '../../crm/identity';
import { extractPreferences, loadDefaultNlpEngine, type NlpEngine } from '../../nlp';
import { NlpRecognizer } from '../../bot/nlpRecognizer';
import { cachedCatalogueVocabulary, ConversationLearner, languageEvidence } from '../../bot/conversationLearning';
import { TimelineMiddleware } from '../../bot/timelineMiddleware';
import { LearningCatchUp } from '../../bot/learningCatchUp';
import { createLogger } from '../../bot/logger';
import { sharedNlpCache, testDatabaseUrl } from '../support/apps';

const source = (i: number, text = `message ${i}`) => ({ channel: 'directline', conversationId: 'c1', activityId: `a${i}`, text, at: new Date(Date.UTC(2026, 0, 1, 10, i)).toISOString() });
const obs = (i: number, o: Partial<MessageObservation>): MessageObservation => ({ language: null, sentiment: null, preferences: [], source: source(i), ...o });

describe('learning from conversations (pure)', () => {
  it('language: the most used detected language, ties to the latest; messages without evidence count for nothing', () => {
    let p = learnFrom(null, obs(1, { language: 'en' }));
    expect(p.language).toEqual({ value: 'en', counts: { en: 1 } });
    p = learnFrom(p, obs(2, { language: 'zh' }));
    expect(p.language.value).toBe('zh');
    p = learnFrom(p, obs(3, { language: null }));
    p = learnFrom(p, obs(4, { language: 'en' }));
    p = learnFrom(p, obs(5, { language: 'zh' }));
    p = learnFrom(p, obs(6, { language: 'zh' }));
    expect(p.language).toEqual({ value: 'zh', counts: { en: 2, zh: 3 } });
  });

  it('a message that expresses no feeling is read but does not move the mood ("this is outrageous", then an order number and "I want a person")', () => {
    let p = learnFrom(null, obs(0, { sentiment: -0.5 }));
    p = learnFrom(p, obs(1, { sentiment: -0.44 }));
    for (const [i, s] of [0.02, -0.05, 0.03].entries()) p = learnFrom(p, obs(i + 2, { sentiment: s, sentimentExpressed: false }));
    expect(p.sentiment.count).toBe(5);
    expect(p.sentiment.recent.map((r) => r.score)).toEqual([-0.5, -0.44]);
    expect(p.sentiment.ewma).toBeCloseTo(0.3 * -0.44 + 0.7 * -0.5);
    // Not "improving": two readings are not enough for a trend.
    expect(p.sentiment.trend).toBeNull();
  });

  it('sentiment: exponentially weighted mean (alpha 0.3), the last 10 scores and the trend', () => {
    let p = learnFrom(null, obs(0, { sentiment: -0.8 }));
    expect(p.sentiment.ewma).toBeCloseTo(-0.8);
    p = learnFrom(p, obs(1, { sentiment: 0.2 }));
    expect(p.sentiment.ewma).toBeCloseTo(0.3 * 0.2 + 0.7 * -0.8); // -0.5
    expect(p.sentiment.trend).toBeNull();
    for (const [i, s] of [0.4, 0.6, 0.8].entries()) p = learnFrom(p, obs(i + 2, { sentiment: s }));
    expect(p.sentiment.recent.map((r) => r.score)).toEqual([-0.8, 0.2, 0.4, 0.6, 0.8]);
    expect(p.sentiment.trend).toBe('improving');
    for (let i = 0; i < 12; i++) p = learnFrom(p, obs(10 + i, { sentiment: i < 6 ? 0.5 : -0.7 }));
    expect(p.sentiment.count).toBe(17);
    expect(p.sentiment.recent).toHaveLength(10);
    expect(p.sentiment.trend).toBe('declining');
    expect(sentimentTrend([{ score: 0.1 }, { score: 0 }, { score: 0.1 }, { score: 0.05 }])).toBe('steady');
  });

  it('a like withdrawn in words ("I don\'t like candles after all", "I no longer like tea") replaces the like, as read from the text', () => {
    const shop = { categories: ['tea'], products: [{ sku: 'CANDLE-CEDAR', name: 'Cedar candle', category: null }, { sku: 'TEA-SENCHA', name: 'Sencha green tea', category: 'tea' }] };
    const said = (i: number, text: string) => ({ ...obs(i, { preferences: extractPreferences(text, shop) }), source: source(i, text) });
    let p = learnFrom(null, said(1, 'I love candles. I really like tea'));
    expect(p.likes.map((l) => l.term).sort()).toEqual(['candles', 'tea']);
    p = learnFrom(p, said(2, "I don't like candles after all"));
    p = learnFrom(p, said(3, 'actually I no longer like tea'));
    expect(p.likes).toEqual([]);
    expect(p.dislikes.map((d) => d.term)).toEqual(['tea', 'candles']);
  });

  it('preferences: newest first with the message they came from; a new statement about the same thing replaces the old', () => {
    let p = learnFrom(null, { ...obs(1, { preferences: [{ kind: 'likes', term: 'Candles', categories: [], skus: ['CANDLE-CEDAR'] }] }), source: source(1, 'I love candles') });
    p = learnFrom(p, obs(2, { preferences: [{ kind: 'dislikes', term: 'plastic', categories: [], skus: [] }, { kind: 'contact', channel: 'email' }] }));
    expect(p.likes).toEqual([{ term: 'candles', categories: [], skus: ['CANDLE-CEDAR'], source: source(1, 'I love candles') }]);
    expect(p.dislikes.map((d) => d.term)).toEqual(['plastic']);
    expect(p.contact).toEqual({ channel: 'email', source: source(2) });
    const before = JSON.stringify(p);
    const changed = learnFrom(p, obs(3, { preferences: [{ kind: 'dislikes', term: 'candles', categories: [], skus: ['CANDLE-CEDAR'] }, { kind: 'contact', channel: 'phone' }] }));
    expect(JSON.stringify(p)).toBe(before); // inputs are never mutated
    expect(changed.likes).toEqual([]);
    expect(changed.dislikes.map((d) => d.term)).toEqual(['candles', 'plastic']);
    expect(changed.contact?.channel).toBe('phone');
  });

  it('merging two learned profiles: counts added, scores by time, the newer statement about a thing wins', () => {
    const a = learnFrom(learnFrom(null, obs(1, { language: 'en', sentiment: 0.6, preferences: [{ kind: 'likes', term: 'candles', categories: [], skus: ['C'] }] })), obs(5, { language: 'en', sentiment: 0.2 }));
    const b = learnFrom(null, obs(3, { language: 'zh', sentiment: -0.4, preferences: [{ kind: 'dislikes', term: 'candles', categories: [], skus: ['C'] }, { kind: 'contact', channel: 'phone' }] }));
    const m = mergeLearnedProfiles(a, b)!;
    expect(m.language).toEqual({ value: 'en', counts: { en: 2, zh: 1 } });
    expect(m.sentiment.recent.map((r) => r.score)).toEqual([0.6, -0.4, 0.2]);
    expect(m.sentiment.count).toBe(3);
    expect(m.sentiment.ewma).toBeCloseTo((a.sentiment.ewma! * 2 + -0.4) / 3);
    expect(m.likes).toEqual([]);
    expect(m.dislikes.map((d) => d.term)).toEqual(['candles']);
    expect(m.contact?.channel).toBe('phone');
    expect(mergeLearnedProfiles(null, b)).toBe(b);
  });

  it('a late message (learned after newer ones) counts, but never overrides a newer statement', () => {
    let p = learnFrom(null, obs(5, { language: 'en', sentiment: -0.5, preferences: [{ kind: 'dislikes', term: 'candles', categories: [], skus: ['C'] }, { kind: 'contact', channel: 'phone' }] }));
    p = learnFrom(p, obs(7, { sentiment: 0.5, preferences: [{ kind: 'likes', term: 'tea', categories: [], skus: [] }] }));
    // Written at minute 3, learned last: "I love candles, email me", in Chinese.
    const late = learnFrom(p, obs(3, { language: 'zh', sentiment: 0.9, preferences: [{ kind: 'likes', term: 'candles', categories: [], skus: ['C'] }, { kind: 'likes', term: 'blankets', categories: [], skus: [] }, { kind: 'contact', channel: 'email' }] }));
    expect(late.dislikes.map((d) => d.term)).toEqual(['candles']);
    expect(late.likes.map((l) => [l.term, l.source.activityId])).toEqual([['tea', 'a7'], ['blankets', 'a3']]);
    expect(late.contact).toMatchObject({ channel: 'phone', source: { activityId: 'a5' } });
    expect(late.sentiment.recent.map((r) => r.score)).toEqual([0.9, -0.5, 0.5]);
    expect(late.sentiment.count).toBe(3);
    // One message each: the tie stays with the language used latest.
    expect(late.language).toEqual({ value: 'en', counts: { en: 1, zh: 1 } });
    expect(late.updatedAt).toBe(source(7).at);
  });

  it('language evidence: words tell, emails, numbers and one-word replies do not', () => {
    expect(languageEvidence('where is my parcel')).toBe(true);
    expect(languageEvidence('我的订单')).toBe(true);
    expect(languageEvidence('ok')).toBe(false);
    expect(languageEvidence('dana.demo@example.com A10042')).toBe(false);
  });
});

/** Through the real timeline middleware, NLP model and PostgreSQL: every stored message updates the profile. */
describe('learning from conversations (stored)', () => {
  let database: Database;
  let crm: Crm;
  let engine: NlpEngine;
  let learned: LearnedProfileStore;
  beforeAll(async () => {
    database = await openDatabase({ url: testDatabaseUrl(), poolSize: 4 });
    crm = createCrm(database.db);
    await seedDemoCatalog(database.db, crm.customers);
    engine = await loadDefaultNlpEngine({ cacheDir: sharedNlpCache });
    learned = new LearnedProfileStore(database.db);
  });
  afterAll(() => database.close());

  function chat(o: { locale?: string; failLearning?: boolean } = {}) {
    const userId = `visitor-${randomBytes(4).toString('hex')}`;
    const conversationId = `conv-${randomBytes(4).toString('hex')}`;
    const errors: unknown[] = [];
    const learner = new ConversationLearner({
      recognizer: new NlpRecognizer(engine),
      learned: o.failLearning ? { recordMessages: async () => Promise.reject(new Error('store down')) } : learned,
      vocabulary: cachedCatalogueVocabulary(database.db),
    });
    const adapter = new TestAdapter(async (ctx) => {
      if (ctx.activity.type === ActivityTypes.Message) await ctx.sendActivity('ok');
    }).use(new TimelineMiddleware(crm, { learner, onError: (err) => errors.push(err) }));
    let n = 0;
    return {
      errors,
      async say(text: string, id = `m${++n}`) {
        await adapter.receiveActivity({ type: 'message', text, id, channelId: 'directline', locale: o.locale ?? 'en-US', from: { id: userId, name: 'You' }, conversation: { id: conversationId } } as Partial<Activity>);
        adapter.activityBuffer.splice(0);
      },
      customer: async () => (await crm.customers.findByIdentity('directline', userId))!,
    };
  }

  it('language from the NLP detection (not the page locale), sentiment trend and stated preferences with their message', async () => {
    const c = chat({ locale: 'en-US' });
    await c.say('你好，我的订单到哪里了？');
    await c.say('我喜欢蜡烛，请用邮件联系我');
    await c.say('ok');
    await c.say('这次的服务太差了，我很生气');
    const customer = await c.customer();
    expect(customer.language).toBe('zh');
    const p = (await learned.get(customer.id))!;
    expect(p.language).toEqual({ value: 'zh', counts: { zh: 3 } });
    expect(p.sentiment.count).toBe(4);
    // The mood is read from the messages that express one (the liking and the anger; the greeting with a question and "ok" express none).
    expect(p.sentiment.recent).toHaveLength(2);
    expect(p.sentiment.recent[0].score).toBeGreaterThan(0);
    expect(p.sentiment.recent[1].score).toBeLessThan(0);
    expect(p.sentiment.ewma).toBeLessThan(p.sentiment.recent[0].score);
    expect(p.likes).toEqual([{ term: '蜡烛', categories: [], skus: ['CANDLE-CEDAR'], source: expect.objectContaining({ channel: 'directline', activityId: 'm2', text: '我喜欢蜡烛，请用邮件联系我' }) }]);
    expect(p.contact).toMatchObject({ channel: 'email', source: { activityId: 'm2' } });
    expect(c.errors).toEqual([]);
  });

  it('English preferences; a redelivered message is learned once; the locale alone does not change the language', async () => {
    const c = chat({ locale: 'zh-CN' });
    await c.say('I love candles but I really do not like plastic', 'x1');
    await c.say('I love candles but I really do not like plastic', 'x1');
    await c.say('I prefer email, thanks', 'x2');
    const customer = await c.customer();
    expect(customer.language).toBe('en');
    const p = (await learned.get(customer.id))!;
    expect(p.sentiment.count).toBe(2);
    expect(p.likes.map((l) => [l.term, l.skus])).toEqual([['candles', ['CANDLE-CEDAR']]]);
    expect(p.dislikes.map((l) => l.term)).toEqual(['plastic']);
    expect(p.contact?.channel).toBe('email');
    // Stored in customers.attributes.learned, next to whatever else is there.
    const [row] = await queryRows<{ keys: string[] }>(database.db, sql`select array(select jsonb_object_keys(attributes)) as keys from customers where id = ${customer.id}`);
    expect(row.keys).toEqual(['learned']);
  });

  it('a failing learning store never fails the turn: the message is stored and answered, the error reported', async () => {
    const c = chat({ failLearning: true });
    await c.say('I love tea');
    const customer = await c.customer();
    expect((await crm.timeline.forCustomer(customer.id)).map((m) => m.text)).toEqual(['I love tea', 'ok']);
    expect(c.errors).toHaveLength(1);
    expect(await learned.get(customer.id)).toBeNull();
  });

  it('what the bot learned after a merge survives its undo: those messages are learned again, each into the profile that owns it', async () => {
    const first = chat();
    await first.say('I love blankets');
    const second = chat();
    await second.say('I love candles');
    const [x, y] = [await first.customer(), await second.customer()];
    const linker = new IdentityLinker(database.db);
    const merge = await linker.merge({ survivorId: x.id, mergedId: y.id, actor: 'agent:test' });
    // After the merge both chats are the survivor's: what they say now is learned into it.
    await second.say('I really like tea');
    await first.say('I prefer email, thanks');
    expect((await learned.get(x.id))!.likes.map((l) => l.term).sort()).toEqual(['blankets', 'candles', 'tea']);

    const undone = await linker.undo(merge.mergeId, 'agent:test');
    expect(undone.relearning).toBe(2);
    // Right after the undo each side holds what it had learned before the merge…
    expect((await learned.get(x.id))!.likes.map((l) => l.term)).toEqual(['blankets']);
    expect((await learned.get(y.id))!.likes.map((l) => l.term)).toEqual(['candles']);
    // …and the catch-up learns the two later messages again, into the survivor, which keeps them.
    const learner = new ConversationLearner({ recognizer: new NlpRecognizer(engine), learned, vocabulary: cachedCatalogueVocabulary(database.db) });
    const pass = await new LearningCatchUp({ timeline: crm.timeline, learned, observer: learner, graceMs: 0, periodMs: 60_000, log: createLogger({ level: 'silent' }) }).runOnce();
    expect(pass.learned).toBeGreaterThanOrEqual(2);
    const survivor = (await learned.get(x.id))!;
    expect(survivor.likes.map((l) => l.term).sort()).toEqual(['blankets', 'tea']);
    expect(survivor.contact?.channel).toBe('email');
    expect(survivor.sentiment.count).toBe(3);
    expect((await learned.get(y.id))!.likes.map((l) => l.term)).toEqual(['candles']);
    expect((await learned.get(y.id))!.sentiment.count).toBe(1);
  });

  it('what was learned in an anonymous chat is combined with the owner’s on proof; undo restores both', async () => {
    const dana = (await crm.customers.findByIdentity('email', 'dana.demo@example.com'))!;
    await learned.record(dana.id, obs(1, { language: 'en', sentiment: 0.5, preferences: [{ kind: 'likes', term: 'tea', categories: ['tea'], skus: [] }] }));
    const c = chat();
    await c.say('I love blankets');
    const anonymous = await c.customer();
    const linker = new IdentityLinker(database.db);
    const proof = await linker.linkByOrderProof({ customerId: anonymous.id, email: 'dana.demo@example.com', orderNumber: 'A10042' });
    expect(proof).toMatchObject({ linked: true, alreadyLinked: false });
    const combined = (await learned.get(dana.id))!;
    expect(combined.likes.map((l) => l.term)).toEqual(['blankets', 'tea']);
    expect(combined.likes[0].skus).toEqual(['BLANKET-WOOL']);
    expect(combined.sentiment.count).toBe(2);
    expect(combined.language.counts).toEqual({ en: 2 });
    await linker.undo((proof as { mergeId: string }).mergeId, 'agent:test');
    expect((await learned.get(dana.id))!.likes.map((l) => l.term)).toEqual(['tea']);
    expect((await learned.get(anonymous.id))!.likes.map((l) => l.term)).toEqual(['blankets']);
  });
});
