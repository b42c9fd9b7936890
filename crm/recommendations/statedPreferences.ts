/**
 * What the customer told the bot, applied to a model's list (pure, in memory): products they said
 * they dislike, and products in categories they said they dislike, are left out like purchases; liked
 * products and categories get a bounded share of the list's first slots, the rest keeps the model's
 * order. The learned profile resolves withdrawals ("I don't like candles after all" replaces the like),
 * so only its current likes and dislikes are passed in.
 */
import type { Recommendation, RecommendationSource, RecommendOptions, Recommender, UserItem } from './types';

/** One stated like or dislike: the customer's own word and what it matched in the catalogue (a learned profile's entry fits). */
export interface StatedTaste {
  term: string;
  categories: readonly string[];
  skus: readonly string[];
}

/** The customer's current likes and dislikes, newest first (crm/identity's learned profile). */
export interface StatedPreferences {
  likes: readonly StatedTaste[];
  dislikes: readonly StatedTaste[];
}

/** A list entry shown because of a stated like: its source is the like, not the model's reason. */
export type PreferenceSource = RecommendationSource | 'stated-preference';

export interface PreferredRecommendation extends Omit<Recommendation, 'source'> {
  source: PreferenceSource;
  /** The customer's word for the like it matches ("tea"), with source 'stated-preference'. */
  likedTerm?: string;
}

export interface PreferenceRecommendOptions extends Omit<RecommendOptions, 'k' | 'fallback'> {
  k: number;
  preferences?: StatedPreferences | null;
  /** Every catalogue item and its category: where disliked categories and liked items the model never saw are found. */
  catalogue: ReadonlyMap<string, string | null>;
  /** Only items of this category (the preference dialog's "Show me recommendations"). */
  category?: string;
  /** At most this many liked items go ahead of the model's order (default: half the list, rounded up). */
  likedSlots?: number;
}

/** Items the customer said they dislike, by product or by category. Dislikes win over likes: never show what they said they don't want. */
export function dislikedItems(preferences: StatedPreferences | null | undefined, catalogue: ReadonlyMap<string, string | null>): Set<string> {
  const out = new Set<string>();
  if (!preferences?.dislikes.length) return out;
  const categories = new Set<string>();
  for (const d of preferences.dislikes) {
    for (const sku of d.skus) out.add(sku);
    for (const c of d.categories) categories.add(c);
  }
  if (categories.size > 0) for (const [itemId, category] of catalogue) if (category !== null && categories.has(category)) out.add(itemId);
  return out;
}

/** The newest like the item matches (its product, or its category), if any. */
export function likeMatching(preferences: StatedPreferences | null | undefined, itemId: string, category: string | null | undefined): StatedTaste | undefined {
  return preferences?.likes.find((l) => l.skus.includes(itemId) || (category != null && l.categories.includes(category)));
}

/**
 * The model's list for `query` shaped by stated preferences. Without likes, dislikes or a category the
 * result is exactly `model.recommend(query, options)`. Liked items (the model's own order among them,
 * then liked catalogue items it never saw, by id) take up to `likedSlots` first slots; the remaining
 * slots are the model's list in its order; every liked item shown says so (`likedTerm`).
 */
export function recommendWithPreferences(
  model: Pick<Recommender, 'recommend' | 'historyOf'>,
  query: string | readonly UserItem[],
  options: PreferenceRecommendOptions,
): PreferredRecommendation[] {
  const { preferences, catalogue, category, likedSlots, k, ...recommendOptions } = options;
  const disliked = dislikedItems(preferences, catalogue);
  const exclude = new Set<string>(recommendOptions.exclude ?? []);
  for (const id of disliked) exclude.add(id);
  const baseActive = recommendOptions.isActive;
  const inCategory = (id: string) => category === undefined || catalogue.get(id) === category;
  const isActive = (id: string) => inCategory(id) && (baseActive?.(id) ?? true);
  const base: PreferredRecommendation[] = model.recommend(query, { ...recommendOptions, k, exclude, isActive });

  // Catalogue items the model cannot offer (no interactions, not in the history's categories): new products.
  // Built only when the catalogue is searched (a category or a like): the common request never needs it.
  let owned: Set<string> | undefined;
  const ownedItems = () =>
    (owned ??= recommendOptions.excludeOwned === false ? new Set<string>() : new Set(typeof query === 'string' ? model.historyOf(query) : query.map((q) => (typeof q === 'string' ? q : q.itemId))));
  const eligible = (id: string) => !exclude.has(id) && !ownedItems().has(id) && !recommendOptions.inactive?.has(id) && isActive(id);
  const fillFromCatalogue = (list: PreferredRecommendation[], n: number, accept: (id: string) => boolean) => {
    if (list.length >= n) return;
    const taken = new Set(list.map((r) => r.itemId));
    const more = [...catalogue.keys()].filter((id) => !taken.has(id) && accept(id) && eligible(id)).sort();
    for (const id of more.slice(0, n - list.length)) {
      const c = catalogue.get(id);
      list.push({ itemId: id, score: 0, source: c ? 'same-category' : 'popular', explanation: c ? `Popular in ${c}` : 'Popular right now' });
    }
  };
  if (category !== undefined) fillFromCatalogue(base, k, () => true);

  const likedOf = (id: string) => likeMatching(preferences, id, catalogue.get(id));
  const slots = Math.min(k, Math.max(0, likedSlots ?? Math.ceil(k / 2)));
  if (!preferences?.likes.length || slots === 0) return base;

  const liked: PreferredRecommendation[] = model.recommend(query, { ...recommendOptions, k: slots, exclude, isActive: (id) => isActive(id) && likedOf(id) !== undefined });
  fillFromCatalogue(liked, slots, (id) => likedOf(id) !== undefined);
  const ahead = new Set(liked.map((r) => r.itemId));
  const list = [...liked, ...base.filter((r) => !ahead.has(r.itemId))].slice(0, k);
  return list.map((r) => {
    const like = likedOf(r.itemId);
    if (!like) return r;
    // The customer's own statement is the reason given, whatever the model's was.
    return { itemId: r.itemId, score: r.score, source: 'stated-preference', likedTerm: like.term, explanation: `Because you said you like ${like.term}` };
  });
}
