import { invertSpd } from './linalg';
import type { InteractionMatrix } from './matrix';
import type { ItemScorer, ScorerState, UserRow } from './scorer';

export interface EaseParams {
  /** L2 regularisation added to the Gram diagonal (default 500: best of 50/200/500/1500 on the retail benchmark). */
  lambda: number;
}

export const DEFAULT_EASE_PARAMS: EaseParams = { lambda: 500 };

/**
 * EASE (Steck 2019): B = I − P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹, zero diagonal.
 * Closed form, no sampling or epochs; cost is one dense n×n inverse (n = items), so it suits
 * catalogues up to a few thousand items. B is kept in Float32 (half the memory, plenty of precision).
 */
export function trainEase(m: InteractionMatrix, params: EaseParams): ItemScorer {
  const n = m.itemIds.length;
  const gram = new Float64Array(n * n);
  // XᵀX by customer: each pair of a customer's items, lower triangle only (symmetric).
  for (let u = 0; u < m.customerIds.length; u++) {
    const start = m.rowPtr[u], end = m.rowPtr[u + 1];
    for (let p = start; p < end; p++) {
      const i = m.colIdx[p], vi = m.values[p];
      const rowI = i * n;
      for (let q = start; q <= p; q++) gram[rowI + m.colIdx[q]] += vi * m.values[q];
    }
  }
  for (let i = 0; i < n; i++) gram[i * n + i] += params.lambda;
  const p = invertSpd(gram, n); // lower triangle was filled: column indices within a row are sorted ascending
  const weights = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      weights[i * n + j] = i === j ? 0 : -p[i * n + j] / p[j * n + j];
    }
  }
  return new EaseScorer(weights, n);
}

class EaseScorer implements ItemScorer {
  readonly positiveScoresOnly = true;
  constructor(private readonly weights: Float32Array, private readonly n: number) {}

  get byteSize(): number {
    return this.weights.byteLength;
  }

  exportState(): ScorerState {
    return { kind: 'ease', scalars: { n: this.n }, arrays: { weights: this.weights } };
  }

  scoreUser(row: UserRow, out: Float64Array): void {
    const n = this.n, w = this.weights;
    for (let t = 0; t < row.items.length; t++) {
      const off = row.items[t] * n;
      const v = row.values[t];
      for (let j = 0; j < n; j++) out[j] += v * w[off + j];
    }
  }

  contribution(from: number, to: number): number {
    return this.weights[from * this.n + to];
  }

  similarTo(item: number, out: Float64Array): void {
    const off = item * this.n;
    for (let j = 0; j < this.n; j++) out[j] = this.weights[off + j];
  }
}

/** Rebuilds an EASE scorer from its exported state (snapshot.ts). */
export function restoreEase(state: ScorerState): ItemScorer {
  const weights = state.arrays.weights;
  const n = state.scalars.n;
  if (!(weights instanceof Float32Array) || weights.length !== n * n) throw new Error('EASE snapshot: weights do not match the item count');
  return new EaseScorer(weights, n);
}
