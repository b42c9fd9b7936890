/**
 * The trained sentiment model: multinomial logistic regression (negative / neutral / positive) over
 * hashed features, shipped as nlp/models/sentiment.json (built by `npm run nlp -- train-sentiment`).
 *
 * Features of one message (all hashed into 2^bits buckets with FNV-1a):
 *   - word uni- and bigrams per clause (stems for English, jieba words for Chinese);
 *   - negation-scoped words: after a negator (not, never, no one, 不, 没, 没有, 别, 无, 未…) the rest of
 *     the clause also yields "¬word" features; the scope ends at punctuation (，。！？,.!?; …), so the
 *     没 of 没人处理 never reaches 失望 in 等了一个星期都没人处理，太失望了;
 *   - character 2–4-grams inside English words, character 1–3-grams over Chinese runs;
 *   - emoticons and emoji as tokens (":(", ":/", "😡", ":)");
 *   - the lexicon's reading (nlp/sentiment.ts lexiconSentiment) as binned and real-valued features;
 *   - shape: "!!!", "??", ALL CAPS, length bucket, the language; the shape and lexicon features are
 *     given twice, plain and conjoined with the language ("zh:len3"), so English tweets and Chinese
 *     reviews need not share what a long message or a "!" means.
 * Pure: no I/O here (reading the file is nlp/default.ts's job).
 */
import { lexiconSentiment } from './sentiment';
import { tokenize } from './text';
import type { Language, Sentiment, SentimentLabel } from './types';

export const SENTIMENT_CLASSES: SentimentLabel[] = ['negative', 'neutral', 'positive'];

/** Feature indices and values of one message (parallel arrays; repeated indices allowed). */
export interface HashedFeatures {
  idx: number[];
  val: number[];
}

/** Punctuation that ends a clause, and with it a negation's scope, in either language. */
const CLAUSE_SPLIT = /[，。！？；：、,.!?;:()（）…~～\n]+|\s-\s/;
const EMOTICON_RE = /(?:^|\s)(>?[:;=8][-'^o]?[()[\]/\\|DPpOo3*]+|[)(]+[-']?[:;=]|<3|\^_?\^|T_T|-_-|:'\()(?=\s|$|[,.!?，。！？])/g;
const EMOJI_RE = /\p{Extended_Pictographic}/gu;
const EN_NEGATORS = new Set(['not', 'no', 'never', 'nobody', 'nothing', 'none', 'nowhere', 'neither', 'nor', 'cannot', 'without', 'hardly', 'barely', "don't", 'dont', "doesn't", 'doesnt', "didn't", 'didnt', "isn't", 'isnt', "wasn't", 'wasnt', "aren't", 'arent', "weren't", "won't", 'wont', "can't", 'cant', "couldn't", 'couldnt', "haven't", 'havent', "hasn't", 'hasnt', "hadn't", "shouldn't", "wouldn't", 'wouldnt', 'nt']);
const ZH_NEGATOR_RE = /^(?:不|没|没有|无|未|别|莫|非|并不|并没有|从不|从没|从来不|从来没有|毫无|不是|不太|不再)/;

// Polarity classes of emoticons and emoji, so one seen rarely in training reads like its kind.
const NEGATIVE_EMOJI = /[😡🤬😠😤😞😔😢😭😩😫🙄😒👎💩😑😐😕🙁☹😣😖😓😥😰😱🤦🤷😪😟💔😾]/u;
const POSITIVE_EMOJI = /[😀😃😄😁😆😊🙂😍🥰😘😻👍👌🙏❤💕💖💯🎉🥳✨⭐🌟😎🤗👏💪😇☺😋]/u;
const NEGATIVE_EMOTICON = /^(?:>?[:;=8][-'^o]?[([/\\|]+|:'\(|[)]+[-']?[:;=]|T_T|-_-)$/;
const POSITIVE_EMOTICON = /^(?:[:;=8][-'^o]?[)\]D3*Pp]+|[(]+[-']?[:;=]|<3|\^_?\^)$/;

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function normalise(text: string): string {
  return text
    .slice(0, 2000)
    .replace(/[’‘`]/g, "'")
    .replace(/https?:\/\/\S+/g, ' httpurl ')
    .replace(/@\w+/g, ' atuser ')
    .replace(/#(\w)/g, '$1')
    .replace(/([A-Za-z])\1{2,}/g, '$1$1') // "sooooo" → "soo"
    .replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, ' emailaddr ')
    .replace(/(?<![A-Za-z0-9])(?:#?[A-Za-z]{1,4}-?[0-9]{4,}|#[0-9]{3,}|[0-9]{5,})(?![A-Za-z0-9])/g, ' ordercode ');
}

function lexBin(score: number): string {
  if (score <= -0.5) return 'n2';
  if (score <= -0.15) return 'n1';
  if (score < 0.15) return 'z';
  if (score < 0.5) return 'p1';
  return 'p2';
}

/** Feature strings of one message (exported for tests and the training script's inspection). */
export function sentimentFeatureStrings(text: string, language: Language, wordValence?: ReadonlyMap<string, number>): Array<[string, number]> {
  return readMessage(text, language, wordValence).features;
}

/** How strongly a feeling is worded, each in [0, 1]: the lexicon's reading and the general word valences. */
export interface ExpressedStrength {
  negative: number;
  positive: number;
}

function readMessage(text: string, language: Language, wordValence?: ReadonlyMap<string, number>): { features: Array<[string, number]>; strength: ExpressedStrength } {
  const out: Array<[string, number]> = [];
  const raw = normalise(text);
  const words: Array<[string, number]> = [];
  const chars: Array<[string, number]> = [];
  const clauses = raw.split(CLAUSE_SPLIT).filter((c) => c.trim());
  // Word valences of a general lexicon (AFINN-165 for English, stored in the model file), negation-scoped.
  let vPos = 0;
  let vNeg = 0;
  clauses.forEach((clause, ci) => {
    const lang: Language = /[\u3400-\u9fff]/.test(clause) ? 'zh' : language === 'zh' && !/[A-Za-z]/.test(clause) ? 'zh' : /[A-Za-z]/.test(clause) && !/[\u3400-\u9fff]/.test(clause) ? 'en' : language;
    const { words: surf, terms } = tokenize(clause, lang);
    let negated = false;
    let prev = '<s>';
    const last = ci === clauses.length - 1 && clauses.length > 1;
    for (let i = 0; i < terms.length; i++) {
      const t = terms[i];
      const w = surf[i] ?? t;
      const isNeg = lang === 'zh' ? ZH_NEGATOR_RE.test(w) : EN_NEGATORS.has(w) || /n't$/.test(w);
      words.push(['w' + t, 1]);
      words.push(['b' + prev + '_' + t, 1]);
      if (negated) words.push(['¬' + t, 1]);
      const valence = wordValence?.get(w);
      if (valence) {
        const v = negated ? -0.75 * valence : valence;
        if (v > 0) vPos += v;
        else vNeg -= v;
      }
      if (last) words.push(['L' + t, 0.5]);
      if (isNeg) negated = true;
      prev = t;
      if (/^[a-z']+$/.test(w)) {
        const p = ` ${w} `;
        for (let n = 2; n <= 4; n++) for (let k = 0; k + n <= p.length; k++) chars.push(['c' + p.substr(k, n), 1]);
      }
    }
    words.push(['b' + prev + '_</s>', 1]);
    for (const run of clause.match(/[\u3400-\u9fff]+/g) ?? []) {
      for (let n = 1; n <= 3; n++) for (let k = 0; k + n <= run.length; k++) chars.push(['h' + run.substr(k, n), 1]);
    }
  });
  for (const m of text.matchAll(EMOTICON_RE)) {
    words.push(['e' + m[1], 2]);
    if (NEGATIVE_EMOTICON.test(m[1])) words.push(['emo-', 2]);
    else if (POSITIVE_EMOTICON.test(m[1])) words.push(['emo+', 2]);
  }
  for (const m of text.match(EMOJI_RE) ?? []) {
    words.push(['e' + m, 2]);
    if (NEGATIVE_EMOJI.test(m)) words.push(['emo-', 2]);
    else if (POSITIVE_EMOJI.test(m)) words.push(['emo+', 2]);
  }
  const nw = Math.sqrt(words.length) || 1;
  for (const [f, v] of words) out.push([f, v / nw]);
  const nc = Math.sqrt(chars.length) || 1;
  for (const [f, v] of chars) out.push([f, (0.6 * v) / nc]);
  if (wordValence) {
    out.push(['afpos', vPos / (vPos + 3)]);
    out.push(['afneg', vNeg / (vNeg + 3)]);
    out.push(['af' + lexBin((vPos - vNeg) / Math.sqrt((vPos - vNeg) ** 2 + 12)), 1]);
  }
  // Whole-message features, each also conjoined with the language: a long message, a "!" or the
  // lexicon's reading need not mean the same in an English tweet and a Chinese review.
  const shape: Array<[string, number]> = [];
  const lex = lexiconSentiment(text, language);
  shape.push(['lex' + lexBin(lex.score), 1]);
  shape.push(['lexv', lex.score]);
  shape.push(['lexhits' + Math.min(lex.hits, 3), 0.5]);
  const bangs = (text.match(/[!！]/g) ?? []).length;
  const qs = (text.match(/[?？]/g) ?? []).length;
  if (bangs) shape.push(['!' + Math.min(bangs, 3), 0.5]);
  if (qs) shape.push(['?' + Math.min(qs, 3), 0.5]);
  const letters = text.replace(/[^A-Za-z]/g, '');
  if (letters.length >= 6 && letters === letters.toUpperCase()) shape.push(['CAPS', 1]);
  const len = text.length;
  shape.push(['len' + (len < 10 ? 0 : len < 30 ? 1 : len < 80 ? 2 : 3), 0.5]);
  for (const [f, v] of shape) out.push([f, v], [language + ':' + f, v]);
  out.push(['lang' + language, 0.5]);
  out.push(['bias', 1]);
  const strength = { negative: Math.max(0, -lex.score, vNeg / (vNeg + 3)), positive: Math.max(0, lex.score, vPos / (vPos + 3)) };
  return { features: out, strength };
}

export function hashSentimentFeatures(text: string, language: Language, bits: number, wordValence?: ReadonlyMap<string, number>): HashedFeatures {
  return hashFeatureStrings(sentimentFeatureStrings(text, language, wordValence), bits);
}

function hashFeatureStrings(features: Array<[string, number]>, bits: number): HashedFeatures {
  const mask = (1 << bits) - 1;
  const idx: number[] = [];
  const val: number[] = [];
  for (const [f, v] of features) {
    idx.push(fnv1a(f) & mask);
    val.push(v);
  }
  return { idx, val };
}

/** The shipped model file (nlp/models/sentiment.json). */
export interface SentimentModelFile {
  format: 'concierge-sentiment/1';
  bits: number;
  classes: SentimentLabel[];
  /** Softmax temperature fitted on a calibration split. */
  temperature: number;
  /** Dequantisation: weight = int8 * scale. */
  scale: number;
  /** Base64 of Uint32 bucket indices (ascending, delta-encoded) with non-zero weights. */
  buckets: string;
  /** Base64 of Int8 weights, 3 per bucket (negative, neutral, positive). */
  weights: string;
  bias: number[];
  /** General word valences (−5…5) read as features: AFINN-165 (MIT), English words. */
  lexicon: Record<string, number>;
  provenance: Record<string, unknown>;
}

/** A model ready to score: dense Float32 weights per bucket (3 × 2^bits). */
export class SentimentModel {
  constructor(
    readonly bits: number,
    private readonly w: Float32Array,
    private readonly bias: number[],
    readonly temperature: number,
    readonly lexicon: ReadonlyMap<string, number> = new Map(),
    readonly provenance: Record<string, unknown> = {},
  ) {}

  static fromFile(file: SentimentModelFile): SentimentModel {
    if (file.format !== 'concierge-sentiment/1') throw new Error(`unknown sentiment model format ${String(file.format)}`);
    const deltas = new Uint32Array(new Uint8Array(Buffer.from(file.buckets, 'base64')).buffer);
    const q = new Int8Array(new Uint8Array(Buffer.from(file.weights, 'base64')).buffer);
    const w = new Float32Array(3 << file.bits);
    let b = 0;
    for (let i = 0; i < deltas.length; i++) {
      b += deltas[i];
      for (let c = 0; c < 3; c++) w[b * 3 + c] = q[i * 3 + c] * file.scale;
    }
    return new SentimentModel(file.bits, w, file.bias, file.temperature, new Map(Object.entries(file.lexicon ?? {})), file.provenance);
  }

  withTemperature(temperature: number): SentimentModel {
    return new SentimentModel(this.bits, this.w, this.bias, temperature, this.lexicon, this.provenance);
  }

  /** Quantise to int8 and drop buckets whose weights all round to 0. */
  toFile(provenance: Record<string, unknown>): SentimentModelFile {
    let max = 0;
    for (const x of this.w) max = Math.max(max, Math.abs(x));
    const scale = max / 127 || 1;
    const buckets: number[] = [];
    const q: number[] = [];
    let prev = 0;
    for (let b = 0; b < 1 << this.bits; b++) {
      const r = [0, 1, 2].map((c) => Math.round(this.w[b * 3 + c] / scale));
      if (r.every((x) => x === 0)) continue;
      buckets.push(b - prev);
      prev = b;
      q.push(...r);
    }
    return {
      format: 'concierge-sentiment/1',
      bits: this.bits,
      classes: SENTIMENT_CLASSES,
      temperature: this.temperature,
      scale,
      buckets: Buffer.from(new Uint32Array(buckets).buffer).toString('base64'),
      weights: Buffer.from(new Int8Array(q).buffer).toString('base64'),
      bias: this.bias,
      lexicon: Object.fromEntries(this.lexicon),
      provenance,
    };
  }

  /** Raw class scores (logits before temperature). */
  logits(text: string, language: Language): number[] {
    return this.logitsOf(hashSentimentFeatures(text, language, this.bits, this.lexicon));
  }

  private logitsOf(f: HashedFeatures): number[] {
    const z = [...this.bias];
    for (let i = 0; i < f.idx.length; i++) {
      const o = f.idx[i] * 3;
      const v = f.val[i];
      z[0] += this.w[o] * v;
      z[1] += this.w[o + 1] * v;
      z[2] += this.w[o + 2] * v;
    }
    return z;
  }

  probabilities(text: string, language: Language): number[] {
    return softmax3(this.logits(text, language), this.temperature);
  }

  /**
   * The label is the most probable class. The score is the calibrated expected valence, p(positive) −
   * p(negative), scaled by how strongly the feeling is worded (× 0.5 with no emotional wording, up to × 1):
   * a plain report of a problem ("I've been on hold for an hour") reads about −0.5, strong words
   * ("the worst service, unacceptable") towards −1. The escalations read it that way: −0.4 and below
   * raises priority, −0.75 and below is "very negative" (urgent, and the bot gets a person).
   */
  analyze(text: string, language: Language): Sentiment {
    const { features, strength } = readMessage(text, language, this.lexicon);
    const p = softmax3(this.logitsOf(hashFeatureStrings(features, this.bits)), this.temperature);
    const best = p[0] >= p[1] && p[0] >= p[2] ? 0 : p[2] > p[1] ? 2 : 1;
    const worded = best === 0 ? strength.negative : best === 2 ? strength.positive : 0;
    let score = (p[2] - p[0]) * (0.5 + 0.5 * Math.min(1, worded));
    if (!Number.isFinite(score)) score = 0;
    score = Math.max(-1, Math.min(1, score));
    return { label: SENTIMENT_CLASSES[best], score: Math.round(score * 1000) / 1000 };
  }
}

export function softmax3(z: number[], temperature = 1): number[] {
  const t = temperature > 0 ? temperature : 1;
  const m = Math.max(z[0], z[1], z[2]);
  const e = z.map((x) => Math.exp((x - m) / t));
  const s = e[0] + e[1] + e[2];
  return e.map((x) => x / s);
}
