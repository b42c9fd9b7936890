import { deserializeRecommender, serializeRecommender, trainRecommender, type Interaction } from '../../crm/recommendations';
import { diversifyGreedy } from '../../crm/recommendations/diversify';

describe('diversifyGreedy', () => {
  const scores = [1.0, 0.95, 0.9, 0.5];
  const score = (i: number): number => scores[i];
  // 0 and 1 are near-duplicates (always bought together); everything else is unrelated.
  const similarity = (a: number, b: number): number => ((a === 0 && b === 1) || (a === 1 && b === 0) ? 0.9 : 0);

  it('keeps the plain order without a penalty', () => {
    expect(diversifyGreedy([0, 1, 2, 3], score, similarity, { k: 3, penalty: 0 })).toEqual([0, 1, 2]);
  });

  it('pushes a near-duplicate of a picked item down the list', () => {
    // After 0: item 1 is worth 0.95 − 1·0.9 = 0.05, below 2 (0.9) and 3 (0.5).
    expect(diversifyGreedy([0, 1, 2, 3], score, similarity, { k: 4, penalty: 1 })).toEqual([0, 2, 3, 1]);
    // A small penalty only swaps it with the next item: 0.95 − 0.1·0.9 = 0.86 < 0.9, > 0.5.
    expect(diversifyGreedy([0, 1, 2, 3], score, similarity, { k: 4, penalty: 0.1 })).toEqual([0, 2, 1, 3]);
  });

  it('breaks ties by candidate order and stops at the candidates it has', () => {
    expect(diversifyGreedy([3, 1, 2], () => 1, () => 0, { k: 5, penalty: 1 })).toEqual([3, 1, 2]);
    expect(diversifyGreedy([], score, similarity, { k: 3, penalty: 1 })).toEqual([]);
  });
});

describe('trainRecommender with diversity', () => {
  // A, B, C, D are always bought together (strong cluster); X, Y, Z by fewer customers. The query
  // customer bought A and X: B, C, D outscore Y and Z, but they are redundant with each other.
  function interactions(): Interaction[] {
    const out: Interaction[] = [];
    const t0 = Date.UTC(2024, 0, 1);
    const buy = (customerId: string, items: string[], day: number): void => {
      for (const itemId of items) out.push({ customerId, itemId, kind: 'purchase', at: t0 + day * 86_400_000 });
    };
    for (let k = 1; k <= 6; k++) buy(`a${k}`, ['A', 'B', 'C', 'D'], k);
    for (let k = 1; k <= 2; k++) buy(`x${k}`, ['X', 'Y', 'Z'], k);
    buy('q', ['A', 'X'], 10);
    return out;
  }
  const base = { algorithm: 'ease' as const, ease: { lambda: 10 }, popularityBlend: 0 };
  const plain = trainRecommender(interactions(), base);
  const diversified = trainRecommender(interactions(), { ...base, diversity: 1 });

  it('spends a slot on the other cluster instead of a third co-bought item', () => {
    // EASE here: B, C, D score 0.184 each (ties by id), Y and Z 0.122; B–C and B–D weigh 0.218, Y–Z 0.145.
    expect(plain.recommend('q', { k: 3, fallback: false }).map((r) => r.itemId)).toEqual(['B', 'C', 'D']);
    // After B: C and D are worth 0.184 − 0.218 < 0 < Y's 0.122; after Y: Z's −0.023 still beats C's −0.034.
    const recs = diversified.recommend('q', { k: 3, fallback: false });
    expect(recs.map((r) => r.itemId)).toEqual(['B', 'Y', 'Z']);
    expect(recs.map((r) => r.becauseItemId)).toEqual(['A', 'X', 'X']);
  });

  it('leaves version ids of models without it unchanged and enters the version when used', () => {
    expect(trainRecommender(interactions(), { ...base, diversity: 0 }).info.versionId).toBe(plain.info.versionId);
    expect(diversified.info.versionId).not.toBe(plain.info.versionId);
    expect(diversified.info.params).toMatchObject({ diversity: 1 });
    expect(plain.info.params).not.toHaveProperty('diversity');
  });

  it('survives a snapshot round trip', () => {
    const restored = deserializeRecommender(serializeRecommender(diversified));
    expect(restored.recommend('q', { k: 3 })).toEqual(diversified.recommend('q', { k: 3 }));
  });
});
