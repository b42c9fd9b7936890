import { sql } from 'drizzle-orm';
import type { Application } from '../../bot/application';
import { queryRows } from '../../crm/commerce/rows';
import { LearnedProfileStore, PERSONALISATION_PURPOSE, ProfileStore } from '../../crm/identity';
import { AuditLog } from '../../crm/privacy';
import { RecommendationService } from '../../crm/recommendations';
import { textsFor } from '../../dialogs';
import { startInProcessApp } from '../support/apps';
import { DirectLineClient, type DlActivity } from '../support/directLineClient';

/**
 * Consent to personalisation said in chat, through the whole stack (the app on PostgreSQL with the
 * demo shop, a Web Chat visitor over Direct Line who proves they are Dana): "stop personalising"
 * takes effect at once — her next messages teach the learned profile nothing and her recommendations
 * are the popular ones, said as such — and is recorded with its history and an audit entry from chat;
 * 可以恢复个性化推荐 turns it back on, in Chinese; the other phrasings, EN and ZH, do the same.
 */
describe('consent to personalisation in chat', () => {
  let app: Application & { url: string };
  let danaId: string;
  beforeAll(async () => {
    app = await startInProcessApp({ DEMO_SEED: 'always', CUSTOMER_VALUE_CRON: 'off', AGENT_EVALUATION_CRON: 'off' });
    danaId = (await app.crm.customers.findByIdentity('email', 'dana.demo@example.com'))!.id;
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });

  const en = textsFor('en');
  const zh = textsFor('zh');
  type Hero = { title: string; text: string };
  const heroes = (a: DlActivity): Hero[] => ((a.attachments as Array<{ content: Hero }> | undefined) ?? []).map((att) => att.content);
  const learnedNow = async () => JSON.stringify(await new LearnedProfileStore(app.database.db).get(danaId));
  const consentNow = async () => (await queryRows<{ consent: Record<string, { granted: boolean; source?: string }> }>(app.database.db, sql`select consent from customer_profiles where customer_id = ${danaId}`))[0]?.consent[PERSONALISATION_PURPOSE];

  it('"stop personalising" stops learning and personalised picks at once; 可以恢复个性化推荐 gives them back; each change has its history and an audit entry', async () => {
    const c = await DirectLineClient.open(app.url);
    const ask = async (text: string) => c.replyTo(await c.say(text));
    expect((await ask('my email is dana.demo@example.com and my order is A10042')).text).toBe('Thanks, Dana Demo, you are verified: I have linked this chat to your account.');

    // Before: picks from her purchases.
    const before = await ask('what would you recommend?');
    expect([en.recommendationsForYou, en.recommendationsLikedAndBought]).toContain(before.text);
    expect(heroes(before).some((card) => card.text.startsWith('Because you bought'))).toBe(true);

    const learnedBefore = await learnedNow();
    // Something was learned already (her messages so far), so "unchanged" below says something.
    expect(JSON.parse(learnedBefore)?.language.counts.en).toBeGreaterThan(0);
    expect((await ask('stop personalising')).text).toBe(en.personalisationWithdrawn);
    expect(await consentNow()).toMatchObject({ granted: false, source: 'chat' });

    // A preference said now is not learned, and the reply does not claim it was.
    expect((await ask('I love tea')).text).toBe(en.preferenceNotRecorded);
    expect(await learnedNow()).toBe(learnedBefore);
    // Still handled (marked), so the learning catch-up does not learn it later either.
    const [tea] = await queryRows<{ learned_at: Date | null }>(app.database.db, sql`select learned_at from messages where customer_id = ${danaId} and text = 'I love tea'`);
    expect(tea.learned_at).not.toBeNull();

    // Recommendations: the popular ones anyone gets, introduced as not personalised.
    const after = await ask('what would you recommend?');
    expect(after.text).toBe(en.recommendationsNotPersonalised);
    const reference = new RecommendationService({ db: app.database.db, autoTrainMaxProducts: 0 });
    await reference.start();
    const popular = reference.forCustomer(null, { k: 4 }).cards.map((card) => card.name);
    const served = await reference.recommendFor(danaId, { k: 4 });
    await reference.close();
    expect(served.personalisationWithdrawn).toBe(true);
    expect(heroes(after).map((card) => card.title)).toEqual(popular);
    for (const card of heroes(after)) expect(card.text).not.toMatch(/^Because you/);

    // Saying it again changes nothing and says so; the Chinese phrasings are understood too.
    expect((await ask('别用我的数据做推荐')).text).toBe(zh.personalisationAlreadyWithdrawn);

    // The reverse, in Chinese: learning and personal picks are back.
    expect((await ask('可以恢复个性化推荐')).text).toBe(zh.personalisationGranted);
    expect(await consentNow()).toMatchObject({ granted: true, source: 'chat' });
    await ask('I love tea');
    expect(JSON.parse(await learnedNow()).likes.map((l: { term: string }) => l.term)).toContain('tea');
    expect((await ask('不要再给我个性化推荐')).text).toBe(zh.personalisationWithdrawn);
    expect((await ask('you can personalise again')).text).toBe(en.personalisationGranted);

    // History: every decision in order, from chat; the audit log: one entry per change, by the customer in chat.
    const history = await new ProfileStore(app.database.db).consentHistory(danaId);
    expect(history.map((h) => [h.purpose, h.granted, h.source])).toEqual([
      [PERSONALISATION_PURPOSE, false, 'chat'],
      [PERSONALISATION_PURPOSE, true, 'chat'],
      [PERSONALISATION_PURPOSE, false, 'chat'],
      [PERSONALISATION_PURPOSE, true, 'chat'],
    ]);
    const audit = (await new AuditLog(app.database.db).list({ customerId: danaId, action: 'consent' })).reverse();
    expect(audit.map((e) => [e.actorUserId, e.actorRole, e.source, e.detail.purpose, e.detail.granted])).toEqual([
      [null, 'customer', 'chat', PERSONALISATION_PURPOSE, false],
      [null, 'customer', 'chat', PERSONALISATION_PURPOSE, true],
      [null, 'customer', 'chat', PERSONALISATION_PURPOSE, false],
      [null, 'customer', 'chat', PERSONALISATION_PURPOSE, true],
    ]);
    c.close();
  });
});
