import { eq, sql } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { NotFoundError } from '../../crm';
import {
  deserializeRecommender, RecommendationModelStore, RecommendationService, RecommendationTrainer, RECOMMENDATIONS_TRAIN_TOPIC, RedisModelActivations,
  trainingDataStamp, trainRecommender, type Interaction,
} from '../../crm/recommendations';
import { outbox, recommendationModels } from '../../crm/schema';
import { openShop, type Shop } from './dbFixtures';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Small models that differ by their data (so their version ids differ). */
function modelOf(extraCustomers: number, trainedAt: string) {
  const interactions: Interaction[] = [];
  for (let u = 0; u < 4 + extraCustomers; u++) for (const itemId of ['A', 'B', u % 2 ? 'C' : 'D']) interactions.push({ customerId: `u${u}`, itemId });
  return trainRecommender(interactions, { now: () => new Date(trainedAt) });
}

describe('stored recommendation model versions', () => {
  let shop: Shop;
  let store: RecommendationModelStore;

  beforeAll(async () => {
    shop = await openShop();
    store = new RecommendationModelStore(shop.database.db);
  });
  afterAll(async () => {
    await shop.database.db.delete(recommendationModels);
    await shop.database.close();
  });

  it('saves a version with its figures and snapshot, activates it, and saving the same version again creates nothing', async () => {
    const model = modelOf(0, '2026-01-01T00:00:00Z');
    const first = await store.save(model, { metrics: { hitRate: 0.5 } });
    expect(first).toMatchObject({ created: true, activated: true, pruned: [] });
    expect(first.version).toMatchObject({ versionId: model.info.versionId, algorithm: 'ease', active: true, customers: 4, items: 4, metrics: { hitRate: 0.5 } });
    expect(first.version.snapshotBytes).toBeGreaterThan(100);
    expect(await store.activeVersionId()).toBe(model.info.versionId);

    const again = await store.save(modelOf(0, '2026-01-02T00:00:00Z'));
    expect(again).toMatchObject({ created: false, activated: false });
    expect(await store.list()).toHaveLength(1);

    // The stored bytes are the model: it answers as the trained one does.
    const loaded = await store.loadActive();
    expect(deserializeRecommender(loaded!.snapshot).recommend('u0', { k: 3 })).toEqual(model.recommend('u0', { k: 3 }));
  });

  it('one active version at a time; an older one can be activated again; unknown versions are refused', async () => {
    const v1 = modelOf(0, '2026-01-01T00:00:00Z').info.versionId;
    const v2 = (await store.save(modelOf(1, '2026-01-03T00:00:00Z'))).version.versionId;
    expect(await store.activeVersionId()).toBe(v2);
    const rows = await store.list();
    expect(rows.filter((r) => r.active).map((r) => r.versionId)).toEqual([v2]);
    expect(await store.activate(v1)).toBe(true);
    expect(await store.activate(v1)).toBe(false);
    expect((await store.list()).filter((r) => r.active).map((r) => r.versionId)).toEqual([v1]);
    await expect(store.activate('ease-000000000000')).rejects.toBeInstanceOf(NotFoundError);
    // The database itself refuses a second active row.
    await expect(shop.database.db.update(recommendationModels).set({ active: true })).rejects.toThrow();
    expect((await store.list()).filter((r) => r.active)).toHaveLength(1);
  });

  it('keeps the newest versions and the active one, prunes the rest', async () => {
    // v1 (Jan 1) is active; add Jan 4, 5, 6 without activating them.
    for (const [n, at] of [[2, '2026-01-04'], [3, '2026-01-05'], [4, '2026-01-06']] as const) {
      await store.save(modelOf(n, `${at}T00:00:00Z`), { activate: false, keep: 10 });
    }
    expect(await store.list()).toHaveLength(5);
    const active = await store.activeVersionId();
    const pruned = await store.prune(3);
    const left = await store.list();
    expect(left).toHaveLength(3);
    // The active (oldest) survives, with the two newest; Jan 3 and Jan 4 go.
    expect(left.map((v) => v.trainedAt.toISOString().slice(0, 10))).toEqual(['2026-01-06', '2026-01-05', '2026-01-01']);
    expect(left.find((v) => v.active)?.versionId).toBe(active);
    expect(pruned).toHaveLength(2);
    // Saving prunes too (default: keep 3).
    const saved = await store.save(modelOf(5, '2026-01-07T00:00:00Z'));
    expect(saved.pruned).toHaveLength(1);
    expect((await store.list()).map((v) => v.trainedAt.toISOString().slice(0, 10))).toEqual(['2026-01-07', '2026-01-06', '2026-01-05']);
  });

  it('a pinned version holds: saving stores new versions with their figures but does not activate them, pruning keeps it; unpinned, the next save activates', async () => {
    const sam = { actor: 'agent:5b0f8a4e-0000-4000-8000-00000000000a', name: 'Sam Supervisor' };
    const day = (v: { trainedAt: Date }) => v.trainedAt.toISOString().slice(0, 10);
    const rollback = (await store.list()).find((v) => day(v) === '2026-01-06')!;
    expect(await store.pinned()).toBeNull();
    expect(await store.activate(rollback.versionId, { pinnedBy: sam })).toBe(true);
    const pin = await store.pinned();
    expect(pin).toEqual({ versionId: rollback.versionId, pinnedAt: expect.any(Date), pinnedBy: sam });
    // Activated again by somebody else: nothing changes, the first pin stays.
    expect(await store.activate(rollback.versionId, { pinnedBy: { actor: 'agent:other', name: 'Ada Admin' } })).toBe(false);
    expect(await store.pinned()).toEqual(pin);

    // Three trainings while pinned (default keep 3): each stored with its metrics, none active.
    const whilePinned: string[] = [];
    for (const [n, at] of [[6, '2026-01-08'], [7, '2026-01-09'], [8, '2026-01-10']] as const) {
      const saved = await store.save(modelOf(n, `${at}T00:00:00Z`), { metrics: { hitRate: n / 10 } });
      expect(saved).toMatchObject({ created: true, activated: false, notActivatedReason: 'pinned', pin });
      expect(saved.version).toMatchObject({ active: false, pin: null, metrics: { hitRate: n / 10 } });
      whilePinned.push(saved.version.versionId);
      expect(await store.activeVersionId()).toBe(rollback.versionId);
    }
    // Pruning keeps the pinned version (now the oldest) and the two newest.
    expect((await store.list()).map((v) => [day(v), v.active, v.pin?.versionId ?? null])).toEqual([
      ['2026-01-10', false, null],
      ['2026-01-09', false, null],
      ['2026-01-06', true, rollback.versionId],
    ]);
    expect(await store.prune(1)).toEqual(whilePinned.slice(1).reverse());
    expect((await store.list()).map((v) => v.versionId)).toEqual([rollback.versionId]);
    // The pinned version's own data trained again: already active, nothing to refuse.
    expect(await store.save(modelOf(4, '2026-01-11T00:00:00Z'))).toMatchObject({ created: false, activated: false, notActivatedReason: null, pin });
    // The database refuses a pin on a version that is not the active one.
    await store.save(modelOf(9, '2026-01-12T00:00:00Z'), { activate: false });
    await expect(
      shop.database.db.update(recommendationModels).set({ pinnedAt: new Date(), pinnedBy: sam.actor, pinnedByName: sam.name }).where(eq(recommendationModels.active, false)),
    ).rejects.toThrow();

    expect(await store.unpin()).toEqual(pin);
    expect(await store.unpin()).toBeNull(); // idempotent
    expect(await store.activeVersionId()).toBe(rollback.versionId); // unpinning serves the same version
    const next = await store.save(modelOf(10, '2026-01-13T00:00:00Z'));
    expect(next).toMatchObject({ created: true, activated: true, notActivatedReason: null, pin: null });
    expect(await store.activeVersionId()).toBe(next.version.versionId);

    // Activating another version without a pin (not the dashboard's way) takes the pin off the old one.
    expect(await store.activate(rollback.versionId, { pinnedBy: sam })).toBe(true);
    expect(await store.activate(next.version.versionId)).toBe(true);
    expect(await store.pinned()).toBeNull();
  });
});

describe('RecommendationService on the database', () => {
  let shop: Shop;
  let service: RecommendationService;
  const ids = (cards: Array<{ sku: string }>) => cards.map((c) => c.sku);

  beforeAll(async () => {
    shop = await openShop();
    await shop.database.db.delete(recommendationModels);
  });
  afterAll(async () => {
    await service?.close();
    await shop.database.close();
  });

  it('does not train at start when the catalogue is above the limit: nothing served, training asked of the workers (outbox)', async () => {
    const big = new RecommendationService({ db: shop.database.db, autoTrainMaxProducts: 5 });
    await big.start();
    expect(big.versionId).toBeNull();
    expect(big.forCustomer(shop.customer.t1)).toEqual({ cards: [], versionId: null, known: false });
    expect(await new RecommendationModelStore(shop.database.db).list()).toEqual([]);
    // Two web processes starting together ask once (one row per data stamp).
    await new RecommendationService({ db: shop.database.db, autoTrainMaxProducts: 5 }).start();
    const rows = await shop.database.db.select().from(outbox).where(eq(outbox.topic, RECOMMENDATIONS_TRAIN_TOPIC));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ dedupeKey: `recommendations:train:${await trainingDataStamp(shop.database.db)}`, relayedAt: null });
    await big.close();
  });

  it('trains, stores and activates a version at start for a small catalogue with none', async () => {
    service = new RecommendationService({ db: shop.database.db });
    await service.start();
    const versions = await new RecommendationModelStore(shop.database.db).list();
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ versionId: service.versionId, active: true, algorithm: 'ease', items: 8, customers: 14 }); // JASMINE was never bought
    expect(versions[0].metrics).toMatchObject({ evaluatedCustomers: expect.any(Number), hitRate: expect.any(Number) });
  });

  it('a returning customer: co-purchased products with "because you bought", never what they bought, never inactive ones', () => {
    const served = service.forCustomer(shop.customer.teaNewbie, { k: 4 });
    expect(served.known).toBe(true);
    expect(served.versionId).toBe(service.versionId);
    expect(ids(served.cards)).not.toContain('SENCHA');
    expect(ids(served.cards)).not.toContain('ENAMEL');
    // Every tea lover who bought sencha also bought these (the kettle everybody buys).
    expect(ids(served.cards.slice(0, 3)).sort()).toEqual(['EARLGREY', 'INFUSER', 'KETTLE']);
    expect(served.cards.find((c) => c.sku === 'INFUSER')).toMatchObject({
      source: 'personalized',
      category: 'tea',
      currency: 'EUR',
      explanation: 'Because you bought Sencha tea',
      because: { sku: 'SENCHA', name: 'Sencha tea', kind: 'bought' },
    });
    const earl = served.cards.find((c) => c.sku === 'EARLGREY')!;
    expect(earl).toMatchObject({ name: 'Earl Grey tea', priceMinor: 800 });
  });

  it('says "looked at" for a history of views only', () => {
    const served = service.forCustomer(shop.customer.viewer, { k: 2 });
    expect(ids(served.cards)).not.toContain('GRINDER');
    expect(served.cards[0]).toMatchObject({ source: 'personalized', explanation: 'Because you looked at Hand grinder', because: { kind: 'looked_at' } });
  });

  it('a new customer gets "popular right now", never an inactive product, with an honest explanation', () => {
    for (const who of [null, '5b0f8a4e-0000-4000-8000-000000000000']) {
      const served = service.forCustomer(who, { k: 9 });
      expect(served.known).toBe(false);
      expect(served.cards[0]).toMatchObject({ sku: 'KETTLE', source: 'popular', explanation: 'Popular right now' });
      for (const c of served.cards) expect(c).toMatchObject({ source: 'popular', explanation: 'Popular right now' });
      // Every active product somebody bought (the never-bought JASMINE is not "popular").
      expect(ids(served.cards).sort()).toEqual(['BEANS', 'DRIPPER', 'EARLGREY', 'GRINDER', 'INFUSER', 'KETTLE', 'SENCHA']);
    }
  });

  it('fills a long list with same-category products, new ones included', () => {
    const served = service.forCustomer(shop.customer.teaNewbie, { k: 8 });
    expect(served.cards.find((c) => c.sku === 'JASMINE')).toMatchObject({ source: 'same-category', explanation: 'Popular in tea' });
    expect(ids(served.cards)).not.toContain('ENAMEL');
    expect(ids(served.cards)).not.toContain('SENCHA');
  });

  it('between trainings: a new purchase is left out at once, and a customer new since training is served from their purchases', async () => {
    const version = service.versionId;
    await shop.buy('teaNewbie', ['EARLGREY']);
    const after = await service.recommendFor(shop.customer.teaNewbie, { k: 4 });
    expect(after.versionId).toBe(version);
    expect(ids(after.cards)).not.toContain('EARLGREY');
    expect(ids(after.cards)).not.toContain('SENCHA');
    expect(ids(after.cards.slice(0, 2)).sort()).toEqual(['INFUSER', 'KETTLE']);

    const late = (await shop.crm.customers.resolve({ kind: 'test-shop', externalId: 'late' })).id;
    shop.customer.late = late;
    await shop.buy('late', ['BEANS']);
    const forLate = await service.recommendFor(late, { k: 3 });
    expect(forLate.known).toBe(false);
    expect(ids(forLate.cards).sort()).toEqual(['DRIPPER', 'GRINDER', 'KETTLE']);
    for (const c of forLate.cards) expect(c).toMatchObject({ source: 'personalized', explanation: 'Because you bought Coffee beans' });
  });

  it('a product deactivated in the shop disappears at the next reload, without a new version', async () => {
    await shop.database.db.execute(sql`update products set active = false where sku = 'INFUSER'`);
    await service.reload();
    const served = service.forCustomer(shop.customer.teaNewbie, { k: 8 });
    expect(ids(served.cards)).not.toContain('INFUSER');
    await shop.database.db.execute(sql`update products set active = true where sku = 'INFUSER'`);
    await service.reload();
    expect(ids(service.forCustomer(shop.customer.teaNewbie, { k: 8 }).cards)).toContain('INFUSER');
  });

  it('another process trains and announces a version on Redis: a watching service loads it', async () => {
    const channel = `test:recs:${randomBytes(4).toString('hex')}`;
    const pub = new Redis(REDIS_URL);
    const sub = new Redis(REDIS_URL);
    try {
      const activations = new RedisModelActivations(pub, sub, channel);
      await service.watch({ activations, pollMs: 0 });
      const before = service.versionId!;
      await shop.buy('c1', ['JASMINE']);
      const trained = await new RecommendationTrainer({ db: shop.database.db }).trainAndActivate();
      expect(trained.version.versionId).not.toBe(before);
      expect(service.versionId).toBe(before);
      const loaded = service.whenServing(trained.version.versionId);
      await activations.modelActivated(trained.version.versionId);
      await loaded;
      expect(service.versionId).toBe(trained.version.versionId);
    } finally {
      await service.close();
      pub.disconnect();
      sub.disconnect();
    }
  });
});
