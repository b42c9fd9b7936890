import { seededRandom } from '../../crm/recommendations/als';
import { trainRecommender, type AlgorithmName, type Interaction } from '../../crm/recommendations';
import { catalog, clusteredInteractions } from './fixtures';

describe.each(['ease', 'item-knn', 'als'] as AlgorithmName[])('%s serving', (algorithm) => {
  const model = trainRecommender(clusteredInteractions(), { algorithm, catalog, als: { factors: 8 } });

  it('cold start: an unknown customer gets "popular right now", most popular first', () => {
    const recs = model.recommend('stranger', { k: 3 });
    expect(recs).toHaveLength(3);
    expect(recs[0].itemId).toBe('P');
    for (const r of recs) {
      expect(r.source).toBe('popular');
      expect(r.explanation).toBe('Popular right now');
    }
  });

  it('never returns items the customer already bought', () => {
    for (const customer of ['k1', 'k5', 'q1', 'q2']) {
      const owned = new Set(model.historyOf(customer));
      const recs = model.recommend(customer, { k: 10 });
      expect(recs.length).toBeGreaterThan(0);
      for (const r of recs) expect(owned.has(r.itemId)).toBe(false);
    }
  });

  it('can include owned items when asked (re-order use case)', () => {
    const ids = model.recommend('q1', { k: 10, excludeOwned: false }).map((r) => r.itemId);
    expect(ids).toEqual(expect.arrayContaining(['A', 'B']));
  });

  it('honours the explicit exclude list, serving-time inactive set and isActive predicate', () => {
    const ids = model.recommend('q1', { k: 10, exclude: ['C'], inactive: new Set(['P']), isActive: (id) => id !== 'X' }).map((r) => r.itemId);
    expect(ids).not.toContain('C');
    expect(ids).not.toContain('P');
    expect(ids).not.toContain('X');
    expect(ids.length).toBeGreaterThan(0);
  });

  it('fills short personal lists with same-category items (including new ones) and then popular ones', () => {
    const recs = model.recommend('q1', { k: 10 });
    const ids = recs.map((r) => r.itemId);
    expect(new Set(ids).size).toBe(ids.length);
    // q1 owns A, B; C is personal; NEWK has no interactions but shares the kitchen category.
    const newKettle = recs.find((r) => r.itemId === 'NEWK');
    expect(newKettle).toMatchObject({ source: 'same-category', explanation: 'Popular in kitchen' });
    expect(recs.length).toBe(6); // C, P, X, Y, Z, NEWK: the whole catalogue minus owned
  });

  it('fallback: false returns only personalised results', () => {
    for (const r of model.recommend('q1', { k: 10, fallback: false })) expect(r.source).toBe('personalized');
    expect(model.recommend('stranger', { fallback: false })).toEqual([]);
  });

  it('new item: similar items fall back to its category, then to popular when it has none', () => {
    const inCategory = model.similarItems('NEWK', { k: 2 });
    expect(inCategory.map((r) => r.source)).toEqual(['same-category', 'same-category']);
    expect(inCategory.every((r) => ['A', 'B', 'C'].includes(r.itemId))).toBe(true);
    const unknown = model.similarItems('NEVER-SEEN', { k: 1 });
    expect(unknown).toEqual([expect.objectContaining({ itemId: 'P', source: 'popular', explanation: 'Popular right now' })]);
  });

  it('similar items never include the item itself or inactive ones', () => {
    const ids = model.similarItems('A', { k: 10, inactive: new Set(['B']) }).map((r) => r.itemId);
    expect(ids).not.toContain('A');
    expect(ids).not.toContain('B');
  });
});

describe('catalogue flags and event weights', () => {
  it('never recommends items marked inactive in the catalogue', () => {
    const model = trainRecommender(clusteredInteractions(), { catalog: [...catalog, { itemId: 'C', active: false }] });
    expect(model.recommend('q1', { k: 10 }).map((r) => r.itemId)).not.toContain('C');
    expect(model.recommend('stranger', { k: 10 }).map((r) => r.itemId)).not.toContain('C');
  });

  it('weights views and carts below purchases (configurable)', () => {
    const events: Interaction[] = [
      { customerId: 'u', itemId: 'viewed', kind: 'view' },
      { customerId: 'u', itemId: 'carted', kind: 'add_to_cart' },
      { customerId: 'u', itemId: 'bought' },
      { customerId: 'v', itemId: 'viewed', kind: 'view' },
    ];
    const pop = trainRecommender(events, { algorithm: 'popularity' });
    expect(pop.recommend('new', { k: 3 }).map((r) => r.itemId)).toEqual(['bought', 'carted', 'viewed']);
    const viewsFirst = trainRecommender(events, { algorithm: 'popularity', eventWeights: { view: 5 } });
    expect(viewsFirst.recommend('new', { k: 1 })[0].itemId).toBe('viewed');
    expect(viewsFirst.info.versionId).not.toBe(pop.info.versionId);
  });

  it('"popular right now" favours recent purchases', () => {
    const day = 86_400_000;
    const events: Interaction[] = [];
    for (let u = 0; u < 5; u++) events.push({ customerId: `old${u}`, itemId: 'last-year', at: 0 });
    for (let u = 0; u < 3; u++) events.push({ customerId: `new${u}`, itemId: 'this-week', at: 365 * day });
    const recent = trainRecommender(events, { algorithm: 'popularity' });
    expect(recent.recommend('x', { k: 1 })[0].itemId).toBe('this-week');
    const allTime = trainRecommender(events, { algorithm: 'popularity', popularityHalfLifeDays: 0 });
    expect(allTime.recommend('x', { k: 1 })[0].itemId).toBe('last-year');
  });
});

describe('serving latency', () => {
  it('answers in well under 10 ms from memory on a 400-item, 2,000-customer model', () => {
    const rand = seededRandom(7);
    const events: Interaction[] = [];
    for (let u = 0; u < 2000; u++) {
      const group = Math.floor(rand() * 20);
      for (let t = 0; t < 12; t++) events.push({ customerId: `c${u}`, itemId: `i${group * 20 + Math.floor(rand() * 20)}` });
    }
    for (const algorithm of ['ease', 'item-knn', 'als'] as AlgorithmName[]) {
      const model = trainRecommender(events, { algorithm, als: { factors: 16, iterations: 5 } });
      for (let u = 0; u < 50; u++) model.recommend(`c${u}`); // warm-up
      const times: number[] = [];
      for (let u = 0; u < 500; u++) {
        const t = performance.now();
        model.recommend(`c${u}`, { k: 10 });
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      expect(times[250]).toBeLessThan(10);
    }
  });
});

describe('history cap', () => {
  it('scores only the most recent maxHistoryItems items but still filters the whole history', () => {
    const day = 86_400_000;
    const events: Interaction[] = [];
    // Old purchase: A (cluster A→C); recent purchase: X (cluster X→Y).
    for (let u = 0; u < 3; u++) {
      events.push({ customerId: `a${u}`, itemId: 'A', at: 0 }, { customerId: `a${u}`, itemId: 'C', at: 0 });
      events.push({ customerId: `x${u}`, itemId: 'X', at: 0 }, { customerId: `x${u}`, itemId: 'Y', at: 0 });
    }
    events.push({ customerId: 'me', itemId: 'A', at: day }, { customerId: 'me', itemId: 'X', at: 10 * day });
    const capped = trainRecommender(events, { algorithm: 'item-knn', maxHistoryItems: 1, popularityBlend: 0 });
    const personal = capped.recommend('me', { k: 5, fallback: false });
    expect(personal.map((r) => r.itemId)).toEqual(['Y']);
    const all = capped.recommend('me', { k: 5 }).map((r) => r.itemId);
    expect(all).not.toContain('A');
    expect(all).not.toContain('X');
    expect(all).toContain('C'); // reachable through the popularity fallback
  });
});
