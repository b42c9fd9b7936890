/**
 * Training from the database: purchases (order lines) and behavioural events become interactions,
 * the product table the catalogue (categories, active flags, names); the trained model is stored as a
 * new version (RecommendationModelStore) and activated, unless a supervisor pinned a version (then it
 * is stored only, `notActivatedReason: 'pinned'`). Used by the worker job and, for a small shop
 * with no model yet, at web start-up.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db';
import { loadCatalog, loadInteractions } from '../commerce/analytics';
import { queryRows } from '../commerce/rows';
import { outbox } from '../schema';
import { RecommendationModelStore, type SaveModelResult } from './store';
import { TrainingThread } from './trainingThread';
import { packInteractions, runTraining, type OfflineMetrics, type PortableTrainOptions, type TrainingRunInput } from './trainingRun';
import type { AlgorithmName, ModelInfo } from './types';

export { evaluateHoldout, type OfflineMetrics } from './trainingRun';

export interface TrainingOptions {
  db: Db;
  store?: RecommendationModelStore;
  /** config RECOMMENDATIONS_ALGORITHM (default ease). */
  algorithm?: AlgorithmName;
  /** Further training options (weights, blends); the catalogue comes from the database. */
  train?: PortableTrainOptions;
  /** trainedAt clock (tests, reproducible builds); default the current time. */
  now?: () => Date;
  /** Offline evaluation (a second training without each customer's latest purchase) up to this many items. Default 2000. */
  evaluateMaxItems?: number;
  /** Versions to keep (default 3). */
  keep?: number;
  /**
   * Where the CPU-heavy part runs: `thread` (default) a worker thread, so the process keeps serving;
   * `inline` the calling thread (small catalogues, e.g. the start-up training of the demo shop).
   */
  execution?: 'thread' | 'inline';
  /** The thread runner (default a new TrainingThread). */
  thread?: Pick<TrainingThread, 'run'>;
}

export interface TrainingResult extends SaveModelResult {
  info: ModelInfo;
  /** The stored snapshot bytes (deserializeRecommender gives the model back). */
  snapshot: Buffer;
  metrics: OfflineMetrics | null;
  /** worker_threads threadId the training ran on (0 = the main thread). */
  threadId: number;
}

export class RecommendationTrainer {
  private readonly store: RecommendationModelStore;

  constructor(private readonly o: TrainingOptions) {
    this.store = o.store ?? new RecommendationModelStore(o.db);
  }

  /**
   * Loads the data (here), trains, evaluates (small catalogues) and serializes (in a worker thread
   * unless `execution: 'inline'`), then stores and activates the version in one transaction (here):
   * a run killed before the commit leaves nothing behind. While a version is pinned the new one is
   * stored with its metrics but not activated (`activated: false`, `notActivatedReason: 'pinned'`).
   */
  async trainAndActivate(): Promise<TrainingResult> {
    const [interactions, catalog] = await Promise.all([loadInteractions(this.o.db), loadCatalog(this.o.db)]);
    const input: Omit<TrainingRunInput, 'interactions'> = {
      catalog,
      options: { ...this.o.train, algorithm: this.o.algorithm ?? 'ease' },
      trainedAtMs: (this.o.now?.() ?? new Date()).getTime(),
      evaluateMaxItems: this.o.evaluateMaxItems ?? 2000,
    };
    const out =
      (this.o.execution ?? 'thread') === 'thread'
        ? await (this.o.thread ?? new TrainingThread()).run({ ...input, interactions: packInteractions(interactions) })
        : runTraining({ ...input, interactions }, 0);
    const snapshot = Buffer.from(out.snapshot.buffer, out.snapshot.byteOffset, out.snapshot.byteLength);
    const saved = await this.store.saveSnapshot(snapshot, out.info, { activate: true, metrics: out.metrics ? { ...out.metrics } : {}, keep: this.o.keep });
    return { ...saved, info: out.info, snapshot, metrics: out.metrics, threadId: out.threadId };
  }
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
