/**
 * Pure math: multinomial logistic regression and one-vs-rest squared-hinge (linear SVM) models
 * trained by seeded SGD with L2 regularisation, plus softmax and temperature calibration.
 * No I/O here; given the same data, options and seed the result is bit-for-bit the same.
 */
import type { SparseVector } from './features';

/** Mulberry32: small, fast, seedable PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace<T>(arr: T[], rand: () => number): T[] {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
  return arr;
}

export type LossKind = 'softmax' | 'squared_hinge';

export interface LinearTrainOptions {
  loss: LossKind;
  /** L2 strength (per example, like sklearn's SGD alpha). */
  l2: number;
  epochs: number;
  /** Initial learning rate; decays as lr0 / (1 + lr0 * l2 * t). */
  learningRate: number;
  seed: number;
  /** Average the weights over the last part of training (ASGD): smoother, better generalisation. */
  averageFrom: number;
  /** Per-class weights (e.g. to balance classes); default all 1. */
  classWeights?: number[];
  /**
   * Independent SGD runs (seeds seed, seed+1, ...) whose weights are averaged. For a linear
   * model that equals averaging their scores: an ensemble at the cost of one model at run time.
   */
  restarts?: number;
}

export const DEFAULT_LINEAR_OPTIONS: LinearTrainOptions = {
  loss: 'softmax',
  l2: 1e-5,
  epochs: 15,
  learningRate: 0.5,
  seed: 42,
  averageFrom: 0.5,
};

/** Weights are feature-major: W[f * K + k], so a sparse row touches contiguous memory. */
export interface LinearModel {
  loss: LossKind;
  numFeatures: number;
  numClasses: number;
  weights: Float32Array;
  bias: Float32Array;
}

export function scores(model: LinearModel, x: SparseVector, out?: Float64Array): Float64Array {
  const K = model.numClasses;
  const s = out ?? new Float64Array(K);
  for (let k = 0; k < K; k++) s[k] = model.bias[k];
  const W = model.weights;
  for (let j = 0; j < x.idx.length; j++) {
    const base = x.idx[j] * K;
    const v = x.val[j];
    for (let k = 0; k < K; k++) s[k] += W[base + k] * v;
  }
  return s;
}

/** Numerically stable softmax of s / temperature. */
export function softmax(s: ArrayLike<number>, temperature = 1): Float64Array {
  const out = new Float64Array(s.length);
  let max = -Infinity;
  for (let i = 0; i < s.length; i++) max = Math.max(max, s[i] / temperature);
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    out[i] = Math.exp(s[i] / temperature - max);
    sum += out[i];
  }
  for (let i = 0; i < s.length; i++) out[i] /= sum;
  return out;
}

/**
 * SGD with the "scaled weight" trick for L2 (w = scale * v, so decay is O(1) per step) and
 * Polyak averaging of the later iterates, computed lazily with the same trick.
 */
export function trainLinear(
  xs: SparseVector[],
  ys: number[],
  numFeatures: number,
  numClasses: number,
  options: Partial<LinearTrainOptions> = {},
): LinearModel {
  const runs = Math.max(1, Math.floor(options.restarts ?? 1));
  if (runs === 1) return trainOnce(xs, ys, numFeatures, numClasses, options);
  const seed = options.seed ?? DEFAULT_LINEAR_OPTIONS.seed;
  const models = Array.from({ length: runs }, (_, r) => trainOnce(xs, ys, numFeatures, numClasses, { ...options, seed: seed + r }));
  const out = models[0];
  for (const m of models.slice(1)) {
    for (let q = 0; q < out.weights.length; q++) out.weights[q] += m.weights[q];
    for (let k = 0; k < out.bias.length; k++) out.bias[k] += m.bias[k];
  }
  for (let q = 0; q < out.weights.length; q++) out.weights[q] /= runs;
  for (let k = 0; k < out.bias.length; k++) out.bias[k] /= runs;
  return out;
}

function trainOnce(
  xs: SparseVector[],
  ys: number[],
  numFeatures: number,
  numClasses: number,
  options: Partial<LinearTrainOptions>,
): LinearModel {
  const o = { ...DEFAULT_LINEAR_OPTIONS, ...options };
  const K = numClasses;
  const n = xs.length;
  const v = new Float64Array(numFeatures * K); // current weights / scale
  const b = new Float64Array(K);
  // Averaging: avg = (sum over averaged steps of w_t) / count, maintained as
  // acc + (stepsSinceStart accumulated) via a second scaled accumulator (Xu 2011 style is
  // overkill here); we instead average once per epoch over the averaged epochs, which is cheap
  // (one pass over the dense weights per epoch) and nearly as good.
  const avgW = new Float64Array(numFeatures * K);
  const avgB = new Float64Array(K);
  let avgCount = 0;
  let scale = 1;
  const rand = rng(o.seed);
  const order = Array.from({ length: n }, (_, i) => i);
  const s = new Float64Array(K);
  const g = new Float64Array(K);
  const active = new Int32Array(K);
  const cw = o.classWeights;
  let t = 0;
  const startAvgEpoch = Math.floor(o.epochs * o.averageFrom);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffleInPlace(order, rand);
    for (const i of order) {
      const x = xs[i];
      const y = ys[i];
      const lr = o.learningRate / (1 + o.learningRate * o.l2 * t);
      t++;
      // scores with current weights
      for (let k = 0; k < K; k++) s[k] = b[k];
      for (let j = 0; j < x.idx.length; j++) {
        const base = x.idx[j] * K;
        const xv = x.val[j] * scale;
        for (let k = 0; k < K; k++) s[k] += v[base + k] * xv;
      }
      const w = cw ? cw[y] : 1;
      let any = false;
      if (o.loss === 'softmax') {
        let max = -Infinity;
        for (let k = 0; k < K; k++) if (s[k] > max) max = s[k];
        let sum = 0;
        for (let k = 0; k < K; k++) {
          g[k] = Math.exp(s[k] - max);
          sum += g[k];
        }
        for (let k = 0; k < K; k++) {
          g[k] = w * (g[k] / sum - (k === y ? 1 : 0));
          if (Math.abs(g[k]) > 1e-7) any = true;
          else g[k] = 0;
        }
      } else {
        // one-vs-rest squared hinge: L = sum_k max(0, 1 - y_k s_k)^2, y_k in {-1, +1}
        for (let k = 0; k < K; k++) {
          const yk = k === y ? 1 : -1;
          const margin = 1 - yk * s[k];
          g[k] = margin > 0 ? -2 * w * yk * margin : 0;
          if (g[k] !== 0) any = true;
        }
      }
      scale *= 1 - lr * o.l2;
      if (any) {
        const step = lr / scale;
        // Only classes with a non-zero gradient are touched (few, for the hinge loss).
        let na = 0;
        for (let k = 0; k < K; k++) if (g[k] !== 0) active[na++] = k;
        for (let j = 0; j < x.idx.length; j++) {
          const base = x.idx[j] * K;
          const xv = x.val[j] * step;
          for (let a = 0; a < na; a++) {
            const k = active[a];
            v[base + k] -= g[k] * xv;
          }
        }
        for (let k = 0; k < K; k++) b[k] -= lr * g[k];
      }
      if (scale < 1e-9) {
        for (let q = 0; q < v.length; q++) v[q] *= scale;
        scale = 1;
      }
    }
    if (epoch >= startAvgEpoch) {
      for (let q = 0; q < v.length; q++) avgW[q] += v[q] * scale;
      for (let k = 0; k < K; k++) avgB[k] += b[k];
      avgCount++;
    }
  }
  const weights = new Float32Array(numFeatures * K);
  const bias = new Float32Array(K);
  if (avgCount > 0) {
    for (let q = 0; q < weights.length; q++) weights[q] = avgW[q] / avgCount;
    for (let k = 0; k < K; k++) bias[k] = avgB[k] / avgCount;
  } else {
    for (let q = 0; q < weights.length; q++) weights[q] = v[q] * scale;
    for (let k = 0; k < K; k++) bias[k] = b[k];
  }
  return { loss: o.loss, numFeatures, numClasses: K, weights, bias };
}

/** Mean negative log-likelihood of labels under softmax(scores / T). */
export function nll(allScores: Float64Array[], ys: number[], temperature: number): number {
  let total = 0;
  for (let i = 0; i < allScores.length; i++) {
    const p = softmax(allScores[i], temperature);
    total -= Math.log(Math.max(p[ys[i]], 1e-12));
  }
  return total / Math.max(1, allScores.length);
}

/** Temperature scaling: the T in [0.05, 20] minimising NLL (golden-section search on log T). */
export function fitTemperature(allScores: Float64Array[], ys: number[]): number {
  if (allScores.length === 0) return 1;
  let lo = Math.log(0.05);
  let hi = Math.log(20);
  const phi = (Math.sqrt(5) - 1) / 2;
  let c = hi - phi * (hi - lo);
  let d = lo + phi * (hi - lo);
  let fc = nll(allScores, ys, Math.exp(c));
  let fd = nll(allScores, ys, Math.exp(d));
  for (let it = 0; it < 40; it++) {
    if (fc < fd) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - phi * (hi - lo);
      fc = nll(allScores, ys, Math.exp(c));
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + phi * (hi - lo);
      fd = nll(allScores, ys, Math.exp(d));
    }
  }
  return Math.exp((lo + hi) / 2);
}
