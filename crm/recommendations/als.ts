import type { InteractionMatrix } from './matrix';
import type { ItemScorer, ScorerState, UserRow } from './scorer';
import { seededRandom } from '../random';

export interface AlsParams {
  factors: number;
  iterations: number;
  /** L2 regularisation of both factor matrices. */
  regularization: number;
  /** Confidence c = 1 + alpha·value (Hu, Koren & Volinsky 2008). */
  alpha: number;
  /** Conjugate-gradient steps per factor solve (Takács et al. 2011): 3 is usually enough with warm starts. */
  cgSteps: number;
  /** PRNG seed for the initial factors: same seed, same model. */
  seed: number;
}

/**
 * Measured on the retail benchmark (HR@10): α=10, λ=1 → 0.42 with the default popularity blend;
 * α=20, λ=0.1 → 0.34 without blend; 128 factors (α=10, λ=1) → 0.43 with blend but twice the
 * training time and serving cost.
 */
export const DEFAULT_ALS_PARAMS: AlsParams = {
  factors: 64, iterations: 15, regularization: 1, alpha: 10, cgSteps: 3, seed: 42,
};

// Seeded, so models are reproducible (the generator is shared with crm/'s demo data).
export { seededRandom };

/**
 * Implicit-feedback matrix factorisation by alternating least squares, each least-squares problem
 * solved approximately by conjugate gradient warm-started from the previous iterate.
 */
export function trainAls(m: InteractionMatrix, params: AlsParams): ItemScorer {
  const f = params.factors;
  const nUsers = m.customerIds.length, nItems = m.itemIds.length;
  const rand = seededRandom(params.seed);
  const userF = new Float64Array(nUsers * f);
  const itemF = new Float64Array(nItems * f);
  for (let i = 0; i < userF.length; i++) userF[i] = (rand() - 0.5) * 0.01;
  for (let i = 0; i < itemF.length; i++) itemF[i] = (rand() - 0.5) * 0.01;
  const solver = new CgSolver(f, params);
  for (let it = 0; it < params.iterations; it++) {
    solver.solveAll(userF, itemF, nUsers, m.rowPtr, m.colIdx, m.values);
    solver.solveAll(itemF, userF, nItems, m.colPtr, m.rowIdx, m.colValues);
  }
  return new AlsScorer(userF, itemF, f, nItems, solver, params);
}

class CgSolver {
  private readonly gram: Float64Array;
  private readonly r: Float64Array;
  private readonly p: Float64Array;
  private readonly ap: Float64Array;

  constructor(private readonly f: number, private readonly params: AlsParams) {
    this.gram = new Float64Array(f * f);
    this.r = new Float64Array(f);
    this.p = new Float64Array(f);
    this.ap = new Float64Array(f);
  }

  /** YᵀY + λI of the fixed side, shared by every row's solve. */
  prepare(fixed: Float64Array, nFixed: number): void {
    const f = this.f, g = this.gram;
    g.fill(0);
    for (let n = 0; n < nFixed; n++) {
      const off = n * f;
      for (let a = 0; a < f; a++) {
        const va = fixed[off + a];
        if (va === 0) continue;
        for (let b = 0; b <= a; b++) g[a * f + b] += va * fixed[off + b];
      }
    }
    for (let a = 0; a < f; a++) {
      for (let b = 0; b < a; b++) g[b * f + a] = g[a * f + b];
      g[a * f + a] += this.params.regularization;
    }
  }

  solveAll(target: Float64Array, fixed: Float64Array, nTarget: number, ptr: Int32Array, idx: Int32Array, vals: Float64Array): void {
    this.prepare(fixed, fixed.length / this.f);
    for (let t = 0; t < nTarget; t++) {
      this.solveRow(target, t * this.f, fixed, idx, vals, ptr[t], ptr[t + 1], this.params.cgSteps);
    }
  }

  /**
   * Approximately solves (YᵀY + λI + Σ_i (c_i−1)·y_i·y_iᵀ)·x = Σ_i c_i·y_i in place at x = target[off..].
   * Entries idx[start..end) with values vals give the rows y_i of `fixed` and c_i = 1 + alpha·v_i.
   */
  solveRow(target: Float64Array, off: number, fixed: Float64Array, idx: ArrayLike<number>, vals: ArrayLike<number>,
    start: number, end: number, steps: number): void {
    const f = this.f, g = this.gram, r = this.r, p = this.p, ap = this.ap, alpha = this.params.alpha;
    // r = b − A·x
    for (let a = 0; a < f; a++) {
      let s = 0;
      for (let b = 0; b < f; b++) s -= g[a * f + b] * target[off + b];
      r[a] = s;
    }
    for (let q = start; q < end; q++) {
      const yOff = idx[q] * f;
      const c = 1 + alpha * vals[q];
      let yx = 0;
      for (let a = 0; a < f; a++) yx += fixed[yOff + a] * target[off + a];
      const coef = c - (c - 1) * yx;
      for (let a = 0; a < f; a++) r[a] += coef * fixed[yOff + a];
    }
    let rsOld = 0;
    for (let a = 0; a < f; a++) { p[a] = r[a]; rsOld += r[a] * r[a]; }
    for (let step = 0; step < steps && rsOld > 1e-20; step++) {
      for (let a = 0; a < f; a++) {
        let s = 0;
        for (let b = 0; b < f; b++) s += g[a * f + b] * p[b];
        ap[a] = s;
      }
      for (let q = start; q < end; q++) {
        const yOff = idx[q] * f;
        const c = 1 + alpha * vals[q];
        let yp = 0;
        for (let a = 0; a < f; a++) yp += fixed[yOff + a] * p[a];
        const coef = (c - 1) * yp;
        for (let a = 0; a < f; a++) ap[a] += coef * fixed[yOff + a];
      }
      let pAp = 0;
      for (let a = 0; a < f; a++) pAp += p[a] * ap[a];
      if (pAp <= 0) break;
      const stepSize = rsOld / pAp;
      let rsNew = 0;
      for (let a = 0; a < f; a++) {
        target[off + a] += stepSize * p[a];
        r[a] -= stepSize * ap[a];
        rsNew += r[a] * r[a];
      }
      const beta = rsNew / rsOld;
      for (let a = 0; a < f; a++) p[a] = r[a] + beta * p[a];
      rsOld = rsNew;
    }
  }
}

class AlsScorer implements ItemScorer {
  readonly positiveScoresOnly = false;
  private readonly itemNorms: Float64Array;
  private readonly foldIn: Float64Array;

  constructor(private readonly userF: Float64Array, private readonly itemF: Float64Array, private readonly f: number,
    private readonly nItems: number, private readonly solver: CgSolver, private readonly params?: AlsParams) {
    this.itemNorms = new Float64Array(nItems);
    for (let i = 0; i < nItems; i++) {
      let s = 0;
      for (let a = 0; a < f; a++) s += itemF[i * f + a] ** 2;
      this.itemNorms[i] = Math.sqrt(s) || 1;
    }
    this.foldIn = new Float64Array(f);
    // The solver's Gram must be the item side for folding in new customers.
    solver.prepare(itemF, nItems);
  }

  get byteSize(): number {
    return this.userF.byteLength + this.itemF.byteLength + this.itemNorms.byteLength;
  }

  exportState(): ScorerState {
    const p = this.params ?? DEFAULT_ALS_PARAMS;
    return {
      kind: 'als',
      scalars: { factors: this.f, items: this.nItems, iterations: p.iterations, regularization: p.regularization, alpha: p.alpha, cgSteps: p.cgSteps, seed: p.seed },
      arrays: { userF: this.userF, itemF: this.itemF },
    };
  }

  scoreUser(row: UserRow, out: Float64Array): void {
    const f = this.f;
    let x: Float64Array;
    let off: number;
    if (row.customerIndex !== undefined) {
      x = this.userF; off = row.customerIndex * f;
    } else {
      // Fold-in: solve the customer's factors against the fixed item factors (exact enough with f steps).
      x = this.foldIn; off = 0; x.fill(0);
      this.solver.solveRow(x, 0, this.itemF, row.items, row.values, 0, row.items.length, f);
    }
    for (let i = 0; i < this.nItems; i++) {
      let s = 0;
      const io = i * f;
      for (let a = 0; a < f; a++) s += x[off + a] * this.itemF[io + a];
      out[i] = s;
    }
  }

  /** Cosine of item factors: the history item most aligned with the recommended one. */
  contribution(from: number, to: number): number {
    const f = this.f;
    let s = 0;
    for (let a = 0; a < f; a++) s += this.itemF[from * f + a] * this.itemF[to * f + a];
    return s / (this.itemNorms[from] * this.itemNorms[to]);
  }

  similarTo(item: number, out: Float64Array): void {
    for (let j = 0; j < this.nItems; j++) out[j] = this.contribution(item, j);
  }
}

/** Rebuilds an ALS scorer from its exported state (snapshot.ts): the fold-in solver is set up again. */
export function restoreAls(state: ScorerState): ItemScorer {
  const { userF, itemF } = state.arrays;
  const s = state.scalars;
  if (!(userF instanceof Float64Array) || !(itemF instanceof Float64Array) || itemF.length !== s.items * s.factors) {
    throw new Error('ALS snapshot: factor arrays do not match the sizes');
  }
  const params: AlsParams = { factors: s.factors, iterations: s.iterations, regularization: s.regularization, alpha: s.alpha, cgSteps: s.cgSteps, seed: s.seed };
  return new AlsScorer(userF, itemF, s.factors, s.items, new CgSolver(s.factors, params), params);
}
