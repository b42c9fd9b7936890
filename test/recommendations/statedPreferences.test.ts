import { learnFrom, type LearnedProfile, type MessageSource, type ObservedPreference } from '../../crm/identity';
import { dislikedItems, recommendWithPreferences, trainRecommender, type StatedPreferences } from '../../crm/recommendations';
import { catalog, clusteredInteractions, FIXED_NOW } from './fixtures';

/**
 * Stated likes and dislikes applied to a real trained model (the hand-built clusters of fixtures.ts:
 * q1 bought A and B of the kitchen cluster; X, Y, Z are lighting), in memory: no servers.
 */
describe('recommendations shaped by stated preferences', () => {
  const model = trainRecommender(clusteredInteractions(), { catalog, now: FIXED_NOW });
  // The product table knows one more lamp than the model: added after training, never bought.
  const catalogue = new Map<string, string | null>([...catalog.map((c): [string, string | null] => [c.itemId, c.category ?? null]), ['NEWLAMP', 'lighting']]);
  const ids = (list: Array<{ itemId: string }>) => list.map((r) => r.itemId);
  const lighting = new Set(['X', 'Y', 'Z', 'NEWLAMP']);
  const likesLamps: StatedPreferences = { likes: [{ term: 'lamps', categories: ['lighting'], skus: [] }], dislikes: [] };

  it('without preferences the list is exactly the model\'s, in its order', () => {
    for (const query of ['q1', 'q2', '', 'nobody']) {
      for (const k of [1, 4, 6]) {
        const plain = model.recommend(query, { k, exclude: ['P'] });
        expect(recommendWithPreferences(model, query, { k, exclude: ['P'], catalogue })).toEqual(plain);
        expect(recommendWithPreferences(model, query, { k, exclude: ['P'], catalogue, preferences: null })).toEqual(plain);
        expect(recommendWithPreferences(model, query, { k, exclude: ['P'], catalogue, preferences: { likes: [], dislikes: [] } })).toEqual(plain);
      }
    }
    expect(recommendWithPreferences(model, ['A'], { k: 4, catalogue })).toEqual(model.recommend(['A'], { k: 4 }));
  });

  it('leaves out disliked products and every product of a disliked category, and still fills the list', () => {
    expect(ids(model.recommend('q1', { k: 4 }))).toContain('C');
    const noBowls = recommendWithPreferences(model, 'q1', { k: 4, catalogue, preferences: { likes: [], dislikes: [{ term: 'bowls', categories: [], skus: ['C'] }] } });
    expect(noBowls).toHaveLength(4);
    expect(ids(noBowls)).not.toContain('C');
    expect(ids(noBowls)).toEqual(ids(model.recommend('q1', { k: 4, exclude: ['C'] })));

    const noLighting = recommendWithPreferences(model, 'q2', { k: 6, catalogue, preferences: { likes: [], dislikes: [{ term: 'lamps', categories: ['lighting'], skus: [] }] } });
    expect(noLighting.length).toBeGreaterThan(0);
    expect(ids(noLighting).filter((id) => lighting.has(id))).toEqual([]);
    expect([...dislikedItems({ likes: [], dislikes: [{ term: 'lamps', categories: ['lighting'], skus: ['A'] }] }, catalogue)].sort()).toEqual(['A', 'NEWLAMP', 'X', 'Y', 'Z']);
  });

  it('a dislike wins over a like of the same product', () => {
    const list = recommendWithPreferences(model, 'q1', {
      k: 4,
      catalogue,
      preferences: { likes: [{ term: 'kitchen things', categories: ['kitchen'], skus: [] }], dislikes: [{ term: 'bowls', categories: [], skus: ['C'] }] },
    });
    expect(ids(list)).not.toContain('C');
    expect(list[0]).toMatchObject({ itemId: 'NEWK', source: 'stated-preference', likedTerm: 'kitchen things' });
  });

  it('liked items take up to half the slots first (the model\'s order among them), the rest keeps the model\'s order', () => {
    const plain = model.recommend('q1', { k: 4 });
    // The model alone has no lighting in q1's first slots.
    expect(ids(plain).slice(0, 3).some((id) => lighting.has(id))).toBe(false);
    const list = recommendWithPreferences(model, 'q1', { k: 4, catalogue, preferences: likesLamps });
    const likedOrder = ids(model.recommend('q1', { k: 2, isActive: (id) => lighting.has(id) }));
    expect(ids(list.slice(0, 2))).toEqual(likedOrder);
    for (const r of list.slice(0, 2)) expect(r).toEqual({ itemId: r.itemId, score: expect.any(Number), source: 'stated-preference', likedTerm: 'lamps', explanation: 'Because you said you like lamps' });
    // Bounded: the other half is the model's list, in its order, without the items moved ahead.
    expect(ids(list.slice(2))).toEqual(ids(plain).filter((id) => !likedOrder.includes(id)).slice(0, 2));
    expect(list.slice(2)).toEqual(plain.filter((r) => !likedOrder.includes(r.itemId)).slice(0, 2));

    // likedSlots bounds it differently; 0 turns the boost off.
    expect(ids(recommendWithPreferences(model, 'q1', { k: 4, catalogue, preferences: likesLamps, likedSlots: 1 }))).toEqual([likedOrder[0], ...ids(plain).filter((id) => id !== likedOrder[0]).slice(0, 3)]);
    expect(recommendWithPreferences(model, 'q1', { k: 4, catalogue, preferences: likesLamps, likedSlots: 0 })).toEqual(plain);
  });

  it('a liked product the model never saw (new in the catalogue) is offered too, but never an owned or inactive one', () => {
    const likesNewLamp: StatedPreferences = { likes: [{ term: 'brass lamp', categories: [], skus: ['NEWLAMP'] }], dislikes: [] };
    const list = recommendWithPreferences(model, 'q1', { k: 3, catalogue, preferences: likesNewLamp });
    expect(list[0]).toMatchObject({ itemId: 'NEWLAMP', source: 'stated-preference', likedTerm: 'brass lamp' });
    expect(ids(list.slice(1))).toEqual(ids(model.recommend('q1', { k: 2 })));
    expect(ids(recommendWithPreferences(model, 'q1', { k: 3, catalogue, preferences: likesNewLamp, isActive: (id) => id !== 'NEWLAMP' }))).not.toContain('NEWLAMP');
    expect(ids(recommendWithPreferences(model, 'q1', { k: 3, catalogue, preferences: likesNewLamp, exclude: ['NEWLAMP'] }))).not.toContain('NEWLAMP');
    // Liking what they already bought changes nothing.
    const likesOwned: StatedPreferences = { likes: [{ term: 'mugs', categories: [], skus: ['A'] }], dislikes: [] };
    expect(recommendWithPreferences(model, 'q1', { k: 3, catalogue, preferences: likesOwned })).toEqual(model.recommend('q1', { k: 3 }));
  });

  it('a like withdrawn later ("I don\'t like lamps after all") stops applying: the learned profile keeps only the newer statement', () => {
    const source = (at: string, text: string): MessageSource => ({ channel: 'test', conversationId: 'c', activityId: at, text, at });
    const say = (profile: LearnedProfile | null, at: string, text: string, preference: ObservedPreference) => learnFrom(profile, { language: 'en', sentiment: 0, preferences: [preference], source: source(at, text) });
    let profile = say(null, '2024-03-01T10:00:00.000Z', 'I love lamps', { kind: 'likes', term: 'lamps', categories: ['lighting'], skus: [] });
    expect(ids(recommendWithPreferences(model, 'q1', { k: 4, catalogue, preferences: profile })).filter((id) => lighting.has(id))).toHaveLength(2);

    profile = say(profile, '2024-03-02T10:00:00.000Z', "I don't like lamps after all", { kind: 'dislikes', term: 'lamps', categories: ['lighting'], skus: [] });
    const after = recommendWithPreferences(model, 'q1', { k: 4, catalogue, preferences: profile });
    expect(after.some((r) => r.source === 'stated-preference')).toBe(false);
    expect(ids(after).filter((id) => lighting.has(id))).toEqual([]);

    // Changing their mind again brings the like back.
    profile = say(profile, '2024-03-03T10:00:00.000Z', 'actually I love lamps', { kind: 'likes', term: 'lamps', categories: ['lighting'], skus: [] });
    expect(recommendWithPreferences(model, 'q1', { k: 4, catalogue, preferences: profile }).slice(0, 2).every((r) => r.likedTerm === 'lamps')).toBe(true);
  });

  it('a category keeps the list to it, new products of it included, with or without preferences', () => {
    const only = recommendWithPreferences(model, 'q1', { k: 4, catalogue, category: 'lighting' });
    expect(ids(only).sort()).toEqual(['NEWLAMP', 'X', 'Y', 'Z']);
    expect(ids(only)).toEqual([...ids(model.recommend('q1', { k: 4, isActive: (id) => lighting.has(id) })), 'NEWLAMP']);
    const liked = recommendWithPreferences(model, 'q1', { k: 4, catalogue, category: 'lighting', preferences: likesLamps });
    expect(ids(liked)).toEqual(ids(only));
    expect(liked.every((r) => r.source === 'stated-preference' && r.explanation === 'Because you said you like lamps')).toBe(true);
    // Owned items stay out of a category list too.
    expect(ids(recommendWithPreferences(model, 'q1', { k: 4, catalogue, category: 'kitchen' }))).toEqual(['C', 'NEWK']);
  });
});
