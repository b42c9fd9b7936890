/**
 * Sparse TF-IDF features: word uni/bigrams over normalised terms plus word-boundary-aware
 * character n-grams (English) or CJK character n-grams (Chinese). Each block (words, chars) is
 * L2-normalised on its own and weighted, so long character blocks do not drown the word block.
 */
import { tokenize, type Tokens } from './text';
import type { Language } from './types';

export interface FeatureOptions {
  /** Word n-gram orders, e.g. [1, 2]. */
  wordNgrams: [number, number];
  /** Character n-gram orders for Latin words (padded with spaces, like sklearn's char_wb). */
  charNgrams: [number, number];
  /** Character n-gram orders over runs of CJK characters. */
  cjkNgrams: [number, number];
  /** Drop features seen in fewer documents than this. */
  minDf: number;
  /** Use 1 + ln(tf) instead of tf. */
  sublinearTf: boolean;
  /** Relative weight of the character block (word block has weight 1). */
  charWeight: number;
  /** Also take Latin character n-grams across word boundaries (over the space-joined words). */
  crossWordChars?: boolean;
  /**
   * Read order numbers, emails and other digit codes as one token each ("ordernumber",
   * "emailaddress"): "where's A10042" then looks like every other order question, whatever the number.
   */
  maskEntities?: boolean;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = {
  wordNgrams: [1, 2],
  charNgrams: [2, 5],
  cjkNgrams: [1, 3],
  minDf: 1,
  sublinearTf: true,
  charWeight: 1,
};

const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}/g;
/**
 * An order-like code: letters then 4+ digits (A10042, ORD-55821), "#" then 4+ digits (#58213), or 5+
 * digits (12345678). Prices and years ($1299, 2026) stay what they are.
 */
const DIGIT_CODE = /(?<![A-Za-z0-9])(?:#?[A-Za-z]{1,4}-?[0-9]{4,}|#[0-9]{4,}|[0-9]{5,})(?![A-Za-z0-9])/g;

/** The text the features are taken from (see FeatureOptions.maskEntities). */
export function featureText(text: string, opts: Pick<FeatureOptions, 'maskEntities'>): string {
  if (!opts.maskEntities) return text;
  return text.replace(EMAIL, ' emailaddress ').replace(DIGIT_CODE, ' ordernumber ');
}

/** A sparse vector: parallel arrays of feature indices and values. */
export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

/**
 * Visit every feature occurrence of one text: word n-grams prefixed 'w', character n-grams
 * prefixed 'c'. A visitor (rather than a returned Map) lets inference look features up directly.
 */
export function forEachFeature(
  tokens: Tokens,
  text: string,
  opts: FeatureOptions,
  emit: (feature: string) => void,
  skipLatinChars = false,
): void {
  const terms = tokens.terms;
  for (let n = opts.wordNgrams[0]; n <= opts.wordNgrams[1]; n++) {
    if (n === 1) {
      for (const t of terms) emit('w' + t);
      continue;
    }
    const padded = ['<s>', ...terms, '</s>'];
    if (n === 2) for (let i = 0; i + 2 <= padded.length; i++) emit('w' + padded[i] + ' ' + padded[i + 1]);
    else for (let i = 0; i + n <= padded.length; i++) emit('w' + padded.slice(i, i + n).join(' '));
  }
  if (!skipLatinChars) {
    const latin = tokens.words.filter((w) => !CJK_CHAR.test(w));
    // char_wb style: each word padded with spaces; or the whole space-joined text.
    const pieces = opts.crossWordChars ? [' ' + latin.join(' ') + ' '] : latin.map((w) => ' ' + w + ' ');
    for (const p of pieces) charGrams(p, opts.charNgrams, emit);
  }
  const cjkRuns = text.toLowerCase().match(/[\u3400-\u9fff\uf900-\ufaff]+/g);
  if (cjkRuns) {
    const [zmin, zmax] = opts.cjkNgrams;
    for (const run of cjkRuns) {
      const p = '^' + run + '$';
      for (let n = zmin; n <= zmax; n++) {
        for (let i = 0; i + n <= p.length; i++) {
          const g = p.substr(i, n);
          if (g === '^' || g === '$') continue;
          emit('c' + g);
        }
      }
    }
  }
}

const CJK_CHAR = /[\u3400-\u9fff\uf900-\ufaff]/;

function charGrams(p: string, [cmin, cmax]: [number, number], emit: (feature: string) => void): void {
  if (p.length <= 2) return;
  for (let n = cmin; n <= cmax; n++) {
    if (n > p.length) break;
    for (let i = 0; i + n <= p.length; i++) emit('c' + p.substr(i, n));
  }
}

/** Raw feature counts of one text (training path: the vocabulary is not known yet). */
export function rawFeatures(tokens: Tokens, text: string, opts: FeatureOptions): Map<string, number> {
  const out = new Map<string, number>();
  forEachFeature(tokens, text, opts, (k) => out.set(k, (out.get(k) ?? 0) + 1));
  return out;
}

export interface FeaturizerState {
  options: FeatureOptions;
  /** Feature strings in index order. */
  vocab: string[];
  idf: number[];
}

export class Featurizer {
  private readonly index: Map<string, number>;
  private readonly idf: Float32Array;
  private readonly isChar: Uint8Array;
  /** Per-word character n-gram indices: words repeat across messages, so this saves most string work. */
  private readonly wordGrams = new Map<string, Int32Array>();

  constructor(readonly state: FeaturizerState) {
    this.index = new Map(state.vocab.map((f, i) => [f, i]));
    this.idf = Float32Array.from(state.idf);
    this.isChar = Uint8Array.from(state.vocab, (f) => (f.charCodeAt(0) === 99 /* 'c' */ ? 1 : 0));
  }

  get size(): number {
    return this.state.vocab.length;
  }

  /** Learn vocabulary and IDF from already-extracted raw features. */
  static fit(docs: Map<string, number>[], options: FeatureOptions): Featurizer {
    const df = new Map<string, number>();
    for (const d of docs) for (const k of d.keys()) df.set(k, (df.get(k) ?? 0) + 1);
    // Sorted vocabulary keeps the feature order (and so training) independent of Map insertion.
    const vocab = [...df.entries()].filter(([, c]) => c >= options.minDf).map(([k]) => k).sort();
    const n = docs.length;
    const idf = vocab.map((k) => Math.log((1 + n) / (1 + (df.get(k) ?? 0))) + 1);
    return new Featurizer({ options, vocab, idf });
  }

  featuresOf(text: string, language: Language): Map<string, number> {
    const t = featureText(text, this.state.options);
    return rawFeatures(tokenize(t, language), t, this.state.options);
  }

  /** TF-IDF vector with per-block L2 normalisation. */
  vectorize(raw: Map<string, number>): SparseVector {
    const counts = new Map<number, number>();
    for (const [k, tf] of raw) {
      const i = this.index.get(k);
      if (i !== undefined) counts.set(i, tf);
    }
    return this.weigh(counts);
  }

  private weigh(counts: Map<number, number>): SparseVector {
    const idx: number[] = [];
    const val: number[] = [];
    let wNorm = 0;
    let cNorm = 0;
    const sub = this.state.options.sublinearTf;
    for (const [i, tf] of counts) {
      const v = (sub ? 1 + Math.log(tf) : tf) * this.idf[i];
      idx.push(i);
      val.push(v);
      if (this.isChar[i]) cNorm += v * v;
      else wNorm += v * v;
    }
    const cw = this.state.options.charWeight;
    const wScale = wNorm > 0 ? 1 / Math.sqrt(wNorm) : 0;
    const cScale = cNorm > 0 ? cw / Math.sqrt(cNorm) : 0;
    // Final scale so the whole vector has unit norm (keeps learning rates comparable).
    const total = Math.sqrt((wNorm > 0 ? 1 : 0) + (cNorm > 0 ? cw * cw : 0)) || 1;
    const out: SparseVector = { idx: new Int32Array(idx.length), val: new Float32Array(idx.length) };
    for (let j = 0; j < idx.length; j++) {
      out.idx[j] = idx[j];
      out.val[j] = (val[j] * (this.isChar[idx[j]] ? cScale : wScale)) / total;
    }
    return out;
  }

  /** Inference path: look features up while generating them (no intermediate string Map). */
  transform(rawText: string, language: Language): SparseVector {
    const text = featureText(rawText, this.state.options);
    const counts = new Map<number, number>();
    const index = this.index;
    const bump = (i: number) => counts.set(i, (counts.get(i) ?? 0) + 1);
    const o = this.state.options;
    const tokens = tokenize(text, language);
    const perWord = !o.crossWordChars;
    forEachFeature(tokens, text, o, (k) => {
      const i = index.get(k);
      if (i !== undefined) bump(i);
    }, perWord);
    if (perWord) {
      for (const w of tokens.words) {
        if (CJK_CHAR.test(w)) continue;
        let grams = this.wordGrams.get(w);
        if (!grams) {
          const found: number[] = [];
          charGrams(' ' + w + ' ', o.charNgrams, (k) => {
            const i = index.get(k);
            if (i !== undefined) found.push(i);
          });
          grams = Int32Array.from(found);
          if (this.wordGrams.size < 100_000 && w.length <= 40) this.wordGrams.set(w, grams);
        }
        for (let j = 0; j < grams.length; j++) bump(grams[j]);
      }
    }
    return this.weigh(counts);
  }
}
