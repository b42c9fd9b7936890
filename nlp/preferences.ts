/**
 * Stated preferences in a customer's message, English and Chinese: what they like or dislike
 * ("I love candles", "don't like plastic", "我喜欢蜡烛") matched to a catalogue the caller passes in,
 * and how they want to be contacted ("I prefer email", "请用电话联系我"). Pure and rule-based: patterns
 * on the sentence, then the object phrase is cleaned and matched to category names and product-name
 * words (singularised; Chinese terms through a small glossary of shop nouns, extendable by the caller).
 */

export type ContactChannel = 'email' | 'phone' | 'sms' | 'chat' | 'whatsapp' | 'wechat';

export type PreferenceStatement =
  | { kind: 'likes' | 'dislikes'; term: string; categories: string[]; skus: string[] }
  | { kind: 'contact'; channel: ContactChannel };

export interface PreferenceVocabulary {
  categories: readonly string[];
  products: ReadonlyArray<{ sku: string; name: string; category?: string | null }>;
  /** Chinese term → English words of the catalogue (merged over the built-in glossary). */
  glossary?: Readonly<Record<string, string>>;
}

/** Common shop nouns, Chinese → English, so "我喜欢蜡烛" finds the candles of an English catalogue. */
export const ZH_GLOSSARY: Readonly<Record<string, string>> = {
  蜡烛: 'candle', 香薰: 'candle scented', 茶叶: 'tea', 绿茶: 'sencha tea', 红茶: 'earl grey tea', 茶: 'tea', 马克杯: 'mug', 杯子: 'mug', 保温杯: 'travel mug',
  水壶: 'kettle', 热水壶: 'kettle', 毯子: 'blanket', 毛毯: 'blanket', 台灯: 'lamp desk', 灯: 'lamp', 塑料: 'plastic', 羊毛: 'wool', 厨房: 'kitchen',
  家居: 'home', 咖啡: 'coffee', 衣服: 'clothing', 鞋子: 'shoes', 鞋: 'shoes', 书: 'book', 玩具: 'toy', 香水: 'perfume', 包: 'bag',
};

const CHANNEL_WORDS: Array<[RegExp, ContactChannel]> = [
  [/^e-?mails?$|^邮件$|^电子邮件$|^邮箱$/, 'email'],
  [/^(phone( calls?)?|calls?|telephone)$|^电话$/, 'phone'],
  [/^(sms|texts?|text messages?)$|^短信$/, 'sms'],
  [/^whatsapp$/, 'whatsapp'],
  [/^(chat|live chat)$/, 'chat'],
  [/^wechat$|^微信$/, 'wechat'],
];
const CHANNEL_EN = '(e-?mails?|phone(?: calls?)?|calls?|telephone|sms|texts?|text messages?|whatsapp|wechat|live chat|chat)';
const CHANNEL_ZH = '(电子邮件|邮件|邮箱|电话|短信|微信)';

const CONTACT_PATTERNS: RegExp[] = [
  new RegExp(`\\b(?:contact|reach|email|call|text|message|update|notify|get back to)\\s+me\\s+(?:by|via|over|through|on|with)\\s+${CHANNEL_EN}\\b`, 'i'),
  new RegExp(`\\bi(?:'d| would)?\\s+(?:much\\s+)?(?:prefer|rather)\\s+(?:to\\s+)?(?:be\\s+)?(?:contacted\\s+|reached\\s+)?(?:by|via|over|through|on)?\\s*${CHANNEL_EN}\\b`, 'i'),
  new RegExp(`\\b${CHANNEL_EN}\\s+(?:is|works)\\s+(?:best|better|preferred)\\b`, 'i'),
  new RegExp(`(?:通过|用|发)${CHANNEL_ZH}(?:联系|通知|告诉|回复)`),
  new RegExp(`(?:更?喜欢|希望|偏好|最好)(?:用|通过)?${CHANNEL_ZH}(?:联系|沟通|通知)?`),
];

const DISLIKE_PATTERNS: Array<{ re: RegExp; strong: boolean }> = [
  { re: /\b(?:i\s+)?(?:really\s+)?(?:don'?t|do not|dont)\s+(?:like|love|enjoy|care for)\s+(.+)/i, strong: true },
  { re: /\bi\s+(?:really\s+|absolutely\s+)?(?:hate|dislike|detest|can'?t stand|cannot stand)\s+(.+)/i, strong: true },
  { re: /\b(?:i\s+)?(?:don'?t|do not|dont)\s+want\s+(?:any\s+)?(.+)/i, strong: false },
  { re: /\bno more\s+(.+)/i, strong: false },
  { re: /(?:不喜欢|讨厌|受不了|不爱)(.+)/, strong: true },
  { re: /(?:不想要|不要)(.+)/, strong: false },
];

const LIKE_PATTERNS: Array<{ re: RegExp; strong: boolean }> = [
  { re: /\bi\s+(?:really\s+|absolutely\s+|just\s+|do\s+)?(?:love|like|adore|enjoy|prefer)\s+(.+)/i, strong: true },
  { re: /\bi'?m\s+(?:a\s+)?(?:big\s+|huge\s+)?fan of\s+(.+)/i, strong: true },
  { re: /(?<![不可])(?:喜欢|热爱|偏爱|最爱|爱)(.+)/, strong: true },
];

const LEADING = /^(?:(?:the|a|an|my|your|all|any|those|these|some|more|of|very much|really|much)\s+)+/i;
const LEADING_ZH = /^(?:你们的|您们的|你们|贵店的|这些|那些|这个|那个|这种|那种|所有的|所有|的|很|非常|特别|最)+/;
const TRAILING = /\s+(?:very much|so much|a lot|too|as well|please|though|anymore|any more)$/i;
const TRAILING_ZH = /(?:了|啊|呀|哦|吗|呢|的东西|东西)+$/;
/** Objects that are not things: "I like it", "I'd like to know", "I don't want to wait". */
const NOT_A_THING = /^(?:it|that|this|them|you|him|her|to\b|how\b|when\b|what\b|if\b|being\b|waiting\b|the way\b|your service|this service|being\b)/i;
const STOPWORDS = new Set(['the', 'and', 'with', 'for', 'your', 'some', 'very', 'much', 'more', 'kind', 'kinds', 'stuff', 'things', 'thing', 'ones', 'products', 'product', 'items', 'item']);

/** Clauses: one statement each ("I love candles, but I don't like plastic" states two). */
function clauses(text: string): string[] {
  return text.split(/[.!?;。！？；\n,，、]+|\s+but\s+|\s+whereas\s+|但是|不过|而且/i).map((s) => s.trim()).filter(Boolean);
}

/** The object phrase, cut at the first clause boundary and cleaned of articles and fillers. */
function cleanTerm(raw: string, zh: boolean): string | null {
  let t = raw.split(zh ? /[，,、]|但是|但|因为|所以|而且|和|还有/ : /,|\s+(?:but|and|because|so|since|as|though|although|when|which|that)\s+/i)[0].trim();
  if (zh) t = t.replace(LEADING_ZH, '').replace(TRAILING_ZH, '').trim();
  else t = t.replace(LEADING, '').replace(TRAILING, '').replace(/[^\p{L}\p{N}\s'-]/gu, '').trim();
  if (!t || NOT_A_THING.test(t)) return null;
  if (zh ? t.length > 12 : t.split(/\s+/).length > 4) return null;
  return t.toLowerCase();
}

function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && /(?:ches|shes|xes|sses)$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

function words(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 3 && !STOPWORDS.has(w)).map(singular);
}

/** Categories named by the term and products whose name shares a word with it. */
export function matchCatalogue(term: string, vocabulary: PreferenceVocabulary): { categories: string[]; skus: string[] } {
  const glossary = { ...ZH_GLOSSARY, ...(vocabulary.glossary ?? {}) };
  const termWords = new Set(words(term));
  // Longest glossary keys first, so 绿茶 wins over 茶.
  let rest = term;
  for (const key of Object.keys(glossary).sort((a, b) => b.length - a.length)) {
    if (!rest.includes(key)) continue;
    for (const w of words(glossary[key])) termWords.add(w);
    rest = rest.split(key).join(' ');
  }
  if (termWords.size === 0) return { categories: [], skus: [] };
  const categories = vocabulary.categories.filter((c) => words(c).some((w) => termWords.has(w)));
  const skus = vocabulary.products.filter((p) => words(p.name).some((w) => termWords.has(w))).map((p) => p.sku).slice(0, 10);
  return { categories: [...new Set(categories)], skus };
}

function contactChannel(word: string): ContactChannel | null {
  const w = word.toLowerCase().trim();
  return CHANNEL_WORDS.find(([re]) => re.test(w))?.[1] ?? null;
}

/**
 * Every preference the message states, in order. A like or dislike is kept when it names something
 * ("I love candles"); the weaker forms ("I don't want …", "no more …", "不要…") only when the thing is
 * in the catalogue, so "I don't want a refund" is not taken for a taste.
 */
export function extractPreferences(text: string, vocabulary: PreferenceVocabulary): PreferenceStatement[] {
  const out: PreferenceStatement[] = [];
  const seen = new Set<string>();
  for (const sentence of clauses(typeof text === 'string' ? text.slice(0, 2000) : '')) {
    const zh = /[\u3400-\u9fff]/.test(sentence);
    const contact = CONTACT_PATTERNS.map((re) => re.exec(sentence)).find(Boolean);
    const channel = contact ? contactChannel(contact[1]) : null;
    if (channel) {
      if (!seen.has(`contact:${channel}`)) out.push({ kind: 'contact', channel });
      seen.add(`contact:${channel}`);
      continue;
    }
    let matched = false;
    for (const [kind, patterns] of [['dislikes', DISLIKE_PATTERNS], ['likes', LIKE_PATTERNS]] as const) {
      if (matched) break;
      for (const { re, strong } of patterns) {
        const m = re.exec(sentence);
        if (!m) continue;
        matched = true;
        const term = cleanTerm(m[1], zh);
        if (!term) break;
        const found = matchCatalogue(term, vocabulary);
        if (!strong && found.categories.length === 0 && found.skus.length === 0) break;
        if (!seen.has(`${kind}:${term}`)) out.push({ kind, term, ...found });
        seen.add(`${kind}:${term}`);
        break;
      }
    }
  }
  return out;
}
