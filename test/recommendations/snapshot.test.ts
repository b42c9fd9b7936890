import { seededRandom } from '../../crm/recommendations/als';
import {
  deserializeRecommender, serializeRecommender, SnapshotError, trainRecommender, type AlgorithmName, type Interaction, type Recommender,
} from '../../crm/recommendations';
import { catalog, clusteredInteractions, FIXED_NOW } from './fixtures';

/** A few hundred customers over 60 items with views, carts and purchases at different times. */
function noisyInteractions(): Interaction[] {
  const rand = seededRandom(11);
  const kinds = ['purchase', 'view', 'add_to_cart'] as const;
  const out: Interaction[] = [];
  for (let u = 0; u < 300; u++) {
    const base = Math.floor(rand() * 6) * 10;
    for (let e = 0; e < 6; e++) {
      const item = rand() < 0.8 ? base + Math.floor(rand() * 10) : Math.floor(rand() * 60);
      out.push({ customerId: `u${u}`, itemId: `I${item}`, kind: kinds[Math.floor(rand() * 3)], at: Date.UTC(2024, 0, 1) + Math.floor(rand() * 90) * 86_400_000 });
    }
  }
  return out;
}

/** Everything the model answers, for comparing two models. */
function answers(model: Recommender, customers: string[], items: string[]) {
  return {
    info: { ...model.info, trainedAt: model.info.trainedAt.toISOString() },
    byCustomer: customers.map((c) => model.recommend(c, { k: 8 })),
    filtered: customers.slice(0, 20).map((c) => model.recommend(c, { k: 5, exclude: ['I3'], isActive: (id) => id !== 'I4' })),
    adHoc: [model.recommend([{ itemId: 'I1', kind: 'view' }, 'I2'], { k: 6 }), model.recommend(['A', 'B'], { k: 4 })],
    similar: items.map((i) => model.similarItems(i, { k: 5 })),
    history: customers.map((c) => model.historyOf(c)),
  };
}

describe.each(['ease', 'item-knn', 'als', 'popularity'] as AlgorithmName[])('%s snapshot', (algorithm) => {
  const interactions = [...clusteredInteractions(), ...noisyInteractions()];
  const items = [...new Set(interactions.map((e) => e.itemId))];
  const customers = [...new Set(interactions.map((e) => e.customerId)), 'stranger'];
  const model = trainRecommender(interactions, { algorithm, catalog: [...catalog, { itemId: 'I7', active: false, category: 'x' }], als: { factors: 8, iterations: 5 }, now: FIXED_NOW });

  it('round-trips: the restored model gives exactly the same recommendations, explanations and info', () => {
    const bytes = serializeRecommender(model);
    const restored = deserializeRecommender(bytes);
    expect(answers(restored, customers, items)).toEqual(answers(model, customers, items));
    // Something real was compared: personal results for known customers (or popularity for that baseline).
    const first = restored.recommend('k1', { k: 3 });
    expect(first.length).toBe(3);
    if (algorithm !== 'popularity') expect(first[0].source).toBe('personalized');
    expect(restored.recommend('u1', { k: 60 }).map((r) => r.itemId)).not.toContain('I7');
  });

  it('survives an unaligned copy (bytes as a database driver hands them back) and a second round trip', () => {
    const bytes = serializeRecommender(model);
    const shifted = Buffer.alloc(bytes.length + 3);
    bytes.copy(shifted, 3);
    const restored = deserializeRecommender(shifted.subarray(3));
    expect(serializeRecommender(restored).equals(bytes)).toBe(true);
  });
});

describe('snapshot errors', () => {
  const bytes = serializeRecommender(trainRecommender(clusteredInteractions(), { catalog, now: FIXED_NOW }));

  it('refuses what is not a snapshot, another format version, a truncated or corrupted one', () => {
    expect(() => deserializeRecommender(Buffer.from('hello world, not a model'))).toThrow(SnapshotError);
    const otherVersion = Buffer.from(bytes);
    otherVersion.writeUInt32LE(99, 4);
    expect(() => deserializeRecommender(otherVersion)).toThrow(/format 99 is not supported/);
    expect(() => deserializeRecommender(bytes.subarray(0, bytes.length - 16))).toThrow(/checksum/);
    const corrupted = Buffer.from(bytes);
    corrupted[corrupted.length - 5] ^= 0xff;
    expect(() => deserializeRecommender(corrupted)).toThrow(/checksum/);
  });
});
