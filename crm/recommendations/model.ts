import { createHash } from 'node:crypto';
import { DEFAULT_ALS_PARAMS, trainAls, type AlsParams } from './als';
import { diversifyGreedy } from './diversify';
import { DEFAULT_EASE_PARAMS, trainEase, type EaseParams } from './ease';
import { DEFAULT_ITEM_KNN_PARAMS, trainItemKnn, type ItemKnnParams } from './itemKnn';
import {
  buildInteractionMatrix, compareIds, DEFAULT_EVENT_WEIGHTS, hashTrainingData, scaleValue, type InteractionMatrix,
} from './matrix';
import type { ItemScorer, UserRow } from './scorer';
import { topKIndices } from './topK';
import type {
  AlgorithmName, CatalogItem, EventKind, EventWeights, Interaction, ModelInfo, Recommendation, RecommendOptions,
  Recommender, SimilarOptions, UserItem, ValueScale,
} from './types';

/** Chosen by measurement on the retail benchmark (see bench/recs.ts and the folder README). */
export const DEFAULT_ALGORITHM: AlgorithmName = 'ease';
export const DEFAULT_HISTORY_HALF_LIFE_DAYS = 0;
export const DEFAULT_POPULARITY_BLEND = 0.5;
export const DEFAULT_MAX_HISTORY_ITEMS = 100;
export const DEFAULT_DIVERSITY = 0;
/** Personal candidates the diversifying re-ranker chooses from: the best max(k · 5, 50). */
const DIVERSITY_POOL_FACTOR = 5;
const DIVERSITY_MIN_POOL = 50;

export interface TrainOptions {
  algorithm?: AlgorithmName;
  /** Optional item metadata: categories (fallbacks), active flags (filters), titles (explanations). */
  catalog?: readonly CatalogItem[];
  eventWeights?: Partial<EventWeights>;
  valueScale?: ValueScale;
  /** Half-life in days of "popular right now" (default 30, 0 = all-time popularity). */
  popularityHalfLifeDays?: number;
  /**
   * Half-life in days for weighting a customer's own history at serving time, relative to their latest
   * event: recent purchases say more about the next basket (0 = off). Not used by ALS for known customers.
   */
  historyHalfLifeDays?: number;
  /**
   * Weight of "popular right now" blended into personal scores: score = personal/max(personal) +
   * w · popularity/max(popularity). Seasonal retail rewards some of it (default 0.5, measured; 0 = pure personal).
   */
  popularityBlend?: number;
  /**
   * Score at most this many history items per request, the most recent ones (default 100): bounds
   * serving latency for wholesale-sized histories (EASE costs one catalogue-length row per item).
   */
  maxHistoryItems?: number;
  /**
   * List diversification (diversify.ts): each personal pick gives up `diversity` × its largest positive
   * item–item weight (the scorer's contribution, both directions) to the items already picked, so the
   * list does not spend its slots on items bought together. In units of the scorer's weights (EASE
   * weights are ~0.01–0.1; 8 was chosen on a validation split for EASE); 0 = off (default).
   */
  diversity?: number;
  ease?: Partial<EaseParams>;
  itemKnn?: Partial<ItemKnnParams>;
  als?: Partial<AlsParams>;
  /** Injected clock for trainedAt (tests, reproducible builds). */
  now?: () => Date;
}

/** Trains a model from plain interaction arrays; the result serves from memory. */
export function trainRecommender(interactions: readonly Interaction[], options: TrainOptions = {}): Recommender {
  const started = performance.now();
  const algorithm = options.algorithm ?? DEFAULT_ALGORITHM;
  const eventWeights: EventWeights = { ...DEFAULT_EVENT_WEIGHTS, ...options.eventWeights };
  const valueScale = options.valueScale ?? 'capped';
  const popularityHalfLifeDays = options.popularityHalfLifeDays ?? 30;
  const historyHalfLifeDays = options.historyHalfLifeDays ?? DEFAULT_HISTORY_HALF_LIFE_DAYS;
  const popularityBlend = options.popularityBlend ?? DEFAULT_POPULARITY_BLEND;
  const maxHistoryItems = options.maxHistoryItems ?? DEFAULT_MAX_HISTORY_ITEMS;
  const diversity = options.diversity ?? DEFAULT_DIVERSITY;
  const matrix = buildInteractionMatrix(interactions, { eventWeights, valueScale, popularityHalfLifeDays });
  const catalog = options.catalog ?? [];

  let algoParams: object = {};
  let scorer: ItemScorer | null = null;
  if (matrix.itemIds.length > 1 && algorithm !== 'popularity') {
    if (algorithm === 'ease') {
      const p = { ...DEFAULT_EASE_PARAMS, ...options.ease };
      algoParams = p;
      scorer = trainEase(matrix, p);
    } else if (algorithm === 'item-knn') {
      const p = { ...DEFAULT_ITEM_KNN_PARAMS, ...options.itemKnn };
      algoParams = p;
      scorer = trainItemKnn(matrix, p);
    } else if (algorithm === 'als') {
      const p = { ...DEFAULT_ALS_PARAMS, ...options.als };
      algoParams = p;
      scorer = trainAls(matrix, p);
    } else {
      throw new Error(`unknown recommendation algorithm: ${String(algorithm)}`);
    }
  }

  // diversity only enters the parameters (and so the version id) when used: older version ids stay valid.
  const params = { ...algoParams, eventWeights, valueScale, popularityHalfLifeDays, historyHalfLifeDays, popularityBlend, maxHistoryItems, ...(diversity > 0 ? { diversity } : {}) };
  const dataHash = hashTrainingData(matrix, catalog);
  const versionId = `${algorithm}-${createHash('sha256').update(`${algorithm}\n${stableJson(params)}\n${dataHash}`).digest('hex').slice(0, 12)}`;
  const info: ModelInfo = {
    versionId,
    algorithm,
    trainedAt: (options.now ?? (() => new Date()))(),
    trainingMs: performance.now() - started,
    params,
    dataHash,
    customers: matrix.customerIds.length,
    items: matrix.itemIds.length,
    interactions: matrix.nnz,
    modelBytes: (scorer?.byteSize ?? 0) + matrix.rowPtr.byteLength + matrix.colIdx.byteLength
      + matrix.values.byteLength + matrix.purchased.byteLength + matrix.popularity.byteLength,
  };
  return new TrainedRecommender(info, matrix, scorer, catalog, { eventWeights, valueScale, historyHalfLifeDays, popularityBlend, maxHistoryItems, ...(diversity > 0 ? { diversity } : {}) });
}

/** How a trained model scales and weights histories at serving time (part of its snapshot). */
export interface ServingScaling {
  eventWeights: EventWeights;
  valueScale: ValueScale;
  historyHalfLifeDays: number;
  popularityBlend: number;
  maxHistoryItems: number;
  /** List diversification penalty (absent in snapshots written before it existed = 0). */
  diversity?: number;
}

/** Everything a trained model is made of: what snapshot.ts writes and reads back. */
export interface RecommenderParts {
  info: ModelInfo;
  matrix: InteractionMatrix;
  scorer: ItemScorer | null;
  catalog: readonly CatalogItem[];
  scaling: ServingScaling;
}

/** The parts of a model returned by trainRecommender (or assembleRecommender); throws for any other Recommender. */
export function recommenderParts(model: Recommender): RecommenderParts {
  if (!(model instanceof TrainedRecommender)) throw new Error('not a model built by trainRecommender');
  return model.parts();
}

/** A serving model from its parts (the inverse of recommenderParts): no training involved. */
export function assembleRecommender(parts: RecommenderParts): Recommender {
  return new TrainedRecommender(parts.info, parts.matrix, parts.scorer, parts.catalog, parts.scaling);
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj).sort().map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`).join(',')}}`;
}

interface QueryHistory {
  row: UserRow;
  /** Parallel to row.items: whether the customer bought (vs viewed / carted) that item. */
  bought: boolean[];
  /** Every history item id, including ones the model has never seen. */
  ids: Set<string>;
}

class TrainedRecommender implements Recommender {
  private readonly titles = new Map<string, string>();
  private readonly categoryOf = new Map<string, string>();
  private readonly inactive = new Set<string>();
  /** Model item indices by "popular right now", best first. */
  private readonly popularOrder: Int32Array;
  /** Per category: item ids by popularity, then catalogue-only (new) items by id. */
  private readonly categoryItems = new Map<string, string[]>();

  constructor(
    readonly info: ModelInfo,
    private readonly m: InteractionMatrix,
    private readonly scorer: ItemScorer | null,
    private readonly catalog: readonly CatalogItem[],
    private readonly scaling: ServingScaling,
  ) {
    for (const c of catalog) {
      if (c.title) this.titles.set(c.itemId, c.title);
      if (c.category) this.categoryOf.set(c.itemId, c.category);
      if (c.active === false) this.inactive.add(c.itemId);
    }
    const pop = m.popularity;
    this.popularOrder = Int32Array.from(m.itemIds.keys()).sort((a, b) => pop[b] - pop[a] || a - b);
    const popularityOf = (id: string): number => {
      const i = m.itemIndex.get(id);
      return i === undefined ? -1 : pop[i];
    };
    for (const [id, category] of this.categoryOf) {
      const list = this.categoryItems.get(category) ?? [];
      list.push(id);
      this.categoryItems.set(category, list);
    }
    for (const list of this.categoryItems.values()) {
      list.sort((a, b) => popularityOf(b) - popularityOf(a) || compareIds(a, b));
    }
  }

  parts(): RecommenderParts {
    return { info: this.info, matrix: this.m, scorer: this.scorer, catalog: this.catalog, scaling: this.scaling };
  }

  historyOf(customerId: string): string[] {
    const u = this.m.customerIndex.get(customerId);
    if (u === undefined) return [];
    const out: string[] = [];
    for (let p = this.m.rowPtr[u]; p < this.m.rowPtr[u + 1]; p++) out.push(this.m.itemIds[this.m.colIdx[p]]);
    return out;
  }

  recommend(query: string | readonly UserItem[], options: RecommendOptions = {}): Recommendation[] {
    const k = options.k ?? 10;
    const history = this.resolveHistory(query);
    const excluded = new Set<string>(options.exclude ?? []);
    const excludeOwned = options.excludeOwned ?? true;
    const blocked = (id: string): boolean =>
      excluded.has(id) || (excludeOwned && history.ids.has(id)) || !this.isActive(id, options);

    const results: Recommendation[] = [];
    const taken = new Set<string>();
    if (this.scorer && history.row.items.length > 0 && k > 0) {
      const scores = new Float64Array(this.m.itemIds.length);
      this.scorer.scoreUser(history.row, scores);
      // Candidates are what the algorithm itself supports; the popularity blend only re-orders them.
      let supported: Uint8Array | null = null;
      if (this.scorer.positiveScoresOnly) {
        supported = new Uint8Array(scores.length);
        for (let i = 0; i < scores.length; i++) if (scores[i] > 0) supported[i] = 1;
      }
      this.blendPopularity(scores);
      const accept = (i: number): boolean => (supported === null || supported[i] === 1) && !blocked(this.m.itemIds[i]);
      const diversity = this.scaling.diversity ?? 0;
      const best = diversity > 0 ? this.diversified(scores, k, diversity, accept) : topKIndices(scores, k, accept);
      for (const i of best) {
        const because = this.mostContributing(history, i);
        const itemId = this.m.itemIds[i];
        taken.add(itemId);
        if (because === null) {
          results.push({ itemId, score: scores[i], source: 'personalized', explanation: 'Recommended for you' });
          continue;
        }
        const becauseItemId = this.m.itemIds[history.row.items[because]];
        results.push({
          itemId,
          score: scores[i],
          source: 'personalized',
          becauseItemId,
          becauseKind: history.bought[because] ? 'bought' : 'looked_at',
          explanation: `Because you ${history.bought[because] ? 'bought' : 'looked at'} ${this.titleOf(becauseItemId)}`,
        });
      }
    }
    if (results.length < k && (options.fallback ?? true)) {
      const categories = new Set<string>();
      for (const id of history.ids) {
        const c = this.categoryOf.get(id);
        if (c !== undefined) categories.add(c);
      }
      this.fill(results, k, categories, (id) => blocked(id) || taken.has(id));
    }
    return results;
  }

  similarItems(itemId: string, options: SimilarOptions = {}): Recommendation[] {
    const k = options.k ?? 10;
    const excluded = new Set<string>(options.exclude ?? []);
    const blocked = (id: string): boolean => id === itemId || excluded.has(id) || !this.isActive(id, options);
    const results: Recommendation[] = [];
    const taken = new Set<string>();
    const index = this.m.itemIndex.get(itemId);
    if (this.scorer && index !== undefined && k > 0) {
      const sims = new Float64Array(this.m.itemIds.length);
      this.scorer.similarTo(index, sims);
      for (const i of topKIndices(sims, k, (j) => sims[j] > 0 && !blocked(this.m.itemIds[j]))) {
        const id = this.m.itemIds[i];
        taken.add(id);
        results.push({
          itemId: id, score: sims[i], source: 'similar', becauseItemId: itemId,
          explanation: `Customers who bought ${this.titleOf(itemId)} also bought this`,
        });
      }
    }
    if (results.length < k && (options.fallback ?? true)) {
      const category = this.categoryOf.get(itemId);
      this.fill(results, k, new Set(category === undefined ? [] : [category]), (id) => blocked(id) || taken.has(id));
    }
    return results;
  }

  /** The best-scored candidates re-chosen by diversifyGreedy, similarity = the scorer's item–item weight. */
  private diversified(scores: Float64Array, k: number, penalty: number, accept: (i: number) => boolean): number[] {
    const pool = topKIndices(scores, Math.max(k * DIVERSITY_POOL_FACTOR, DIVERSITY_MIN_POOL), accept);
    const scorer = this.scorer!;
    const similarity = (a: number, b: number): number => Math.max(0, scorer.contribution(a, b), scorer.contribution(b, a));
    return diversifyGreedy(pool, (i) => scores[i], similarity, { k, penalty });
  }

  private blendPopularity(scores: Float64Array): void {
    const w = this.scaling.popularityBlend;
    if (!(w > 0)) return;
    let maxScore = 0;
    for (let i = 0; i < scores.length; i++) if (scores[i] > maxScore) maxScore = scores[i];
    const pop = this.m.popularity;
    const popScale = w / (pop[this.popularOrder[0]] || 1);
    const scoreScale = maxScore > 0 ? 1 / maxScore : 0;
    for (let i = 0; i < scores.length; i++) scores[i] = scores[i] * scoreScale + pop[i] * popScale;
  }

  /** Same-category items first (new items included), then overall "popular right now". */
  private fill(results: Recommendation[], k: number, categories: Set<string>, blocked: (id: string) => boolean): void {
    const seen = new Set<string>();
    const popularityOf = (id: string): number => {
      const i = this.m.itemIndex.get(id);
      return i === undefined ? 0 : this.m.popularity[i];
    };
    for (const category of [...categories].sort(compareIds)) {
      for (const id of this.categoryItems.get(category) ?? []) {
        if (results.length >= k) return;
        if (seen.has(id) || blocked(id)) continue;
        seen.add(id);
        results.push({ itemId: id, score: popularityOf(id), source: 'same-category', explanation: `Popular in ${category}` });
      }
    }
    for (const i of this.popularOrder) {
      if (results.length >= k) return;
      const id = this.m.itemIds[i];
      if (seen.has(id) || blocked(id)) continue;
      seen.add(id);
      results.push({ itemId: id, score: this.m.popularity[i], source: 'popular', explanation: 'Popular right now' });
    }
  }

  /** Index (into the history row) of the item contributing most to `item`, or null if none does. */
  private mostContributing(history: QueryHistory, item: number): number | null {
    // Neighbour methods: only a positive contribution is a reason. Factor models score every item, so
    // the best-aligned history item is the reason even when alignment is weak.
    let best: number | null = null;
    let bestValue = this.scorer!.positiveScoresOnly ? 0 : -Infinity;
    const { items, values } = history.row;
    for (let t = 0; t < items.length; t++) {
      const c = values[t] * this.scorer!.contribution(items[t], item);
      if (c > bestValue) { bestValue = c; best = t; }
    }
    return best;
  }

  private resolveHistory(query: string | readonly UserItem[]): QueryHistory {
    if (typeof query === 'string') {
      const u = this.m.customerIndex.get(query);
      if (u === undefined) return { row: { items: [], values: [] }, bought: [], ids: new Set() };
      const start = this.m.rowPtr[u], end = this.m.rowPtr[u + 1];
      const ids = new Set<string>();
      for (let p = start; p < end; p++) ids.add(this.m.itemIds[this.m.colIdx[p]]);
      let positions = Array.from({ length: end - start }, (_, t) => start + t);
      if (positions.length > this.scaling.maxHistoryItems) {
        // Keep the most recent (then strongest) items, back in index order for determinism.
        const { lastAt, values } = this.m;
        positions = positions
          .sort((a, b) => (lastAt[b] || 0) - (lastAt[a] || 0) || values[b] - values[a] || a - b)
          .slice(0, this.scaling.maxHistoryItems)
          .sort((a, b) => a - b);
      }
      const latest = this.m.customerLastAt[u];
      const items = new Int32Array(positions.length);
      const values = new Float64Array(positions.length);
      const bought: boolean[] = [];
      positions.forEach((p, t) => {
        items[t] = this.m.colIdx[p];
        values[t] = this.m.values[p] * this.historyDecay(latest, this.m.lastAt[p]);
        bought.push(this.m.purchased[p] === 1);
      });
      return { row: { items, values, customerIndex: u }, bought, ids };
    }
    // Ad-hoc history: aggregate like training does so scores are on the same scale.
    const strength = new Map<string, { s: number; bought: boolean; at: number }>();
    let latest = NaN;
    for (const entry of query) {
      const itemId = typeof entry === 'string' ? entry : entry.itemId;
      const kind: EventKind = typeof entry === 'string' ? 'purchase' : entry.kind ?? 'purchase';
      const at = typeof entry === 'string' || entry.at === undefined ? NaN : +entry.at;
      const prev = strength.get(itemId) ?? { s: 0, bought: false, at: NaN };
      prev.s += this.scaling.eventWeights[kind] ?? 0;
      prev.bought ||= kind === 'purchase';
      if (!(prev.at >= at)) prev.at = at;
      if (!(latest >= at)) latest = at;
      strength.set(itemId, prev);
    }
    const items: number[] = [];
    const values: number[] = [];
    const bought: boolean[] = [];
    let keys = [...strength.keys()];
    if (keys.length > this.scaling.maxHistoryItems) {
      keys = keys.sort((a, b) => (strength.get(b)!.at || 0) - (strength.get(a)!.at || 0) || compareIds(a, b))
        .slice(0, this.scaling.maxHistoryItems);
    }
    for (const id of keys.sort(compareIds)) {
      const i = this.m.itemIndex.get(id);
      const e = strength.get(id)!;
      if (i === undefined || e.s <= 0) continue;
      items.push(i);
      values.push(scaleValue(e.s, this.scaling.valueScale) * this.historyDecay(latest, e.at));
      bought.push(e.bought);
    }
    return { row: { items, values }, bought, ids: new Set(strength.keys()) };
  }

  /** Weight of a history event at `at` relative to the customer's latest event (1 without times). */
  private historyDecay(latest: number, at: number): number {
    const halfLife = this.scaling.historyHalfLifeDays;
    if (!(halfLife > 0) || Number.isNaN(latest) || Number.isNaN(at)) return 1;
    return Math.pow(0.5, (latest - at) / (halfLife * 86_400_000));
  }

  private isActive(id: string, options: { inactive?: ReadonlySet<string>; isActive?: (id: string) => boolean }): boolean {
    if (this.inactive.has(id) || options.inactive?.has(id)) return false;
    return options.isActive ? options.isActive(id) : true;
  }

  private titleOf(id: string): string {
    return this.titles.get(id) ?? id;
  }
}
