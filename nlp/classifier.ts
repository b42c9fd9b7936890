/**
 * Intent classifier: TF-IDF features (+ optional dense sentence embeddings) → linear model →
 * temperature-calibrated softmax probabilities, with an out-of-scope rule: a rejection score
 * (rejection.ts) at or above a threshold, both chosen on out-of-fold scores.
 */
import { Featurizer, DEFAULT_FEATURE_OPTIONS, featureText, rawFeatures, type FeatureOptions, type SparseVector } from './features';
import {
  DEFAULT_LINEAR_OPTIONS,
  fitTemperature,
  rng,
  scores,
  shuffleInPlace,
  softmax,
  trainLinear,
  type LinearModel,
  type LinearTrainOptions,
} from './linear';
import { rejectionScores, type RejectionScoreName } from './rejection';
import { detectLanguage, normalizeText, tokenize } from './text';
import { OUT_OF_SCOPE, type IntentScore, type LabelledExample, type Language } from './types';

/** A sentence embedder (see embeddings.ts); vectors should be L2-normalised. */
export interface Embedder {
  /** Identifies the model, recorded in the trained model so a mismatch is detected. */
  readonly id: string;
  readonly dim: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}

export interface ClassifierOptions {
  features: FeatureOptions;
  linear: LinearTrainOptions;
  /** Hold out this fraction (stratified, seeded) to fit temperature and OOS threshold, then retrain on all. 0 disables. */
  calibrationFraction: number;
  /**
   * With 2 or more, fit temperature and OOS threshold on out-of-fold scores of this many stratified
   * folds instead of one calibration split (calibrationFraction then only switches calibration on):
   * every row is scored once, so the threshold no longer hangs on the two dozen out-of-scope rows of
   * one split. Costs this many extra trainings.
   */
  calibrationFolds: number;
  /** Weight of the embedding block relative to the (unit-norm) sparse block. */
  embeddingWeight: number;
  /**
   * How the OOS threshold is chosen on the calibration split: 'accuracy' maximises overall
   * accuracy; 'balanced' maximises the mean of in-scope accuracy and OOS recall; 'oos_x2'
   * maximises accuracy with out-of-scope rows counted twice (in between).
   */
  oosObjective: 'accuracy' | 'balanced' | 'oos_x2';
  /**
   * Which rejection score decides out of scope: 'auto' picks, on the calibration scores, the one
   * that serves oosObjective best among 'gap', 'oos' and 'prob' (only 'prob' without an
   * out_of_scope class). See rejection.ts.
   */
  rejection: RejectionScoreName | 'auto';
}

export const DEFAULT_CLASSIFIER_OPTIONS: ClassifierOptions = {
  features: DEFAULT_FEATURE_OPTIONS,
  linear: { ...DEFAULT_LINEAR_OPTIONS, loss: 'squared_hinge', l2: 1e-5, learningRate: 0.2, epochs: 12 },
  calibrationFraction: 0.15,
  calibrationFolds: 1,
  embeddingWeight: 1,
  oosObjective: 'accuracy',
  rejection: 'auto',
};

export interface ClassifierState {
  labels: string[];
  featurizer: { options: FeatureOptions; vocab: string[]; idf: number[] };
  loss: LinearModel['loss'];
  temperature: number;
  /** Below this top confidence the message counts as out of scope (0 = only the class decides). Models before `rejection`. */
  oosThreshold: number;
  /** Out of scope when this rejection score is at least the threshold (supersedes oosThreshold). */
  rejection?: { score: RejectionScoreName; threshold: number };
  embedding?: { id: string; dim: number; weight: number };
}

export interface Prediction {
  ranking: IntentScore[];
  /** Full probability vector in label order. */
  probs: Float64Array;
  outOfScope: boolean;
  /** The rejection score's value (higher = more likely out of scope); compare with state.rejection.threshold. */
  oosScore: number;
  /** The answer: out_of_scope when rejected, else the best in-scope intent (never out_of_scope then). */
  label: string;
}

export class IntentClassifier {
  private readonly featurizer: Featurizer;
  private readonly sparseSize: number;

  constructor(
    readonly state: ClassifierState,
    readonly model: LinearModel,
    private readonly embedder?: Embedder,
  ) {
    this.featurizer = new Featurizer(state.featurizer);
    this.sparseSize = this.featurizer.size;
    if (state.embedding && embedder && embedder.id !== state.embedding.id) {
      throw new Error(`model was trained with embeddings "${state.embedding.id}", got "${embedder.id}"`);
    }
  }

  get labels(): string[] {
    return this.state.labels;
  }

  /** Whether this model uses dense embeddings and has an embedder to compute them. */
  get usesEmbeddings(): boolean {
    return !!(this.state.embedding && this.embedder);
  }

  static async train(
    examples: LabelledExample[],
    options: Partial<ClassifierOptions> = {},
    embedder?: Embedder,
  ): Promise<IntentClassifier> {
    const o: ClassifierOptions = {
      ...DEFAULT_CLASSIFIER_OPTIONS,
      ...options,
      features: { ...DEFAULT_CLASSIFIER_OPTIONS.features, ...options.features },
      linear: { ...DEFAULT_CLASSIFIER_OPTIONS.linear, ...options.linear },
    };
    if (examples.length === 0) throw new Error('no training examples');
    const labels = [...new Set(examples.map((e) => e.intent))].sort();
    if (labels.length < 2) throw new Error('need at least two intents');
    const texts = examples.map((e) => normalizeText(e.text));
    const langs = examples.map((e, i) => e.lang ?? detectLanguage(texts[i]).language);
    const raws = texts.map((t, i) => {
      const f = featureText(t, o.features);
      return rawFeatures(tokenize(f, langs[i]), f, o.features);
    });
    const ys = examples.map((e) => labels.indexOf(e.intent));
    const dense = embedder ? await embedder.embed(texts) : undefined;
    const embedding = embedder ? { id: embedder.id, dim: embedder.dim, weight: o.embeddingWeight } : undefined;

    // One vocabulary and IDF over all rows, shared by the calibration folds and the final model: the
    // folds only fit temperature and rejection, and vectorising once saves most of the training time.
    const fz = Featurizer.fit(raws, o.features);
    const vectors = raws.map((r, i) => withDense(fz.vectorize(r), fz.size, dense?.[i], embedding?.weight));
    const fit = (rows: number[]) => {
      const model = trainLinear(rows.map((i) => vectors[i]), rows.map((i) => ys[i]), fz.size + (embedding?.dim ?? 0), labels.length, o.linear);
      return { fz, model };
    };

    let temperature = 1;
    let oosThreshold = 0;
    let rejection: ClassifierState['rejection'];
    const oosIndex = labels.indexOf(OUT_OF_SCOPE);
    const all = examples.map((_, i) => i);
    if (o.calibrationFraction > 0 && examples.length >= 20) {
      const folds = o.calibrationFolds >= 2 ? stratifiedFolds(ys, o.calibrationFolds, o.linear.seed) : [stratifiedSplit(ys, o.calibrationFraction, o.linear.seed)];
      const val = folds.flatMap((f) => f.val);
      if (val.length > 0) {
        const valScores: Float64Array[] = [];
        for (const fold of folds) {
          const { model } = fit(fold.train);
          for (const i of fold.val) valScores.push(scores(model, vectors[i]));
        }
        const valYs = val.map((i) => ys[i]);
        temperature = fitTemperature(valScores, valYs);
        const fitted = fitRejection(valScores, valYs, temperature, oosIndex, o.oosObjective, o.rejection);
        rejection = { score: fitted.score, threshold: fitted.threshold };
        oosThreshold = rejection.score === 'prob' ? Math.max(0, 1 - rejection.threshold) : 0;
      }
    }
    const { model } = fit(all);
    const state: ClassifierState = {
      labels,
      featurizer: fz.state,
      loss: model.loss,
      temperature,
      oosThreshold,
      rejection: rejection ?? { score: oosIndex >= 0 ? 'gap' : 'prob', threshold: oosIndex >= 0 ? 0 : Number.MAX_VALUE },
      ...(embedding ? { embedding } : {}),
    };
    return new IntentClassifier(state, model, embedder);
  }

  /** Sparse (+ dense) feature vector of one normalised text. */
  async vector(text: string, language: Language): Promise<SparseVector> {
    const sparse = this.featurizer.transform(text, language);
    if (!this.state.embedding || !this.embedder) return sparse;
    const [e] = await this.embedder.embed([text]);
    return withDense(sparse, this.sparseSize, e, this.state.embedding.weight);
  }

  predictVector(x: SparseVector, topK = 5): Prediction {
    const raw = scores(this.model, x);
    const probs = softmax(raw, this.state.temperature);
    const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
    const ranking = order.slice(0, topK).map((k) => ({ name: this.state.labels[k], confidence: round4(probs[k]) }));
    const top = order[0];
    const rule = this.state.rejection;
    if (!rule) {
      const outOfScope = this.state.labels[top] === OUT_OF_SCOPE || probs[top] < this.state.oosThreshold;
      return { ranking, probs, outOfScope, oosScore: 1 - probs[top], label: outOfScope ? OUT_OF_SCOPE : this.state.labels[top] };
    }
    const r = rejectionScores(raw, this.state.temperature, this.state.labels.indexOf(OUT_OF_SCOPE));
    const outOfScope = r[rule.score] >= rule.threshold;
    return { ranking, probs, outOfScope, oosScore: r[rule.score], label: outOfScope ? OUT_OF_SCOPE : this.state.labels[r.inTop] };
  }

  async predict(text: string, language?: Language, topK = 5): Promise<Prediction> {
    const t = normalizeText(text);
    const lang = language ?? detectLanguage(t).language;
    return this.predictVector(await this.vector(t, lang), topK);
  }
}

/** Append a dense block (scaled) after the sparse features. */
function withDense(x: SparseVector, offset: number, dense: Float32Array | undefined, weight = 1): SparseVector {
  if (!dense) return x;
  const n = x.idx.length;
  const out: SparseVector = { idx: new Int32Array(n + dense.length), val: new Float32Array(n + dense.length) };
  out.idx.set(x.idx);
  out.val.set(x.val);
  for (let i = 0; i < dense.length; i++) {
    out.idx[n + i] = offset + i;
    out.val[n + i] = dense[i] * weight;
  }
  return out;
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** Per-class seeded split so every class keeps examples on both sides. */
export function stratifiedSplit(ys: number[], fraction: number, seed: number): { train: number[]; val: number[] } {
  const rand = rng(seed ^ 0x5bd1e995);
  const byClass = new Map<number, number[]>();
  ys.forEach((y, i) => byClass.set(y, [...(byClass.get(y) ?? []), i]));
  const train: number[] = [];
  const val: number[] = [];
  for (const y of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = shuffleInPlace([...byClass.get(y)!], rand);
    const k = idx.length >= 3 ? Math.max(1, Math.round(idx.length * fraction)) : 0;
    val.push(...idx.slice(0, k));
    train.push(...idx.slice(k));
  }
  return { train: train.sort((a, b) => a - b), val: val.sort((a, b) => a - b) };
}

/** k stratified folds (seeded): each row is in exactly one fold's `val`, each class spread evenly over the folds. */
export function stratifiedFolds(ys: number[], k: number, seed: number): Array<{ train: number[]; val: number[] }> {
  const rand = rng(seed ^ 0x5bd1e995);
  const byClass = new Map<number, number[]>();
  ys.forEach((y, i) => byClass.set(y, [...(byClass.get(y) ?? []), i]));
  const foldOf = new Int32Array(ys.length);
  for (const y of [...byClass.keys()].sort((a, b) => a - b)) shuffleInPlace([...byClass.get(y)!], rand).forEach((i, j) => (foldOf[i] = j % k));
  const rows = ys.map((_, i) => i);
  return Array.from({ length: k }, (_, f) => ({ train: rows.filter((i) => foldOf[i] !== f), val: rows.filter((i) => foldOf[i] === f) }));
}

const objectiveScore = (objective: ClassifierOptions['oosObjective'], inOk: number, inN: number, oosOk: number, oosN: number): number =>
  objective === 'balanced'
    ? (inN ? inOk / inN : 0) / 2 + (oosN ? oosOk / oosN : 0) / 2
    : objective === 'oos_x2'
      ? (inOk + 2 * oosOk) / (inN + 2 * oosN)
      : (inOk + oosOk) / (inN + oosN);

/**
 * The rejection score and threshold that serve the objective best on calibration (out-of-fold)
 * scores. Every distinct score value is a candidate threshold, so the choice does not hang on a
 * fixed grid; among equal objectives the higher threshold (fewer rejections) wins.
 */
export function fitRejection(
  rawScores: Float64Array[],
  ys: number[],
  temperature: number,
  oosIndex: number,
  objective: ClassifierOptions['oosObjective'],
  choice: ClassifierOptions['rejection'] = 'auto',
): { score: RejectionScoreName; threshold: number; objective: number } {
  const names: RejectionScoreName[] = choice !== 'auto' ? [choice] : oosIndex >= 0 ? ['gap', 'oos', 'prob'] : ['prob'];
  const rows = rawScores.map((s, i) => ({ y: ys[i], r: rejectionScores(s, temperature, oosIndex) }));
  const oosN = rows.filter((x) => x.y === oosIndex).length;
  const inN = rows.length - oosN;
  let best: { score: RejectionScoreName; threshold: number; objective: number } = { score: names[0], threshold: Number.MAX_VALUE, objective: -1 };
  if (oosIndex < 0 || oosN === 0) return { score: names[0], threshold: names[0] === 'gap' ? 0 : Number.MAX_VALUE, objective: -1 };
  for (const name of names) {
    // Sweep thresholds from high (reject nothing) to low: one pass over rows sorted by score.
    const sorted = [...rows].sort((a, b) => b.r[name] - a.r[name]);
    let inOk = rows.filter((x) => x.y !== oosIndex && x.r.inTop === x.y).length;
    let oosOk = 0;
    const first = objectiveScore(objective, inOk, inN, oosOk, oosN);
    if (first > best.objective + 1e-12) best = { score: name, threshold: Number.MAX_VALUE, objective: first };
    for (let i = 0; i < sorted.length; i++) {
      const x = sorted[i];
      if (x.y === oosIndex) oosOk++;
      else if (x.r.inTop === x.y) inOk--;
      if (i + 1 < sorted.length && sorted[i + 1].r[name] === x.r[name]) continue;
      const value = objectiveScore(objective, inOk, inN, oosOk, oosN);
      if (value > best.objective + 1e-12) {
        // Halfway to the next lower score: a new message scoring in between is judged like its neighbours.
        const next = i + 1 < sorted.length ? sorted[i + 1].r[name] : x.r[name] - 1;
        best = { score: name, threshold: (x.r[name] + next) / 2, objective: value };
      }
    }
  }
  return best;
}

/**
 * Pick the confidence threshold that maximises accuracy when low-confidence predictions are
 * mapped to out_of_scope. Only meaningful when the data has an out_of_scope class.
 */
export function fitOosThreshold(
  probs: Float64Array[],
  ys: number[],
  oosIndex: number,
  objective: ClassifierOptions['oosObjective'] = 'accuracy',
): number {
  if (oosIndex < 0 || probs.length === 0) return 0;
  let best = 0;
  let bestScore = -1;
  for (let step = 0; step <= 30; step++) {
    const t = step / 50; // 0 .. 0.6
    let inOk = 0;
    let inN = 0;
    let oosOk = 0;
    let oosN = 0;
    probs.forEach((p, i) => {
      let top = 0;
      for (let k = 1; k < p.length; k++) if (p[k] > p[top]) top = k;
      const pred = p[top] < t ? oosIndex : top;
      if (ys[i] === oosIndex) {
        oosN++;
        if (pred === oosIndex) oosOk++;
      } else {
        inN++;
        if (pred === ys[i]) inOk++;
      }
    });
    const score =
      objective === 'balanced'
        ? (inN ? inOk / inN : 0) / 2 + (oosN ? oosOk / oosN : 0) / 2
        : objective === 'oos_x2'
          ? (inOk + 2 * oosOk) / (inN + 2 * oosN)
          : (inOk + oosOk) / (inN + oosN);
    // Strictly better only: among ties keep the lower threshold (fewer false rejections).
    if (score > bestScore + 1e-12) {
      bestScore = score;
      best = t;
    }
  }
  return best;
}
