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

// ---- which language a message is in ---------------------------------------------------------

/**
 * A message's language as an ISO 639-1 code: 'en', 'zh', or one the bot does not speak ('de', 'ja', …).
 * Scripts tell most languages at once (kana → ja, hangul → ko, Cyrillic, Arabic, …); Latin text is
 * English unless the words of another language's profile (function words, greetings, the shop's
 * everyday nouns, its letters) clearly outnumber English ones, so a product name, an email or a
 * foreign word in an English sentence leaves it English. Pure and cheap: no model.
 */
export interface LanguageIdentification {
  code: string;
  confidence: number;
}

/** Scripts other than Latin and Han, each one language's (or its most likely one). */
const SCRIPTS: ReadonlyArray<readonly [string, RegExp]> = [
  ['ja', /[\u3040-\u30ff\u31f0-\u31ff]/g],
  ['ko', /[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]/g],
  ['ru', /[\u0400-\u04ff]/g],
  ['ar', /[\u0600-\u06ff\u0750-\u077f]/g],
  ['he', /[\u0590-\u05ff]/g],
  ['el', /[\u0370-\u03ff]/g],
  ['th', /[\u0e00-\u0e7f]/g],
  ['hi', /[\u0900-\u097f]/g],
];
const UKRAINIAN_LETTERS = /[іїєґ]/i;
const PERSIAN_LETTERS = /[پچژگ]/;

/**
 * Word profiles of the Latin-script languages told apart. Words an English sentence also uses
 * ("was", "hat", "come", "no", "me", "is", "die", "son") are left out, so they never count against English.
 */
const LATIN_PROFILES: Readonly<Record<string, ReadonlySet<string>>> = {
  en: new Set(
    ('the a an is are was were i i\'m im you your my me it its this that these to of and or but for with on in at from have has had do does did ' +
      'can could would will should not yes what where when how why who which please thanks thank hello hi hey want need order my be been am ' +
      'there here we our us they get got just still already again about any some ok okay sorry help').split(' '),
  ),
  de: new Set(
    ('ich du wir ihr mein meine meinen meiner meinem dein deine ist sind bin nicht und oder aber der das den dem des ein eine einen einem mit von ' +
      'zu für auf wie wo wann warum möchte möchten würde bitte danke hallo guten tag noch schon auch kann können habe haben wurde wird werden ' +
      'mir mich uns kein keine sehr gut ja nein heute gestern leider bestellung bestellt stornieren storniert lieferung geliefert rechnung ' +
      'rücksendung zurückgeben zurück geld erstattung paket konto passwort kundenservice mitarbeiter warum').split(' '),
  ),
  fr: new Set(
    ('je j tu il elle nous vous ils elles le la les un une des du et est suis sont pas ne mon ma mes votre vos ton ta pour avec dans sur que qui ' +
      'quoi où quand comment pourquoi merci beaucoup bonjour bonsoir salut voudrais veux peux pouvez commande commandé annuler livraison livré ' +
      'remboursement rembourser colis facture compte mot passe oui non très aussi mais ou ce cette ça c qu moi toujours encore reçu été avoir ' +
      'être mon s\'il plaît').split(' '),
  ),
  es: new Set(
    ('yo tú usted él ella nosotros el la los las un una unos y es está estoy son mi mis tu su para por con sin en de que qué quiero quisiera ' +
      'puedo puede cómo dónde cuándo gracias hola buenos buenas días tardes favor pedido cancelar envío reembolso devolución factura cuenta ' +
      'contraseña sí pero muy también mí lo del al ya todavía hace llegó llegado necesito necesita ayuda ayudar').split(' '),
  ),
  it: new Set(
    ('io lui lei noi voi il lo la gli un una uno è sono non mio mia miei mie per con di da che cosa dove quando perché grazie ciao buongiorno ' +
      'vorrei voglio posso può ordine aiuto bisogno annullare spedizione rimborso fattura conto sì ma molto anche ancora del della nel mi ho hai arrivato').split(' '),
  ),
  pt: new Set(
    ('eu você ele ela nós os um uma é está estou são não meu minha meus para por com sem em de da dos das que quero queria posso pode como onde ' +
      'quando porque obrigado obrigada olá oi bom dia pedido cancelar entrega reembolso devolução fatura conta senha sim mas muito também ainda ' +
      'já encomenda chegou pela pelo ajuda preciso').split(' '),
  ),
  nl: new Set(
    ('ik jij je hij zij wij de het een en ben zijn niet mijn jouw uw voor met van te wat waar wanneer hoe waarom dank bedankt hallo goedendag ' +
      'graag wil kan kunt bestelling annuleren levering terugbetaling pakket factuur wachtwoord ja nee maar heel ook nog mij geen wordt heb heeft').split(' '),
  ),
};
/** Letters only some of them write (a word with one counts once more for each language that has it). */
const LATIN_LETTERS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/ß/, ['de']],
  [/[äöü]/, ['de']],
  [/[ñ¿¡]/, ['es']],
  [/[ãõ]/, ['pt']],
  [/ç/, ['fr', 'pt']],
  [/[èêàùâîôûœë]/, ['fr']],
  [/[ìò]/, ['it']],
];

const LATIN_WORD = /[a-zà-öø-ÿœß]+(?:'[a-z]+)?/g;
/** Emails, links and anything with a digit (order numbers, sizes) say nothing about the language. */
const LANGUAGE_NOISE = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?:\/\/[\x21-\x7e]+|www\.[\x21-\x7e]+|#?\b[A-Za-z]*\d[\w-]*\b/gu;

function latinLanguage(text: string): LanguageIdentification {
  // Distinct words: "yo yo" or "ta-ta" is one word said twice, not two pieces of Spanish or Italian.
  const words = [...new Set(text.toLowerCase().match(LATIN_WORD) ?? [])];
  const scores: Record<string, number> = {};
  for (const word of words) {
    for (const [code, profile] of Object.entries(LATIN_PROFILES)) if (profile.has(word)) scores[code] = (scores[code] ?? 0) + 1;
    if (word.length < 3) continue;
    for (const [letters, codes] of LATIN_LETTERS) if (letters.test(word)) for (const code of codes) scores[code] = (scores[code] ?? 0) + 1;
  }
  const english = scores.en ?? 0;
  const [best, bestScore] = Object.entries(scores).filter(([code]) => code !== 'en').sort((a, b) => b[1] - a[1])[0] ?? ['en', 0];
  const total = Object.values(scores).reduce((s, n) => s + n, 0);
  // Another language only on two pieces of its own evidence, and more than twice the English evidence.
  if (bestScore >= 2 && bestScore > 2 * english) return { code: best, confidence: Math.round((bestScore / total) * 1000) / 1000 };
  return { code: 'en', confidence: total ? Math.round((english / total) * 1000) / 1000 || 0.5 : 0.5 };
}

/** The message's language from its script, then for Latin text from its words. */
export function identifyLanguage(raw: string): LanguageIdentification {
  const text = normalizeText(raw).replace(LANGUAGE_NOISE, ' ');
  const han = (text.match(CJK_RE) ?? []).length;
  const counts = SCRIPTS.map(([code, re]) => [code, (text.match(re) ?? []).length] as const);
  const kana = counts[0][1];
  // Japanese writes kanji between its kana: Han characters count for Japanese once kana are there.
  const weighted: Array<[string, number]> = [
    ['zh', kana > 0 ? 0 : han * 3],
    ...counts.map(([code, n]): [string, number] => [code, (code === 'ja' ? n + han : n) * (code === 'ja' || code === 'ko' ? 3 : 1)]),
    ['latin', (text.match(LATIN_RE) ?? []).length + (text.match(/[à-öø-ÿœß]/gi) ?? []).length],
  ];
  const total = weighted.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return { code: 'en', confidence: 0.5 };
  const [script, n] = weighted.sort((a, b) => b[1] - a[1])[0];
  const share = Math.round((n / total) * 1000) / 1000;
  if (script === 'latin') {
    const latin = latinLanguage(text);
    return { code: latin.code, confidence: Math.round(latin.confidence * share * 1000) / 1000 };
  }
  if (script === 'ru' && UKRAINIAN_LETTERS.test(text)) return { code: 'uk', confidence: share };
  if (script === 'ar' && PERSIAN_LETTERS.test(text)) return { code: 'fa', confidence: share };
  return { code: script, confidence: share };
}

/**
 * Whether a message says enough to tell its language: two CJK (or other non-Latin) letters, or two
 * Latin words once emails, order numbers and digits are removed ("ok", "A10042" and an email tell nothing).
 */
export function languageEvidence(raw: string): boolean {
  const text = normalizeText(raw).replace(LANGUAGE_NOISE, ' ');
  const cjk = (text.match(CJK_RE) ?? []).length;
  const otherScripts = SCRIPTS.reduce((s, [, re]) => s + (text.match(re) ?? []).length, 0);
  if (cjk + otherScripts >= 2) return true;
  return (text.match(/(?<![\p{L}])[\p{Script=Latin}]{2,}(?![\p{L}])/gu) ?? []).length >= 2;
}

/** A message that names no language at all ("ok", "A10042", "👍", an email): it is in the conversation's. */
function saysNoLanguage(raw: string): boolean {
  const text = normalizeText(raw).replace(LANGUAGE_NOISE, ' ');
  if ((text.match(CJK_RE) ?? []).length > 0 || SCRIPTS.some(([, re]) => (text.match(re) ?? []).length > 0)) return false;
  // One Latin word of three letters or more already says something ("hello", "thanks").
  return !/[\p{Script=Latin}]{3,}/u.test(text);
}

/** What the bot replies in: the two languages it speaks; English for any other. */
export function replyLanguage(code: string | null | undefined): Language {
  return code === 'zh' ? 'zh' : 'en';
}

/** A client locale's language code ('zh-CN' → 'zh'), if it names one. */
export function localeLanguage(locale: string | null | undefined): string | undefined {
  const code = locale?.split(/[-_]/)[0]?.toLowerCase();
  return code && /^[a-z]{2,3}$/.test(code) ? code : undefined;
}

export interface MessageLanguage {
  /** ISO 639-1 code of the message's language: 'en', 'zh', or another ('de', 'ja', …). */
  code: string;
  /** What the bot answers in ('en' for languages it does not speak). */
  reply: Language;
  /** The message itself said enough to tell (see languageEvidence): the conversation's language may follow it. */
  evidence: boolean;
}

/**
 * The language of a message in a conversation: its own when it tells one, else the conversation's
 * (the last language its messages told), else the client's locale when it is Chinese (the locale only
 * breaks ties, as it always did), else English.
 */
export function messageLanguage(text: string, context: { conversationLanguage?: string; locale?: string } = {}): MessageLanguage {
  const evidence = languageEvidence(text);
  let code: string;
  if (saysNoLanguage(text)) code = context.conversationLanguage ?? (localeLanguage(context.locale) === 'zh' ? 'zh' : 'en');
  else code = identifyLanguage(text).code;
  return { code, reply: replyLanguage(code), evidence };
}
