/**
 * Training from the database: purchases (order lines) and behavioural events become interactions,
 * the product table the catalogue (categories, active flags, names); the trained model is stored as a
 * new version (RecommendationModelStore) and activated. Used by the worker job and, for a small shop
 * with no model yet, at web start-up.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db';
import { loadCatalog, loadInteractions } from '../commerce/analytics';
import { queryRows } from '../commerce/rows';
import { outbox } from '../schema';
import { trainRecommender, type TrainOptions } from './model';
import { RecommendationModelStore, type SaveModelResult } from './store';
import type { AlgorithmName, CatalogItem, Interaction, Recommender } from './types';

export interface TrainingOptions {
  db: Db;
  store?: RecommendationModelStore;
  /** config RECOMMENDATIONS_ALGORITHM (default ease). */
  algorithm?: AlgorithmName;
  /** Further training options (weights, blends); the catalogue comes from the database. */
  train?: Omit<TrainOptions, 'algorithm' | 'catalog'>;
  /** Offline evaluation (a second training without each customer's latest purchase) up to this many items. Default 2000. */
  evaluateMaxItems?: number;
  /** Versions to keep (default 3). */
  keep?: number;
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

export interface TrainingResult extends SaveModelResult {
  model: Recommender;
  metrics: OfflineMetrics | null;
}

const EVAL_MAX_CUSTOMERS = 2000;

export class RecommendationTrainer {
  private readonly store: RecommendationModelStore;

  constructor(private readonly o: TrainingOptions) {
    this.store = o.store ?? new RecommendationModelStore(o.db);
  }

  /** Loads the data, trains, evaluates (small catalogues), stores and activates the version. */
  async trainAndActivate(): Promise<TrainingResult> {
    const [interactions, catalog] = await Promise.all([loadInteractions(this.o.db), loadCatalog(this.o.db)]);
    const options: TrainOptions = { ...this.o.train, algorithm: this.o.algorithm ?? 'ease', catalog };
    const model = trainRecommender(interactions, options);
    const metrics = model.info.items <= (this.o.evaluateMaxItems ?? 2000) ? evaluateHoldout(interactions, catalog, options) : null;
    const saved = await this.store.save(model, { activate: true, metrics: metrics ? { ...metrics } : {}, keep: this.o.keep });
    return { ...saved, model, metrics };
  }
}

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

/** Outbox topic of "train the recommender" requests (relayed to the recommendation-training queue). */
export const RECOMMENDATIONS_TRAIN_TOPIC = 'recommendations.train';

/**
 * A short fingerprint of the training data (counts and latest changes of orders, lines, events and
 * products): the same data gives the same stamp, so a training request per stamp is one job.
 */
export async function trainingDataStamp(db: DbOrTx): Promise<string> {
  const [row] = await queryRows<Record<string, unknown>>(
    db,
    sql`select (select count(*) from orders)::text as orders, (select coalesce(max(updated_at), 'epoch') from orders)::text as orders_at,
               (select count(*) from order_lines)::text as lines, (select coalesce(max(id), 0) from customer_events)::text as events,
               (select count(*) from products)::text as products, (select coalesce(max(updated_at), 'epoch') from products)::text as products_at`,
  );
  return createHash('sha256').update(JSON.stringify(row)).digest('hex').slice(0, 16);
}

/**
 * Asks for a training run through the transactional outbox (e.g. in the transaction of an import):
 * one row per data stamp, so repeated requests for the same data are one job. Returns the dedupe key.
 */
export async function requestTrainingInOutbox(tx: DbOrTx, o: { reason?: string } = {}): Promise<string> {
  const stamp = await trainingDataStamp(tx);
  const dedupeKey = `recommendations:train:${stamp}`;
  await tx.insert(outbox).values({ topic: RECOMMENDATIONS_TRAIN_TOPIC, payload: { reason: o.reason ?? 'on-demand', stamp }, dedupeKey }).onConflictDoNothing();
  return dedupeKey;
}
