import { trainRecommender, type AlgorithmName } from '../../crm/recommendations';
import { catalog, clusteredInteractions, FIXED_NOW } from './fixtures';

const PERSONAL: AlgorithmName[] = ['ease', 'item-knn', 'als'];

describe.each(PERSONAL)('%s on a co-purchase structure', (algorithm) => {
  // No popularity blend here: these cases test what each algorithm learns by itself.
  const model = trainRecommender(clusteredInteractions(), {
    algorithm, catalog, now: FIXED_NOW, popularityBlend: 0, als: { factors: 8, iterations: 20 },
  });

  it('completes the basket: a customer with A and B gets C first', () => {
    const [first] = model.recommend('q1', { k: 3 });
    expect(first.itemId).toBe('C');
    expect(first.source).toBe('personalized');
    expect(['A', 'B']).toContain(first.becauseItemId);
    expect(first.explanation).toMatch(/^Because you bought (Alpha mug|Beta plate)$/);
  });

  it('recommends the rest of the other cluster for X', () => {
    const ids = model.recommend('q2', { k: 2 }).map((r) => r.itemId).sort();
    expect(ids).toEqual(['Y', 'Z']);
  });

  it('works for an ad-hoc history and says "looked at" for views', () => {
    // Views are weak evidence (weight 0.1), so ALS may rank the popular P alongside X.
    const recs = model.recommend([{ itemId: 'Y', kind: 'view' }, { itemId: 'Z', kind: 'view' }], { k: 2 });
    const x = recs.find((r) => r.itemId === 'X');
    expect(x).toBeDefined();
    expect(x!.explanation).toMatch(/^Because you looked at (Yew shade|Zinc bulb)$/);
  });

  it('finds similar items within the cluster', () => {
    const ids = model.similarItems('A', { k: 2 }).map((r) => r.itemId).sort();
    expect(ids).toEqual(['B', 'C']);
    expect(model.similarItems('A', { k: 1 })[0].explanation).toBe('Customers who bought Alpha mug also bought this');
  });

  it('records version, parameters and data hash', () => {
    expect(model.info.algorithm).toBe(algorithm);
    expect(model.info.versionId).toMatch(new RegExp(`^${algorithm}-[0-9a-f]{12}$`));
    expect(model.info.dataHash).toMatch(/^[0-9a-f]{64}$/);
    expect(model.info.trainedAt).toEqual(FIXED_NOW());
    expect(model.info).toMatchObject({ customers: 10, items: 7, interactions: 35 });
    expect(model.info.params).toHaveProperty('eventWeights');
  });
});

describe('popularity blend', () => {
  it('re-orders personal candidates toward popular items, never adding unsupported ones', () => {
    const pure = trainRecommender(clusteredInteractions(), { algorithm: 'item-knn', catalog, popularityBlend: 0 });
    const blended = trainRecommender(clusteredInteractions(), { algorithm: 'item-knn', catalog, popularityBlend: 5 });
    // For q1 (A, B): C is the strongest neighbour, P the most popular; a heavy blend puts P first.
    expect(pure.recommend('q1', { k: 2, fallback: false }).map((r) => r.itemId)).toEqual(['C', 'P']);
    expect(blended.recommend('q1', { k: 2, fallback: false }).map((r) => r.itemId)).toEqual(['P', 'C']);
    expect(blended.recommend('q1', { k: 10, fallback: false }).map((r) => r.itemId).sort()).toEqual(['C', 'P']);
  });
});

describe('known answers', () => {
  it('EASE on two items: B[i][j] = co-occurrence / (count_i + λ)', () => {
    // A in 3 customers, B in 2, both together in 2: Gram = [[3, 2], [2, 2]].
    const rows = [['A', 'B'], ['A', 'B'], ['A']].flatMap((items, u) => items.map((itemId) => ({ customerId: `u${u}`, itemId })));
    const model = trainRecommender(rows, { algorithm: 'ease', ease: { lambda: 1 } });
    expect(model.similarItems('A', { fallback: false })[0].score).toBeCloseTo(2 / (3 + 1), 6);
    expect(model.similarItems('B', { fallback: false })[0].score).toBeCloseTo(2 / (2 + 1), 6);
  });

  it('item-kNN: shrunk cosine co / (‖a‖‖b‖ + shrinkage)', () => {
    const model = trainRecommender(clusteredInteractions(), { algorithm: 'item-knn', itemKnn: { neighbours: 10, shrinkage: 10 } });
    // A and C: 4 common customers, |A| = 5, |C| = 4.
    const c = model.similarItems('A', { fallback: false }).find((r) => r.itemId === 'C')!;
    expect(c.score).toBeCloseTo(4 / (Math.sqrt(5) * 2 + 10), 6);
    // A and P: 4 common customers (q1 has A without P), |P| = 8.
    const p = model.similarItems('A', { fallback: false }).find((r) => r.itemId === 'P')!;
    expect(p.score).toBeCloseTo(4 / (Math.sqrt(5) * Math.sqrt(8) + 10), 6);
  });

  it('item-kNN keeps only the top-k neighbours', () => {
    const model = trainRecommender(clusteredInteractions(), { algorithm: 'item-knn', itemKnn: { neighbours: 1, shrinkage: 0 } });
    expect(model.similarItems('X', { fallback: false }).length).toBe(1);
  });
});

describe('determinism', () => {
  it.each(['ease', 'item-knn', 'als', 'popularity'] as AlgorithmName[])('%s: same data in any order gives the same version and results', (algorithm) => {
    const data = clusteredInteractions();
    const a = trainRecommender(data, { algorithm, catalog, als: { factors: 8 } });
    const b = trainRecommender([...data].reverse(), { algorithm, catalog: [...catalog].reverse(), als: { factors: 8 } });
    expect(b.info.versionId).toBe(a.info.versionId);
    expect(b.info.dataHash).toBe(a.info.dataHash);
    for (const who of ['q1', 'q2', 'k1', 'nobody']) expect(b.recommend(who, { k: 5 })).toEqual(a.recommend(who, { k: 5 }));
  });

  it('different parameters or data give a different version id', () => {
    const data = clusteredInteractions();
    const base = trainRecommender(data, { algorithm: 'ease' }).info;
    expect(trainRecommender(data, { algorithm: 'ease', ease: { lambda: 7 } }).info.versionId).not.toBe(base.versionId);
    expect(trainRecommender(data.slice(1), { algorithm: 'ease' }).info.dataHash).not.toBe(base.dataHash);
  });
});
