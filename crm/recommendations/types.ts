/**
 * Plain data shapes of the recommendation core. The storage layer feeds these as arrays;
 * nothing here knows about databases.
 */

/** Implicit feedback kinds. Weaker signals (views, carts) count for less than purchases. */
export type EventKind = 'purchase' | 'add_to_cart' | 'view';

export interface Interaction {
  customerId: string;
  itemId: string;
  /** Defaults to 'purchase'. */
  kind?: EventKind;
  /** When it happened; drives "popular right now" (time-decayed popularity). */
  at?: Date | number;
}

export interface CatalogItem {
  itemId: string;
  /** Optional: enables the same-category fallback. The model must work without it. */
  category?: string;
  /** Inactive items are never recommended. Defaults to true. */
  active?: boolean;
  /** Human-readable name used in explanations ("because you bought <title>"). */
  title?: string;
}

export type EventWeights = Record<EventKind, number>;

/**
 * How the summed event weight of one customer-item pair becomes a matrix value.
 * - capped: min(strength, 1): repeat purchases do not dominate, a view alone stays weak
 * - log: log1p(strength)
 * - linear: strength as is
 */
export type ValueScale = 'capped' | 'log' | 'linear';

export type AlgorithmName = 'ease' | 'item-knn' | 'als' | 'popularity';

/** One entry of a query's history when recommending for an ad-hoc list of items. */
export type UserItem = string | { itemId: string; kind?: EventKind; at?: Date | number };

export type RecommendationSource = 'personalized' | 'similar' | 'same-category' | 'popular';

export interface Recommendation {
  itemId: string;
  /** Comparable only within one response. */
  score: number;
  source: RecommendationSource;
  /** The history item that contributed most (personalized / similar results). */
  becauseItemId?: string;
  /** Personalized results: whether the customer bought `becauseItemId` or only looked at (viewed, carted) it. */
  becauseKind?: 'bought' | 'looked_at';
  /** Short human explanation, e.g. "Because you bought WHITE METAL LANTERN". */
  explanation: string;
}

export interface RecommendOptions {
  /** Number of results (default 10). */
  k?: number;
  /** Item ids never to return. */
  exclude?: Iterable<string>;
  /** Drop items the customer already has in their history (default true). */
  excludeOwned?: boolean;
  /** Extra inactive items known at serving time (on top of the catalog's inactive flags). */
  inactive?: ReadonlySet<string>;
  /** Serving-time activity check, e.g. stock lookup from an in-memory cache. */
  isActive?: (itemId: string) => boolean;
  /** Fill with same-category and popular items when personal results run short (default true). */
  fallback?: boolean;
}

export interface SimilarOptions {
  k?: number;
  exclude?: Iterable<string>;
  inactive?: ReadonlySet<string>;
  isActive?: (itemId: string) => boolean;
  fallback?: boolean;
}

export interface ModelInfo {
  /** Deterministic: same algorithm, parameters and data give the same version id. */
  versionId: string;
  algorithm: AlgorithmName;
  trainedAt: Date;
  trainingMs: number;
  params: Record<string, unknown>;
  /** sha256 of the aggregated training matrix and catalog. */
  dataHash: string;
  customers: number;
  items: number;
  interactions: number;
  /** Bytes held by the model's typed arrays (excluding JS object overhead). */
  modelBytes: number;
}

export interface Recommender {
  readonly info: ModelInfo;
  /** By known customer id, or by an ad-hoc history (new session, guest cart). */
  recommend(query: string | readonly UserItem[], options?: RecommendOptions): Recommendation[];
  /** "Customers who bought this also bought"; falls back for unknown items. */
  similarItems(itemId: string, options?: SimilarOptions): Recommendation[];
  /** Item ids of a known customer's training history (empty for unknown customers). */
  historyOf(customerId: string): string[];
}
