/**
 * Training of the sentiment model (pure: rows in, model out; deterministic for a given seed).
 * Multinomial logistic regression by SGD with per-row weights (so the general tweets and reviews do
 * not swamp the customer-service rows), L2 by weight decay on the touched buckets, epoch averaging,
 * and a softmax temperature fitted on a calibration split.
 */
import { rng, shuffleInPlace } from './linear';
import { hashSentimentFeatures, SENTIMENT_CLASSES, SentimentModel, softmax3, type HashedFeatures } from './sentimentModel';
import type { Language, SentimentLabel } from './types';

export interface WeightedSentimentRow {
  text: string;
  label: SentimentLabel;
  lang: Language;
  /** Sample weight (default 1). */
  weight?: number;
}

export interface SentimentTrainingOptions {
  bits: number;
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
  /** Plain SGD with a decaying rate, or AdaGrad (per-bucket rates: heavy rows do not blow up). */
  optimizer: 'sgd' | 'adagrad';
}

export const DEFAULT_SENTIMENT_TRAINING: SentimentTrainingOptions = { bits: 18, epochs: 6, learningRate: 0.4, l2: 2e-6, seed: 11, optimizer: 'sgd' };

export interface FeaturizedRow {
  f: HashedFeatures;
  y: number;
  weight: number;
}

export function featurize(rows: WeightedSentimentRow[], bits: number, lexicon?: ReadonlyMap<string, number>): FeaturizedRow[] {
  return rows.map((r) => ({ f: hashSentimentFeatures(r.text, r.lang, bits, lexicon), y: SENTIMENT_CLASSES.indexOf(r.label), weight: r.weight ?? 1 }));
}

/** Train on featurized rows; temperature 1 (see fitTemperature). */
export function trainSentimentModel(rows: FeaturizedRow[], options: Partial<SentimentTrainingOptions> = {}, lexicon: ReadonlyMap<string, number> = new Map()): SentimentModel {
  const o = { ...DEFAULT_SENTIMENT_TRAINING, ...options };
  const dim = 1 << o.bits;
  const w = new Float32Array(3 * dim);
  const avg = new Float64Array(3 * dim);
  const bias = [0, 0, 0];
  const avgBias = [0, 0, 0];
  const rand = rng(o.seed);
  const ada = o.optimizer === 'adagrad' ? new Float32Array(dim).fill(1e-2) : undefined;
  const adaBias = [1e-2, 1e-2, 1e-2];
  const order = rows.map((_, i) => i);
  const meanWeight = rows.reduce((s, r) => s + r.weight, 0) / Math.max(1, rows.length);
  let steps = 0;
  const total = o.epochs * rows.length;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffleInPlace(order, rand);
    for (const k of order) {
      const r = rows[k];
      const lr = o.learningRate / (1 + (3 * steps) / total);
      steps++;
      const z = [...bias];
      for (let i = 0; i < r.f.idx.length; i++) {
        const b = r.f.idx[i] * 3;
        const v = r.f.val[i];
        z[0] += w[b] * v;
        z[1] += w[b + 1] * v;
        z[2] += w[b + 2] * v;
      }
      const p = softmax3(z);
      const g = p.map((pc, c) => (pc - (c === r.y ? 1 : 0)) * (r.weight / meanWeight));
      if (ada) {
        const gg = (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]) / 3;
        for (let i = 0; i < r.f.idx.length; i++) {
          const bk = r.f.idx[i];
          const v = r.f.val[i];
          ada[bk] += gg * v * v;
          const step = o.learningRate / Math.sqrt(ada[bk]);
          const b = bk * 3;
          for (let c = 0; c < 3; c++) w[b + c] = w[b + c] * (1 - step * o.l2) - step * g[c] * v;
        }
        for (let c = 0; c < 3; c++) {
          adaBias[c] += g[c] * g[c];
          bias[c] -= (o.learningRate / Math.sqrt(adaBias[c])) * g[c];
        }
      } else {
        const decay = 1 - lr * o.l2 * rows.length * 0.001;
        for (let i = 0; i < r.f.idx.length; i++) {
          const b = r.f.idx[i] * 3;
          const v = r.f.val[i];
          for (let c = 0; c < 3; c++) w[b + c] = w[b + c] * decay - lr * g[c] * v;
        }
        for (let c = 0; c < 3; c++) bias[c] -= lr * 0.1 * g[c];
      }
    }
    // Average the weights of the last half of the epochs (smoother than the last iterate).
    if (epoch >= Math.floor(o.epochs / 2)) {
      for (let i = 0; i < w.length; i++) avg[i] += w[i];
      for (let c = 0; c < 3; c++) avgBias[c] += bias[c];
    }
  }
  const n = o.epochs - Math.floor(o.epochs / 2);
  const out = new Float32Array(3 * dim);
  for (let i = 0; i < out.length; i++) out[i] = avg[i] / n;
  return new SentimentModel(o.bits, out, avgBias.map((b) => b / n), 1, lexicon);
}

/** The temperature minimising the weighted log-loss of `model` on `rows` (grid search). */
export function fitTemperature(model: SentimentModel, rows: Array<{ text: string; lang: Language; label: SentimentLabel; weight?: number }>): number {
  const z = rows.map((r) => model.logits(r.text, r.lang));
  let best = 1;
  let bestLoss = Infinity;
  for (let t = 0.3; t <= 3.001; t += 0.05) {
    let loss = 0;
    rows.forEach((r, i) => {
      const p = softmax3(z[i], t)[SENTIMENT_CLASSES.indexOf(r.label)];
      loss -= (r.weight ?? 1) * Math.log(Math.max(p, 1e-12));
    });
    if (loss < bestLoss) {
      bestLoss = loss;
      best = Math.round(t * 100) / 100;
    }
  }
  return best;
}
