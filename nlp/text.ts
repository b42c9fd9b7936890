/**
 * Text normalisation, language detection and tokenisation (English: regex + Porter stemmer from
 * `natural`; Chinese: @node-rs/jieba). The heavy libraries are loaded lazily, once per process,
 * because `natural` takes 1-2 s to import and prints through dotenv unless told to be quiet.
 */
import type { Language } from './types';

/** Input longer than this is truncated before analysis: enough for any chat message, bounded cost. */
export const MAX_INPUT_CHARS = 4000;

const CJK_RE = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g;
const LATIN_RE = /[A-Za-z]/g;

/** Strip control characters, unify width (NFKC) and collapse whitespace. Never throws. */
export function normalizeText(raw: unknown): string {
  let s = typeof raw === 'string' ? raw : raw == null ? '' : String(raw);
  if (s.length > MAX_INPUT_CHARS) s = s.slice(0, MAX_INPUT_CHARS);
  // Lone surrogates would make normalize() produce replacement chars; drop them first.
  s = s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
  s = s.normalize('NFKC');
  s = s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\ufeff]/g, ' ');
  return s.replace(/\s+/g, ' ').trim();
}

export interface LanguageGuess {
  language: Language;
  confidence: number;
}

/**
 * Chinese when CJK characters dominate, else English. A CJK character carries roughly the
 * information of 3-4 Latin letters, so Chinese is weighted by 3 before comparing.
 */
export function detectLanguage(text: string): LanguageGuess {
  const cjk = (text.match(CJK_RE) ?? []).length;
  const latin = (text.match(LATIN_RE) ?? []).length;
  if (cjk === 0 && latin === 0) return { language: 'en', confidence: 0.5 };
  const zhWeight = cjk * 3;
  const total = zhWeight + latin;
  const language: Language = zhWeight >= latin ? 'zh' : 'en';
  const share = (language === 'zh' ? zhWeight : latin) / total;
  return { language, confidence: Math.round(share * 1000) / 1000 };
}

// ---- lazily loaded tokenisers ---------------------------------------------------------------

interface JiebaLike {
  cut(s: string, hmm?: boolean): string[];
}
let jieba: JiebaLike | undefined;
function getJieba(): JiebaLike {
  if (!jieba) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { Jieba } = require('@node-rs/jieba') as typeof import('@node-rs/jieba');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { dict } = require('@node-rs/jieba/dict') as typeof import('@node-rs/jieba/dict');
    jieba = Jieba.withDict(dict);
  }
  return jieba;
}

let stemFn: ((w: string) => string) | undefined;
const stemCache = new Map<string, string>();
function stem(word: string): string {
  const hit = stemCache.get(word);
  if (hit !== undefined) return hit;
  if (!stemFn) {
    // Only natural's Porter stemmer: the package index loads every module (1-2 s, dotenv output,
    // and an ESM-only dependency that jest cannot require).
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const porter = require('natural/lib/natural/stemmers/porter_stemmer') as { stem(w: string): string };
    stemFn = (w: string) => porter.stem(w);
  }
  const out = word.length <= 3 ? word : stemFn(word);
  if (stemCache.size < 200_000) stemCache.set(word, out);
  return out;
}

export interface Tokens {
  /** Surface words, lowercased (used for character n-grams). */
  words: string[];
  /** Normalised terms: stems for English, jieba words for Chinese (used for word n-grams). */
  terms: string[];
}

const EN_WORD_RE = /[a-z0-9]+(?:'[a-z]+)?|[\u3400-\u9fff\uf900-\ufaff]+/g;
const ZH_PUNCT_RE = /^[\s\p{P}\p{S}]+$/u;

/** Map numbers to a shape token so "$25" and "$40" share a feature. */
function termOf(w: string): string {
  if (/^\d+$/.test(w)) return w.length >= 5 ? '<longnum>' : '<num>';
  if (/\d/.test(w) && /[a-z]/.test(w) && w.length >= 5) return '<code>';
  return w;
}

export function tokenize(text: string, language: Language): Tokens {
  const lower = text.toLowerCase();
  if (language === 'zh') {
    const words: string[] = [];
    for (const piece of getJieba().cut(lower, true)) {
      const w = piece.trim();
      if (!w || ZH_PUNCT_RE.test(w)) continue;
      words.push(w);
    }
    const terms = words.map((w) => (/^[a-z]/.test(w) ? stem(termOf(w)) : termOf(w)));
    return { words, terms };
  }
  const words = lower.match(EN_WORD_RE) ?? [];
  const terms = words.map((w) => {
    const t = termOf(w.replace(/'s$/, ''));
    return t.startsWith('<') || /[\u3400-\u9fff]/.test(t) ? t : stem(t.replace(/'/g, ''));
  });
  return { words, terms };
}
