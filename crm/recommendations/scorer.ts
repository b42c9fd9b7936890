/**
 * What every trained algorithm provides to the shared serving code (filters, fallbacks,
 * explanations live in model.ts, once).
 */
export interface UserRow {
  /** Item indices of the customer's history (model's item index space). */
  items: ArrayLike<number>;
  /** Matrix values for those items (same order). */
  values: ArrayLike<number>;
  /** Training row index when the customer is known (lets ALS use its learned factors). */
  customerIndex?: number;
}

export interface ItemScorer {
  /** Writes a score for every item into `out` (length = item count); higher is better. */
  scoreUser(row: UserRow, out: Float64Array): void;
  /**
   * How much one unit of history item `from` pushes item `to`; used to name the history item that
   * contributed most ("because you bought X").
   */
  contribution(from: number, to: number): number;
  /** Similarity of every item to `item` into `out` (for "similar items"). */
  similarTo(item: number, out: Float64Array): void;
  /** Scores are meaningful only when positive (neighbour methods) or everywhere (factor models). */
  readonly positiveScoresOnly: boolean;
  readonly byteSize: number;
  /** What a snapshot needs to rebuild this scorer (snapshot.ts); the arrays are shared, not copied. */
  exportState?(): ScorerState;
}

/** A scorer's learned state: typed arrays plus small scalars (see the restore functions of each algorithm). */
export interface ScorerState {
  kind: 'ease' | 'item-knn' | 'als';
  scalars: Record<string, number>;
  arrays: Record<string, Float32Array | Float64Array | Int32Array>;
}
