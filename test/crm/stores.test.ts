import { createCrm, openDatabase, ETagConflictError, type Database, type Crm } from '../../crm';
import { testDatabaseUrl } from '../support/apps';

/** crm/ stores on the real PostgreSQL server. */
describe('crm stores on PostgreSQL', () => {
  let database: Database;
  let crm: Crm;
  beforeAll(async () => {
    database = await openDatabase({ url: testDatabaseUrl(), poolSize: 20 });
    crm = createCrm(database.db);
  });
  afterAll(() => database.close());

  describe('state documents (botbuilder Storage semantics)', () => {
    it('writes, reads with an eTag, and refuses a stale eTag', async () => {
      await crm.state.write({ 'k/1': { step: 1 } });
      const first = (await crm.state.read(['k/1', 'k/missing']))['k/1'];
      expect(first).toEqual({ step: 1, eTag: expect.any(String) });
      await crm.state.write({ 'k/1': { ...first, step: 2 } });
      const second = (await crm.state.read(['k/1']))['k/1'];
      expect(second.step).toBe(2);
      expect(second.eTag).not.toBe(first.eTag);
      await expect(crm.state.write({ 'k/1': { ...first, step: 3 } })).rejects.toBeInstanceOf(ETagConflictError);
      expect((await crm.state.read(['k/1']))['k/1'].step).toBe(2);
      await crm.state.write({ 'k/1': { step: 4, eTag: '*' } });
      expect((await crm.state.read(['k/1']))['k/1'].step).toBe(4);
      await crm.state.delete(['k/1']);
      expect(await crm.state.read(['k/1'])).toEqual({});
    });

    it('lets exactly one of two concurrent writers with the same eTag win', async () => {
      await crm.state.write({ 'k/race': { n: 0 } });
      const doc = (await crm.state.read(['k/race']))['k/race'];
      const results = await Promise.allSettled([crm.state.write({ 'k/race': { ...doc, n: 1 } }), crm.state.write({ 'k/race': { ...doc, n: 2 } })]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    });
  });

  describe('customers', () => {
    it('creates one customer per channel identity, even on concurrent first contact', async () => {
      const identity = { kind: 'directline', externalId: `dl_race_${Date.now()}`, displayName: 'Ana' };
      const resolved = await Promise.all(Array.from({ length: 10 }, () => crm.customers.resolve(identity)));
      expect(new Set(resolved.map((c) => c.id)).size).toBe(1);
      expect(resolved[0].displayName).toBe('Ana');
      expect((await crm.customers.findByIdentity('directline', identity.externalId))?.id).toBe(resolved[0].id);
      const other = await crm.customers.resolve({ kind: 'msteams', externalId: identity.externalId });
      expect(other.id).not.toBe(resolved[0].id);
    });

    it('records each channel activity once in the timeline', async () => {
      const customer = await crm.customers.resolve({ kind: 'directline', externalId: `dl_tl_${Date.now()}` });
      const message = { customerId: customer.id, channel: 'directline', conversationId: 'c-tl', direction: 'inbound' as const, author: 'customer', text: 'hi', activityId: 'a1' };
      expect(await crm.timeline.record(message)).toBe(true);
      expect(await crm.timeline.record(message)).toBe(false);
      expect(await crm.timeline.record({ ...message, direction: 'outbound', author: 'bot', text: 'hello' })).toBe(true);
      expect((await crm.timeline.forCustomer(customer.id)).map((m) => m.text)).toEqual(['hi', 'hello']);
    });
  });

  describe('transcripts', () => {
    it('numbers concurrent appends without gaps or duplicates', async () => {
      const id = `conv-seq-${Date.now()}`;
      await crm.transcripts.createConversation(id, 'u1');
      await Promise.all(Array.from({ length: 40 }, (_, i) => crm.transcripts.append(id, [{ type: 'message', text: `m${i}` }])));
      const { activities, watermark } = await crm.transcripts.since(id, null);
      expect(activities).toHaveLength(40);
      expect(activities.map((a) => a.id)).toEqual(Array.from({ length: 40 }, (_, i) => `${id}|${String(i).padStart(7, '0')}`));
      expect(new Set(activities.map((a) => a.text)).size).toBe(40);
      expect(watermark).toBe(39);
      expect((await crm.transcripts.since(id, 37)).activities.map((a) => a.id)).toEqual([`${id}|0000038`, `${id}|0000039`]);
    });

    it('stores a client activity once under concurrent retries', async () => {
      const id = `conv-retry-${Date.now()}`;
      await crm.transcripts.createConversation(id, 'u1');
      const results = await Promise.all(
        Array.from({ length: 5 }, () => crm.transcripts.append(id, [{ type: 'message', text: 'same' }], { clientActivityId: 'client-1' })),
      );
      expect(new Set(results.map((r) => r.activities[0].id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect((await crm.transcripts.since(id, null)).activities).toHaveLength(1);
    });

    it('lists customer messages whose turn never finished', async () => {
      const id = `conv-pending-${Date.now()}`;
      await crm.transcripts.createConversation(id, 'u1');
      const { activities } = await crm.transcripts.append(id, [{ type: 'message', text: 'unanswered', from: { id: 'u1', role: 'user' } }], { pendingTurn: true });
      const pending = await crm.transcripts.unhandled(new Date(Date.now() + 1000));
      expect(pending.map((a) => a.id)).toContain(activities[0].id);
      await crm.transcripts.markHandled(activities[0].id);
      expect((await crm.transcripts.unhandled(new Date(Date.now() + 1000))).map((a) => a.id)).not.toContain(activities[0].id);
    });

    it('refuses to append to an unknown conversation', async () => {
      await expect(crm.transcripts.append('no-such-conversation', [{ type: 'message' }])).rejects.toThrow(/conversation not found/);
    });
  });
});
