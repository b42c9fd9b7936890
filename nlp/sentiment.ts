/**
 * Sentiment for English and Chinese. The shipped analyzer is a trained model (nlp/sentimentModel.ts,
 * weights in nlp/models/sentiment.json) that reads, among its features, this file's lexicon with rules
 * (negation, intensifiers, "but" clauses, "!!!" and ALL CAPS emphasis, emoticons, frustration phrases).
 * The previous analyzer (lexicon blended with a small softmax model trained on
 * nlp/data/sentiment.jsonl) stays reachable as SentimentAnalyzer.train for the benchmark.
 */
import { Featurizer, DEFAULT_FEATURE_OPTIONS, rawFeatures } from './features';
import { scores, softmax, trainLinear, type LinearModel } from './linear';
import type { SentimentModel } from './sentimentModel';
import { tokenize } from './text';
import type { Language, Sentiment, SentimentLabel } from './types';

// ---- lexicons (valence -3..+3) ----------------------------------------------------------------

const EN_LEXICON: Record<string, number> = {
  good: 2, great: 3, excellent: 3, amazing: 3, awesome: 3, fantastic: 3, wonderful: 3, perfect: 3, love: 3, loved: 3,
  lovely: 2.5, nice: 2, happy: 2.5, glad: 2, pleased: 2.5, satisfied: 2, helpful: 2, thanks: 1.5, thank: 1.5, thx: 1.5,
  appreciate: 2, fast: 1, quick: 1, quickly: 1, easy: 1.5, smooth: 1.5, smoothly: 1.5, recommend: 2, best: 3, beautiful: 2.5,
  gorgeous: 3, impressed: 2.5, impressive: 2.5, brilliant: 3, outstanding: 3, superb: 3, comfortable: 2, kind: 2,
  friendly: 2, patient: 1.5, works: 1, worked: 1, fixed: 1.5, solved: 2, cool: 1.5, fine: 0.5, like: 1, enjoy: 2,
  delighted: 3, thrilled: 3, fabulous: 3, cheers: 1, reliable: 2, sturdy: 1.5, quality: 0.5, stars: 0.5, bargain: 1.5,
  bad: -2.5, terrible: -3, awful: -3, horrible: -3, worst: -3, poor: -2, disappointed: -2.5, disappointing: -2.5,
  angry: -3, furious: -3.5, annoyed: -2, annoying: -2, frustrated: -2.5, frustrating: -2.5, hate: -3, useless: -3,
  broken: -2.5, broke: -2, damaged: -2.5, defective: -2.5, faulty: -2.5, late: -1.5, delayed: -1.5, lost: -1.5,
  wrong: -1.5, rude: -2.5, scam: -3, ridiculous: -2.5, unacceptable: -3, unhappy: -2.5, sad: -2, upset: -2.5,
  problem: -1, issue: -1, complaint: -2, slow: -2, cheap: -1, flimsy: -2, rubbish: -3, garbage: -3, junk: -3,
  nightmare: -3, regret: -2.5, ignored: -2, ignoring: -2, never: -0.5, waste: -2.5, shocking: -2.5, appalling: -3,
  disgusted: -3, pathetic: -3, crash: -2, crashing: -2, crashes: -2, stuck: -1.5, missing: -1.5, ruined: -2.5,
  confusing: -1.5, sick: -2, fed: -1, nobody: -1, fail: -2, failed: -2, fails: -2, error: -1.5, mess: -2, worse: -2.5,
  hurt: -2, overcharged: -2.5, unbelievable: -1.5, meh: -1, sucks: -3, fraud: -3, liar: -3, lied: -2.5, stupid: -2.5,
};
const EN_NEGATORS = new Set(['not', 'no', 'never', "don't", 'dont', "doesn't", 'doesnt', "didn't", 'didnt', "isn't", 'isnt', "wasn't", 'wasnt', "aren't", "won't", 'wont', "can't", 'cant', 'cannot', 'nothing', 'hardly', 'without', "haven't", "hasn't", 'neither', 'nor']);
const EN_BOOSTERS: Record<string, number> = { very: 1.4, really: 1.4, so: 1.3, extremely: 1.7, super: 1.5, totally: 1.4, absolutely: 1.6, incredibly: 1.6, too: 1.2, most: 1.3, quite: 1.1, completely: 1.5, truly: 1.4, such: 1.3, slightly: 0.6, somewhat: 0.7, 'kind of': 0.6, bit: 0.7, little: 0.7, barely: 0.5 };
/** Emoticons and emoji carry sentiment in both languages; they are read off the raw text. */
const EMOTICONS: Array<[RegExp, number]> = [
  [/(?:^|\s)(?:[:;=]-?[)\]D]|\(:|:-?P)(?=\s|$)/g, 2],
  [/(?:^|\s)(?:[:=]-?[(\[/\\]|:'\(|>:\(|D:)(?=\s|$)/g, -2],
  [/[😀😃😄😁😊🙂😍🥰😘👍👌🙏❤💯🎉]/gu, 2],
  [/[😡🤬😠😤😞😔😢😭😩😫🙄😒👎💩😑😐]/gu, -2],
];
// Customer-service frustration without a sentiment word ("I've been on hold for an hour").
const EN_PHRASES: Array<[RegExp, number]> = [
  [/\b(?:on hold|still waiting|still no|still not|no one|nobody has|third time|again and again|keep(?:s)? (?:getting|happening))\b/gi, -1.5],
];
const ZH_PHRASES: Array<[RegExp, number]> = [[/(?:还没|一直没|都没人|没人管|没人理|又一次|第三次|到现在都)/g, -1.5]];

function phraseHits(text: string, table: Array<[RegExp, number]>): { sum: number; hits: number } {
  let sum = 0;
  let hits = 0;
  for (const [re, v] of table) {
    const n = text.match(re)?.length ?? 0;
    sum += n * v;
    hits += n;
  }
  return { sum, hits };
}

const EN_CONTRAST = new Set(['but', 'however', 'although', 'though', 'yet', 'except']);

const ZH_LEXICON: Record<string, number> = {
  好: 1.5, 很好: 2.5, 不错: 2, 挺好: 2, 满意: 2.5, 非常满意: 3, 喜欢: 2.5, 爱了: 3, 棒: 3, 很棒: 3, 太棒了: 3, 赞: 2.5, 点赞: 2.5,
  好评: 3, 完美: 3, 优秀: 3, 感谢: 2, 谢谢: 1.5, 多谢: 1.5, 开心: 2.5, 高兴: 2.5, 惊喜: 2.5, 快: 1, 方便: 1.5, 好用: 2.5,
  舒服: 2, 漂亮: 2.5, 精美: 2.5, 贴心: 2.5, 耐心: 1.5, 热情: 2, 友好: 2, 划算: 2, 推荐: 1.5, 顺利: 2, 一流: 3, 有用: 2,
  解决了: 2, 修好了: 2, 靠谱: 2.5, 值: 1.5, 合身: 2, 好看: 2, 超值: 2.5, 给力: 2.5, 五星: 2.5, 大好: 2, 喜欢这个: 2.5,
  差: -2.5, 很差: -3, 太差: -3, 差劲: -3, 差评: -3, 糟糕: -3, 糟透了: -3, 失望: -2.5, 生气: -3, 气死: -3.5, 愤怒: -3.5,
  烦: -2, 烦死了: -3, 讨厌: -3, 没用: -2.5, 垃圾: -3.5, 坏了: -2.5, 破损: -2.5, 损坏: -2.5, 延迟: -1.5, 慢: -1.5,
  太慢: -2.5, 丢了: -2, 错: -1.5, 发错: -2, 恶劣: -3, 骗: -3, 骗人: -3, 骗子: -3.5, 离谱: -2.5, 不能接受: -3,
  不满意: -2.5, 不满: -2.5, 难过: -2, 麻烦: -1.5, 问题: -0.8, 投诉: -2, 后悔: -2.5, 噩梦: -3, 不理: -2, 浪费: -2.5,
  无语: -2.5, 郁闷: -2, 坑: -2.5, 太坑: -3, 闪退: -2, 卡死: -2, 报错: -1.5, 异味: -2, 受够了: -3, 忍无可忍: -3.5,
  烂: -3, 难用: -2.5, 受不了: -2.5, 不结实: -2, 磨脚: -2, 差评了: -3, 不怎么样: -2, 看不懂: -1.5, 少零件: -2,
  崩了: -2.5, 火大: -3, 过分: -2.5, 太过分: -3, 不行: -2, 不好: -2, 不好用: -2.5, 不靠谱: -2.5, 不舒服: -2,
};
const ZH_NEGATORS = ['没有', '并不', '不太', '不是', '从不', '别', '不', '没', '无', '未'];
const ZH_BOOSTERS: Record<string, number> = { 非常: 1.5, 很: 1.3, 太: 1.5, 特别: 1.5, 超级: 1.6, 超: 1.4, 极其: 1.7, 十分: 1.5, 真: 1.3, 真的: 1.3, 好: 1.2, 有点: 0.6, 有些: 0.7, 稍微: 0.6, 最: 1.4 };
const ZH_CONTRAST = ['但是', '可是', '不过', '然而', '但', '却'];

interface LexToken {
  /** 'stop': a clause boundary (punctuation); negation and boosters never reach across it. */
  kind: 'word' | 'neg' | 'boost' | 'contrast' | 'stop';
  valence: number;
  caps: boolean;
}

/** Punctuation that ends a clause in either language: negation and boosters stop there. */
const CLAUSE_END_CHAR = /[，。！？；：、,.!?;:()]/;
const EN_TOKEN = new RegExp(`[A-Za-z]+(?:['’][A-Za-z]+)?|${CLAUSE_END_CHAR.source}`, 'g');

function enLexTokens(text: string): LexToken[] {
  const out: LexToken[] = [];
  for (const m of text.matchAll(EN_TOKEN)) {
    const raw = m[0].replace('’', "'");
    if (!/[A-Za-z]/.test(raw)) {
      out.push({ kind: 'stop', valence: 0, caps: false });
      continue;
    }
    const w = raw.toLowerCase();
    const caps = raw.length >= 3 && raw === raw.toUpperCase();
    if (EN_NEGATORS.has(w)) out.push({ kind: 'neg', valence: 0, caps });
    else if (EN_CONTRAST.has(w)) out.push({ kind: 'contrast', valence: 0, caps });
    else if (Object.hasOwn(EN_BOOSTERS, w)) out.push({ kind: 'boost', valence: EN_BOOSTERS[w], caps });
    else if (Object.hasOwn(EN_LEXICON, w)) out.push({ kind: 'word', valence: EN_LEXICON[w], caps });
    else {
      // Inflected forms of lexicon words ("disappointing" → disappoint-, "annoyingly"). Own keys only:
      // "constructors" must not find Object.prototype.constructor (it made the score NaN).
      const base = w.replace(/(?:ly|ed|s|ing)$/, '');
      const valence = [base, base + 'ed', base + 'e'].find((k) => Object.hasOwn(EN_LEXICON, k));
      out.push({ kind: 'word', valence: valence === undefined ? 0 : EN_LEXICON[valence], caps });
    }
  }
  return out;
}

const ZH_ENTRIES: Array<[string, LexToken['kind'], number]> = [
  ...Object.entries(ZH_LEXICON).map(([w, v]) => [w, 'word', v] as [string, LexToken['kind'], number]),
  ...ZH_NEGATORS.map((w) => [w, 'neg', 0] as [string, LexToken['kind'], number]),
  ...Object.entries(ZH_BOOSTERS).map(([w, v]) => [w, 'boost', v] as [string, LexToken['kind'], number]),
  ...ZH_CONTRAST.map((w) => [w, 'contrast', 0] as [string, LexToken['kind'], number]),
];
// Lexicon words win over negators/boosters of the same length ("不错", "好评" are single entries).
const ZH_MAP = new Map<string, [LexToken['kind'], number]>();
for (const [w, k, v] of ZH_ENTRIES) if (!ZH_MAP.has(w)) ZH_MAP.set(w, [k, v]);
const ZH_MAXLEN = Math.max(...ZH_ENTRIES.map(([w]) => w.length));

/** Greedy longest match over the raw string; unknown characters become neutral gaps. */
function zhLexTokens(text: string): LexToken[] {
  const out: LexToken[] = [];
  let gap = 0;
  for (let i = 0; i < text.length; ) {
    let matched = false;
    for (let len = Math.min(ZH_MAXLEN, text.length - i); len >= 1; len--) {
      const hit = ZH_MAP.get(text.substr(i, len));
      if (hit) {
        // A booster like "好" only boosts when directly followed by another entry; alone it is a word.
        out.push({ kind: hit[0], valence: hit[1], caps: false });
        i += len;
        matched = true;
        gap = 0;
        break;
      }
    }
    if (!matched) {
      // Punctuation ends a clause (so 没 in 没人处理，太失望了 never reaches 失望); a few unknown
      // characters in a row are a neutral gap that also ends the negator's reach.
      if (CLAUSE_END_CHAR.test(text[i])) {
        out.push({ kind: 'stop', valence: 0, caps: false });
        gap = 0;
      } else if (++gap >= 4) {
        out.push({ kind: 'word', valence: 0, caps: false });
        gap = 0;
      }
      i++;
    }
  }
  // "好" tagged as booster but not followed by a sentiment word acts as a positive word.
  for (let j = 0; j < out.length; j++) {
    const t = out[j];
    if (t.kind === 'boost' && t.valence === ZH_BOOSTERS['好'] && !(out[j + 1]?.kind === 'word' && out[j + 1].valence !== 0)) {
      out[j] = { kind: 'word', valence: ZH_LEXICON['好'], caps: false };
    }
  }
  return out;
}

/** Rule-based score in [-1, 1] plus whether any sentiment-bearing word was seen. */
export function lexiconSentiment(text: string, language: Language): { score: number; hits: number } {
  const toks = language === 'zh' ? zhLexTokens(text) : enLexTokens(text);
  let lastContrast = -1;
  toks.forEach((t, i) => {
    if (t.kind === 'contrast') lastContrast = i;
  });
  let sum = 0;
  let hits = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== 'word' || t.valence === 0) continue;
    hits++;
    let v = t.valence;
    // look back up to 3 tokens for boosters and negators (stop at a contrast word)
    let negated = false;
    for (let j = i - 1; j >= Math.max(0, i - 3); j--) {
      const p = toks[j];
      if (p.kind === 'contrast' || p.kind === 'stop' || (p.kind === 'word' && p.valence !== 0)) break;
      if (p.kind === 'boost') v *= p.valence;
      if (p.kind === 'neg') negated = !negated;
    }
    // "not good" is mildly negative; "not bad" mildly positive (negation dampens, VADER-style).
    if (negated) v *= -0.75;
    if (t.caps) v *= 1.4;
    // "but" clauses: what follows the last contrast word dominates.
    if (lastContrast >= 0) v *= i > lastContrast ? 1.6 : 0.3;
    sum += v;
  }
  const cues = phraseHits(text, EMOTICONS);
  const phrases = phraseHits(text, language === 'zh' ? ZH_PHRASES : EN_PHRASES);
  sum += cues.sum + phrases.sum;
  hits += cues.hits + phrases.hits;
  const bangs = (text.match(/[!！]/g) ?? []).length;
  if (sum !== 0) sum *= 1 + 0.15 * Math.min(bangs, 4);
  // A shouted message with no lexicon words still leans negative in customer service.
  const letters = text.replace(/[^A-Za-z]/g, '');
  if (hits === 0 && letters.length >= 8 && letters === letters.toUpperCase()) sum -= 1;
  const score = sum / Math.sqrt(sum * sum + 12);
  return { score, hits };
}

// ---- trained component --------------------------------------------------------------------------

export interface SentimentExample {
  text: string;
  label: SentimentLabel;
  lang?: Language;
}

export const SENTIMENT_LABELS: SentimentLabel[] = ['negative', 'neutral', 'positive'];

export interface SentimentModelOptions {
  seed: number;
  epochs: number;
  l2: number;
  /** Weight of the lexicon score in the blend (the model gets 1 - this). */
  lexiconWeight: number;
  /** |score| below this is neutral. */
  neutralBand: number;
}

export const DEFAULT_SENTIMENT_OPTIONS: SentimentModelOptions = {
  seed: 7,
  epochs: 30,
  l2: 1e-3,
  lexiconWeight: 0.75,
  neutralBand: 0.2,
};

/**
 * The analyzer the engine calls: the shipped trained model (SentimentAnalyzer.fromModel, see
 * nlp/sentimentModel.ts and nlp/default.ts defaultSentimentAnalyzer), or — kept for the benchmark and
 * for `sentimentFile` data of one's own — the previous lexicon-and-softmax blend (SentimentAnalyzer.train),
 * which with no rows is the lexicon alone.
 */
export class SentimentAnalyzer {
  private constructor(
    private readonly scorer: (text: string, language: Language) => Sentiment,
    /** Which kind of analyzer this is (the benchmark prints it). */
    readonly kind: 'lexicon' | 'legacy' | 'model',
  ) {}

  /** The trained model (nlp/models/sentiment.json). */
  static fromModel(model: SentimentModel): SentimentAnalyzer {
    return new SentimentAnalyzer((text, language) => model.analyze(text, language), 'model');
  }

  /**
   * The previous analyzer: lexicon + rules blended with a small softmax model trained on `examples`
   * (milliseconds for a few hundred sentences). Empty data → lexicon only.
   */
  static train(examples: SentimentExample[], options: Partial<SentimentModelOptions> = {}): SentimentAnalyzer {
    const o = { ...DEFAULT_SENTIMENT_OPTIONS, ...options };
    if (examples.length === 0) return new SentimentAnalyzer((text, language) => blend(text, language, undefined, undefined, o), 'lexicon');
    const fo = { ...DEFAULT_FEATURE_OPTIONS, charNgrams: [3, 5] as [number, number], cjkNgrams: [1, 2] as [number, number] };
    const raws = examples.map((e) => rawFeatures(tokenize(e.text, e.lang ?? 'en'), e.text, fo));
    const fz = Featurizer.fit(raws, fo);
    const xs = raws.map((r) => fz.vectorize(r));
    const ys = examples.map((e) => SENTIMENT_LABELS.indexOf(e.label));
    const model = trainLinear(xs, ys, fz.size, 3, { loss: 'softmax', l2: o.l2, epochs: o.epochs, learningRate: 0.5, seed: o.seed });
    return new SentimentAnalyzer((text, language) => blend(text, language, fz, model, o), 'legacy');
  }

  analyze(text: string, language: Language): Sentiment {
    return this.scorer(typeof text === 'string' ? text : '', language);
  }
}

function blend(text: string, language: Language, featurizer: Featurizer | undefined, model: LinearModel | undefined, options: SentimentModelOptions): Sentiment {
  const lex = lexiconSentiment(text, language);
  let modelScore = 0;
  if (featurizer && model) {
    const p = softmax(scores(model, featurizer.transform(text, language)));
    modelScore = p[2] - p[0];
  }
  const w = model ? options.lexiconWeight : 1;
  // With no lexicon evidence the model speaks alone; with strong lexicon evidence they blend.
  let score = lex.hits > 0 ? w * lex.score + (1 - w) * modelScore : 0.7 * modelScore + lex.score;
  score = Math.max(-1, Math.min(1, score));
  if (!Number.isFinite(score)) score = 0;
  const label: SentimentLabel = score <= -options.neutralBand ? 'negative' : score >= options.neutralBand ? 'positive' : 'neutral';
  return { label, score: Math.round(score * 1000) / 1000 };
}
