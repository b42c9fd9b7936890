import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { threadId as mainThreadId } from 'node:worker_threads';
import {
  deserializeRecommender, packInteractions, RecommendationModelStore, RecommendationTrainer, TrainingThread, TrainingThreadError,
  type AlgorithmName, type Interaction, type TrainingRunInput,
} from '../../crm/recommendations';
import { recommendationModels } from '../../crm/schema';
import { openShop, type Shop } from './dbFixtures';

const FIXED_NOW = () => new Date('2026-03-01T00:00:00Z');

/** A catalogue big enough that EASE's dense inverse (n³) takes a while: 900 items, 1,200 customers. */
function largeInteractions(): Interaction[] {
  const out: Interaction[] = [];
  let seed = 7;
  const next = () => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32);
  for (let u = 0; u < 1200; u++) {
    const home = Math.floor(next() * 900);
    for (let j = 0; j < 12; j++) out.push({ customerId: `u${u}`, itemId: `I${(home + Math.floor(next() * 60)) % 900}`, at: 1_700_000_000_000 + j * 86_400_000 });
  }
  for (let i = 0; i < 900; i++) out.push({ customerId: `cover${i % 50}`, itemId: `I${i}` });
  return out;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('recommendation training in a worker thread', () => {
  let shop: Shop;

  beforeAll(async () => {
    shop = await openShop();
  });
  afterAll(async () => {
    await shop.database.db.delete(recommendationModels);
    await shop.database.close();
  });

  it('stores the same version (id, figures, recommendations) as a training on the calling thread', async () => {
    const store = new RecommendationModelStore(shop.database.db);
    const inline = await new RecommendationTrainer({ db: shop.database.db, store, now: FIXED_NOW, execution: 'inline' }).trainAndActivate();
    const threaded = await new RecommendationTrainer({ db: shop.database.db, store, now: FIXED_NOW }).trainAndActivate();

    expect(inline.threadId).toBe(mainThreadId);
    expect(threaded.threadId).not.toBe(mainThreadId);
    expect(threaded.info.versionId).toBe(inline.info.versionId);
    expect(threaded.info.trainedAt).toEqual(FIXED_NOW());
    expect(threaded.metrics).toEqual(inline.metrics);
    expect(threaded.metrics?.evaluatedCustomers).toBeGreaterThan(0);
    // Same data, same version: the second save found the first one.
    expect(inline).toMatchObject({ created: true, activated: true });
    expect(threaded).toMatchObject({ created: false, activated: false });
    expect(await store.activeVersionId()).toBe(inline.info.versionId);

    const a = deserializeRecommender(inline.snapshot);
    const b = deserializeRecommender(threaded.snapshot);
    const customers = Object.values(shop.customer);
    for (const id of customers) expect(b.recommend(id, { k: 5 })).toEqual(a.recommend(id, { k: 5 }));
    expect(a.recommend(shop.customer.teaNewbie, { k: 3 }).map((r) => r.itemId)).toContain('EARLGREY');
    for (const sku of ['SENCHA', 'BEANS', 'KETTLE']) expect(b.similarItems(sku, { k: 4 })).toEqual(a.similarItems(sku, { k: 4 }));
    // The stored bytes are the thread's.
    const loaded = await store.loadActive();
    expect(deserializeRecommender(loaded!.snapshot).recommend(shop.customer.t1, { k: 5 })).toEqual(a.recommend(shop.customer.t1, { k: 5 }));
  });

  it('keeps the event loop turning and HTTP answering while the thread trains', async () => {
    const server: Server = createServer((_req, res) => res.end('pong'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const input: TrainingRunInput = {
        interactions: packInteractions(largeInteractions()),
        catalog: [],
        options: { algorithm: 'ease' },
        trainedAtMs: FIXED_NOW().getTime(),
        evaluateMaxItems: 0,
      };
      let started!: () => void;
      const trainingStarted = new Promise<void>((resolve) => (started = resolve));
      let settled = false;
      const training = new TrainingThread().run(input, { onStarted: started }).finally(() => (settled = true));
      await trainingStarted;
      // The thread is inside trainRecommender now. Were it this thread, nothing below could run until it returned.
      let turns = 0;
      for (; turns < 20 && !settled; turns++) await turn();
      const pong = await fetch(url).then((r) => r.text());
      const pendingAfterRoundTrip = !settled;
      const out = await training;

      expect(turns).toBe(20);
      expect(pong).toBe('pong');
      expect(pendingAfterRoundTrip).toBe(true);
      expect(out.threadId).not.toBe(mainThreadId);
      expect(out.info).toMatchObject({ algorithm: 'ease', items: 900 });
      expect(deserializeRecommender(out.snapshot).recommend('u1', { k: 3 })).toHaveLength(3);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a training that throws in the thread rejects with its error, and nothing is stored', async () => {
    const store = new RecommendationModelStore(shop.database.db);
    const before = await store.list();
    const failing = new RecommendationTrainer({ db: shop.database.db, store, algorithm: 'no-such-algorithm' as AlgorithmName });
    const err = await failing.trainAndActivate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingThreadError);
    expect((err as Error).message).toMatch(/unknown recommendation algorithm: no-such-algorithm/);
    expect(await store.list()).toEqual(before);
  });
});
