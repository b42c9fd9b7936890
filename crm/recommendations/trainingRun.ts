/**
 * The CPU-heavy part of a training run, free of I/O so it runs the same on the calling thread and in
 * a worker thread (trainingThread.ts): build the matrix, train the scorer, evaluate (small
 * catalogues), serialize the snapshot. Interactions cross threads packed as typed arrays with
 * interned id tables (a few bytes per event instead of an object each).
 */
import { trainRecommender, type TrainOptions } from './model';
import { serializeRecommender } from './snapshot';
import type { CatalogItem, EventKind, Interaction, ModelInfo } from './types';

/** Training options that can cross a thread boundary (no functions: the clock is a timestamp). */
export type PortableTrainOptions = Omit<TrainOptions, 'catalog' | 'now'>;

/** Interactions as parallel typed arrays: row i is customerIds[customer[i]] × itemIds[item[i]]. */
export interface PackedInteractions {
  customerIds: string[];
  itemIds: string[];
  customer: Int32Array;
  item: Int32Array;
  /** 0 = not given (defaults to purchase), then KINDS[kind - 1]. */
  kind: Uint8Array;
  /** Epoch ms; NaN = not given. */
  at: Float64Array;
}

export interface TrainingRunInput {
  interactions: PackedInteractions;
  catalog: CatalogItem[];
  options: PortableTrainOptions;
  /** trainedAt of the version (taken by the caller, so thread and inline runs agree). */
  trainedAtMs: number;
  /** Offline evaluation up to this many items (0 = never). */
  evaluateMaxItems: number;
}

export interface OfflineMetrics {
  /** Customers whose latest purchased item was held out. */
  evaluatedCustomers: number;
  k: number;
  /** Share of them for whom the held-out item is in the top k. */
  hitRate: number;
  /** The same for "popular right now" alone (the baseline to beat). */
  popularityHitRate: number;
  /** Share of the catalogue's items recommended to at least one evaluated customer. */
  coverage: number;
}

export interface TrainingRunOutput {
  /** serializeRecommender bytes of the trained model. */
  snapshot: Uint8Array;
  info: ModelInfo;
  metrics: OfflineMetrics | null;
  /** worker_threads threadId the work ran on (0 = the main thread). */
  threadId: number;
}

const KINDS: readonly EventKind[] = ['purchase', 'add_to_cart', 'view'];

export function packInteractions(interactions: readonly Interaction[]): PackedInteractions {
  const customerIds: string[] = [];
  const itemIds: string[] = [];
  const customerOf = new Map<string, number>();
  const itemOf = new Map<string, number>();
  const n = interactions.length;
  const packed: PackedInteractions = {
    customerIds, itemIds, customer: new Int32Array(n), item: new Int32Array(n), kind: new Uint8Array(n), at: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const e = interactions[i];
    let c = customerOf.get(e.customerId);
    if (c === undefined) customerOf.set(e.customerId, (c = customerIds.push(e.customerId) - 1));
    let t = itemOf.get(e.itemId);
    if (t === undefined) itemOf.set(e.itemId, (t = itemIds.push(e.itemId) - 1));
    packed.customer[i] = c;
    packed.item[i] = t;
    packed.kind[i] = e.kind === undefined ? 0 : KINDS.indexOf(e.kind) + 1;
    packed.at[i] = e.at === undefined ? NaN : +e.at;
  }
  return packed;
}

export function unpackInteractions(p: PackedInteractions): Interaction[] {
  const out: Interaction[] = new Array(p.customer.length);
  for (let i = 0; i < out.length; i++) {
    const e: Interaction = { customerId: p.customerIds[p.customer[i]], itemId: p.itemIds[p.item[i]] };
    if (p.kind[i] > 0) e.kind = KINDS[p.kind[i] - 1];
    if (!Number.isNaN(p.at[i])) e.at = p.at[i];
    out[i] = e;
  }
  return out;
}

/** The buffers to transfer (not copy) with a packed set. */
export function transferablesOf(p: PackedInteractions): ArrayBuffer[] {
  return [p.customer.buffer, p.item.buffer, p.kind.buffer, p.at.buffer] as ArrayBuffer[];
}

/** Trains, evaluates and serializes: the same input gives the same version on any thread. */
export function runTraining(input: Omit<TrainingRunInput, 'interactions'> & { interactions: readonly Interaction[] }, threadId: number): TrainingRunOutput {
  const trainedAt = new Date(input.trainedAtMs);
  const options: TrainOptions = { ...input.options, catalog: input.catalog, now: () => trainedAt };
  const model = trainRecommender(input.interactions, options);
  const metrics = model.info.items <= input.evaluateMaxItems ? evaluateHoldout(input.interactions, input.catalog, options) : null;
  return { snapshot: serializeRecommender(model), info: model.info, metrics, threadId };
}

const EVAL_MAX_CUSTOMERS = 2000;

/**
 * Leave-last-out: for customers with at least two purchased items, the most recently bought one is
 * removed from training and should come back in their top k. Deterministic (ties by item id).
 */
export function evaluateHoldout(interactions: readonly Interaction[], catalog: readonly CatalogItem[], options: TrainOptions): OfflineMetrics | null {
  const latest = new Map<string, { itemId: string; at: number }>();
  const bought = new Map<string, Set<string>>();
  for (const e of interactions) {
    if ((e.kind ?? 'purchase') !== 'purchase') continue;
    const set = bought.get(e.customerId) ?? new Set<string>();
    set.add(e.itemId);
    bought.set(e.customerId, set);
    const at = e.at === undefined ? 0 : +e.at;
    const prev = latest.get(e.customerId);
    if (!prev || at > prev.at || (at === prev.at && e.itemId > prev.itemId)) latest.set(e.customerId, { itemId: e.itemId, at });
  }
  const heldOut = new Map<string, string>();
  for (const [customerId, items] of [...bought].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (items.size >= 2 && heldOut.size < EVAL_MAX_CUSTOMERS) heldOut.set(customerId, latest.get(customerId)!.itemId);
  }
  if (heldOut.size === 0) return null;
  const train = interactions.filter((e) => heldOut.get(e.customerId) !== e.itemId);
  // Top 10, or fewer for a tiny catalogue (top 10 of 15 products says nothing).
  const k = Math.max(1, Math.min(10, Math.floor(new Set(interactions.map((e) => e.itemId)).size / 5)));
  const model = trainRecommender(train, { ...options, catalog, now: () => new Date(0) });
  const baseline = trainRecommender(train, { ...options, algorithm: 'popularity', catalog, now: () => new Date(0) });
  let hits = 0;
  let baselineHits = 0;
  const shown = new Set<string>();
  for (const [customerId, target] of heldOut) {
    const recs = model.recommend(customerId, { k: k });
    for (const r of recs) shown.add(r.itemId);
    if (recs.some((r) => r.itemId === target)) hits++;
    if (baseline.recommend(customerId, { k: k }).some((r) => r.itemId === target)) baselineHits++;
  }
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    evaluatedCustomers: heldOut.size,
    k,
    hitRate: round(hits / heldOut.size),
    popularityHitRate: round(baselineHits / heldOut.size),
    coverage: round(shown.size / Math.max(1, catalog.length || model.info.items)),
  };
}
