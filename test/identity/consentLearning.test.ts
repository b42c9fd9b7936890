import { randomUUID } from 'node:crypto';
import { createCrm, openDatabase, type Crm, type Database } from '../../crm';
import { LearnedProfileStore, PERSONALISATION_PURPOSE, personalisationAllowed, ProfileStore, type MessageObservation } from '../../crm/identity';
import type { StoredMessage } from '../../crm/customers';
import { testDatabaseUrl } from '../support/apps';

/** Learning follows consent in crm/identity itself, so the inline learner and the catch-up both obey it. */
describe('learning follows consent to personalisation (PostgreSQL)', () => {
  let database: Database;
  let crm: Crm;
  beforeAll(async () => {
    database = await openDatabase({ url: testDatabaseUrl(), poolSize: 4 });
    crm = createCrm(database.db);
  });
  afterAll(async () => {
    await database.close();
  });

  const observe = async (stored: StoredMessage[]): Promise<MessageObservation[]> =>
    stored.map((m) => ({
      language: 'en',
      sentiment: 0.5,
      preferences: [{ kind: 'likes', term: m.text.replace(/^I love /, ''), categories: [], skus: [] }],
      source: { channel: m.channel, conversationId: m.conversationId, activityId: m.activityId, text: m.text, at: m.createdAt.toISOString() },
    }));

  it('no decision: allowed; withdrawn: the catch-up marks messages without learning them; granted again: new messages are learned, the ones said meanwhile never', async () => {
    expect(personalisationAllowed({})).toBe(true);
    expect(personalisationAllowed({ [PERSONALISATION_PURPOSE]: { granted: false, at: '2026-12-07T00:00:00Z' } })).toBe(false);

    const customer = await crm.customers.resolve({ kind: 'directline', externalId: `dl_${randomUUID()}` });
    const learned = new LearnedProfileStore(database.db);
    const profiles = new ProfileStore(database.db);
    const say = (activityId: string, text: string) =>
      crm.timeline.record({ customerId: customer.id, channel: 'directline', conversationId: 'c1', direction: 'inbound', author: 'customer', text, activityId });
    const catchUp = () => learned.learnPending(customer.id, new Date(Date.now() + 60_000), observe);

    await say('a1', 'I love tea');
    expect(await catchUp()).toEqual({ learned: 1 });
    const likes = async () => ((await learned.get(customer.id))?.likes ?? []).map((l) => l.term);
    expect(await likes()).toEqual(['tea']);

    // The console's switch (an agent) withdraws it: recorded with its history.
    await profiles.update(customer.id, { consent: { [PERSONALISATION_PURPOSE]: false } }, 'agent:someone');
    const profileBefore = JSON.stringify(await learned.get(customer.id));
    await say('a2', 'I love candles');
    expect(await catchUp()).toEqual({ learned: 1 });
    expect(JSON.stringify(await learned.get(customer.id))).toBe(profileBefore);
    // Marked: it is not picked again.
    expect(await catchUp()).toEqual({ learned: 0 });

    await profiles.update(customer.id, { consent: { [PERSONALISATION_PURPOSE]: true } }, 'chat');
    await say('a3', 'I love coffee');
    expect(await catchUp()).toEqual({ learned: 1 });
    expect(await likes()).toEqual(['coffee', 'tea']);

    // Same decision again: no new history entry.
    await profiles.update(customer.id, { consent: { [PERSONALISATION_PURPOSE]: true } }, 'chat');
    expect((await profiles.consentHistory(customer.id)).map((h) => [h.granted, h.source])).toEqual([
      [false, 'agent:someone'],
      [true, 'chat'],
    ]);
  });
});
