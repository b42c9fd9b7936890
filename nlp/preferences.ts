/**
 * Stated preferences in a customer's message, English and Chinese: what they like or dislike
 * ("I love candles", "don't like plastic", "我喜欢蜡烛"; indirectly: "cedar candles are more my thing",
 * "I'm more of a tea person than a coffee person", "not a fan of instant coffee", 马克杯不太适合我)
 * matched to a catalogue the caller passes in, and how they want to be contacted ("I prefer email",
 * "text me", "WhatsApp is best", "请用电话联系我", 短信联系我; not a one-off "email me the invoice" or
 * 发邮件给我发票). Pure and rule-based: patterns
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
  [/^e-?mail(?:s|ed|ing)?$|^邮件$|^电子邮件$|^邮箱$/, 'email'],
  [/^(phone( calls?)?|calls?|telephone|phoned|called|calling|rang)$|^电话$/, 'phone'],
  [/^(sms|texts?|texted|texting|text messages?)$|^短信$/, 'sms'],
  [/^whatsapp(?:ed)?$/, 'whatsapp'],
  [/^(chat|live chat)$/, 'chat'],
  [/^wechat$|^微信$/, 'wechat'],
];
const CHANNEL_EN = '(e-?mails?|e-?mailing|phone(?: calls?)?|calls?|telephone|sms|texts?|texting|text messages?|whatsapp|wechat|live chat|chat)';
const CHANNEL_ZH = '(电子邮件|邮件|邮箱|电话|短信|微信|whatsapp|WhatsApp)';
/** "WhatsApp is best", "emails are fine", "SMS is ok for me" (a bare "the chat is great" is praise, not a preference). */
const GOOD_EN = '(?:the\\s+|much\\s+|really\\s+|just\\s+|always\\s+|probably\\s+)?(?:best|better|easiest|easier|simplest|quickest|preferred|ideal|fine|(?:ok|okay|good)\\s+(?:for|with|by)\\s+me)';

/**
 * How to reach them, the channel in group 1. Asking to be phoned ("please phone me", "call me back",
 * 给我打个电话) is not here on purpose: that is a request for a call now, a handoff, and only a
 * comparison ("call me rather than email") makes it a standing preference.
 */
const CONTACT_PATTERNS: Array<RegExp | { re: RegExp; sends: true }> = [
  new RegExp(`\\b(?:contact|reach|email|call|text|message|update|notify|get back to|ping)\\s+me\\s+(?:only\\s+)?(?:by|via|over|through|on|with)\\s+${CHANNEL_EN}\\b`, 'i'),
  new RegExp(`\\bi(?:'d| would)?\\s+(?:much\\s+|really\\s+)?(?:prefer|rather)\\s+(?:to\\s+)?(?:be\\s+)?(?:contacted\\s+|reached\\s+)?(?:(?:get|have|receive)\\s+)?(?:by|via|over|through|on)?\\s*(?:an?\\s+)?${CHANNEL_EN}\\b`, 'i'),
  // "I'd prefer updates via SMS", "I prefer to hear back by email".
  new RegExp(`\\bprefer(?:\\s+[\\w']+){1,3}?\\s+(?:by|via|over|through|on)\\s+${CHANNEL_EN}\\b`, 'i'),
  new RegExp(`\\b(?:rather|prefer(?:\\s+it)?\\s+if)\\s+you\\s+(e-?mailed|texted|whatsapped|called|phoned|rang)\\b`, 'i'),
  new RegExp(`\\b${CHANNEL_EN}\\s+(?:is|are|works?|would be|'s)\\s+${GOOD_EN}\\b`, 'i'),
  new RegExp(`\\b${CHANNEL_EN}\\s+works\\s+for\\s+me\\b`, 'i'),
  new RegExp(`\\b(?:best|easiest|preferred|quickest)\\s+(?:way|method|channel|option)(?:\\s+of\\s+contact)?(?:\\s+to\\s+(?:reach|contact|get hold of|get in touch with)\\s+me)?\\s+(?:is|would be)\\s+(?:by\\s+|via\\s+|through\\s+|on\\s+)?${CHANNEL_EN}\\b`, 'i'),
  new RegExp(`\\bpreferred\\s+contact\\s+(?:method|channel|option)\\s+is\\s+${CHANNEL_EN}\\b`, 'i'),
  new RegExp(`\\b(?:easier|easiest|best)\\s+to\\s+(?:reach|contact|get hold of)(?:\\s+me)?\\s+(?:on|by|via|through|over)\\s+${CHANNEL_EN}\\b`, 'i'),
  new RegExp(`(?:^|\\bplease\\s+|\\bjust\\s+)(?:only\\s+)?(?:use|stick to|keep it to)\\s+(?:only\\s+)?${CHANNEL_EN}\\b`, 'i'),
  // Sending verbs ("sends"): "send me an email instead" is how to write, "send me an email with the invoice" one request.
  { re: new RegExp(`\\b(?:send|drop|shoot)\\s+me\\s+(?:an?\\s+)?${CHANNEL_EN}\\b`, 'i'), sends: true },
  // "text me", "email me", "WhatsApp me": writing, not a call; "email me the invoice" asks for one thing.
  { re: /\b(e-?mail|text|sms|whatsapp|wechat)\s+me\b/i, sends: true },
  new RegExp(`\\b(call|phone|ring)\\s+me\\b.*\\b(?:rather than|instead of|not by|over)\\s+(?:an?\\s+)?${CHANNEL_EN}`, 'i'),
  new RegExp(`(?:通过|用|发|走)${CHANNEL_ZH}(?:联系|通知|告诉|回复|联络|找)`),
  new RegExp(`(?:更?喜欢|希望|偏好|最好)(?:用|通过|发)?${CHANNEL_ZH}(?:联系|沟通|通知)?`),
  new RegExp(`${CHANNEL_ZH}(?:联系|通知|联络|找|告诉|回复)我`),
  // 发邮件给我 (就好) is how to write, 发邮件给我发票 / 把发票发邮件给我 one request.
  { re: new RegExp(`发${CHANNEL_ZH}给我|给我发${CHANNEL_ZH}`), sends: true },
  { re: new RegExp(`(?:请|麻烦|就)(?:只)?(?:发|用|通过)${CHANNEL_ZH}(?:联系|通知|回复|发给|给我|告诉|吧|就行|就好|$)`), sends: true },
  new RegExp(`${CHANNEL_ZH}(?:上)?(?:更|最)?容易(?:找到|联系到|联系上)我`),
  new RegExp(`${CHANNEL_ZH}(?:最|更|比较)(?:方便|容易|好|合适)`),
  new RegExp(`${CHANNEL_ZH}比.{1,8}?(?:更|还)(?:适合|方便|好)`),
  new RegExp(`(?:方式|途径|渠道)(?:是|为)(?:通过|用|发)?${CHANNEL_ZH}`),
];

/**
 * What follows a sending verb when it asks for one thing to be sent ("email me the invoice", "text me
 * a copy", "send me an email with the receipt"): an object. A standing preference has none ("email me
 * instead", "text me when it ships", "email me with updates"), or a recurring one ("text me any updates").
 */
const SENT_OBJECT_EN =
  /^\s+(?:with\s+|containing\s+)?(?:the|a|an|my|your|our|this|that|these|those|it|them|one|some|any|all|both|everything|something|anything|copy|copies|details|info|information|links?|receipts?|invoices?|tracking|confirmations?|codes?|numbers?|quotes?|labels?|photos?|pictures?|address|password|statements?|documents?|tickets?|pdfs?|proof|summary|\d)\b/i;
const RECURRING_EN = /^[^,.;]*?\b(?:updates?|news|notifications?|alerts?|offers?|newsletters?|promotions?|deals|reminders?)\b/i;
/** After 发邮件给我 a standing preference has at most a particle (就好, 吧); anything else is the thing to send (发邮件给我发票). */
const STANDING_TAIL_ZH = /^[\s我]?(?:就好|就行|就可以|即可|了|吧|呗|好吗|好吧|可以吗|行吗|谢谢|哦|啊|呀|吗)*[\s\p{P}]*$/u;

/** A sending verb with its object: a one-off request ("email me the invoice", 把发票发邮件给我), no way of contact. */
function sendsSomething(sentence: string, m: RegExpExecArray): boolean {
  const before = sentence.slice(0, m.index);
  const after = sentence.slice(m.index + m[0].length);
  if (/[\u3400-\u9fff]/.test(m[0])) return /把/.test(before) || !STANDING_TAIL_ZH.test(after);
  return SENT_OBJECT_EN.test(after) && !RECURRING_EN.test(after);
}

/** Channels ruled out in the same breath ("not by phone", "no calls", 别打电话, 比起打电话) are no preference for them. */
const NEGATED_CHANNEL = new RegExp(
  `\\b(?:not|no|never|don'?t|do not|without)\\s+(?:by\\s+|via\\s+|through\\s+|on\\s+)?(?:an?\\s+|any\\s+)?(?:(?:call|phone|ring|text|e-?mail|message)(?:\\s+me)?\\b|${CHANNEL_EN})|` +
    `(?:别|不要|不用|请勿|勿|不必|不想|比起|不方便)(?:再)?(?:接|打|发|用|通过)?${CHANNEL_ZH}`,
  'gi',
);

type Pattern = { re: RegExp; strong: boolean };

/**
 * Dislikes, tried before likes ("not a fan of" contains "fan of"). Group 1 is the thing. Weak forms
 * ("I don't want …", "I'm not a coffee person") count only when the thing is in the catalogue.
 */
const DISLIKE_PATTERNS: Pattern[] = [
  { re: /\b(?:i\s+)?(?:really\s+)?(?:don'?t|do not|dont)\s+(?:really\s+)?(?:like|love|enjoy|care for|fancy)\s+(.+)/i, strong: true },
  // A like withdrawn: "I no longer like tea", "I don't love candles any longer".
  { re: /\bi\s+(?:no longer|don'?t any longer)\s+(?:like|love|enjoy|care for|fancy|want)\s+(.+)/i, strong: true },
  { re: /\bi\s+(?:really\s+|absolutely\s+|just\s+)?(?:hate|dislike|detest|can'?t stand|cannot stand|avoid|try to avoid)\s+(.+)/i, strong: true },
  { re: /\b(?:i'?d|i would)\s+(?:rather|prefer to)\s+avoid\s+(.+)/i, strong: true },
  {
    re: /\bnot\s+(?:(?:really|too|that|so|very|terribly|particularly|a|big|huge|great|much of a)\s+)*(?:keen on|fond of|fan of|into|crazy about|a fan of)\s+(.+)/i,
    strong: true,
  },
  { re: /\bi'?m\s+allergic\s+to\s+(.+)/i, strong: true },
  { re: /^(.+?)\s+(?:just\s+|really\s+|simply\s+|honestly\s+)?(?:is not|isn'?t|are not|aren'?t|'s not|'re not)\s+(?:really\s+|quite\s+|exactly\s+)?(?:for me|my (?:thing|style|kind of thing|cup of tea|jam))/i, strong: true },
  { re: /\bnot\s+(?:(?:really|much of|much|a big|exactly|quite|at all|the)\s+)*an?\s+(.+?)\s+(?:(?:kind|sort|type) of\s+)?(?:person|guy|girl|fan|drinker)\b/i, strong: false },
  { re: /^(?:no|not)\s+(.+?)\s+for me\b/i, strong: false },
  { re: /\b(?:i\s+)?(?:don'?t|do not|dont)\s+want\s+(?:any\s+)?(.+)/i, strong: false },
  { re: /\bno more\s+(.+)/i, strong: false },
  { re: /(?:不太|不怎么|不是很|不大|不很|并不|不再)(?:喜欢|爱)(.+)/, strong: true },
  { re: /(?:不喜欢|讨厌|受不了|不爱|反感|不感冒)(.+)/, strong: true },
  { re: /我对(.+?)(?:不太感冒|不感冒|没兴趣|没有兴趣|不感兴趣|过敏)/, strong: true },
  { re: /^(.+?)(?:不太|不怎么|不是很|并不|不大|不)(?:适合我|合我意|合我胃口)/, strong: true },
  { re: /^(.+?)(?:不是我的菜|我不太感冒|我不感冒)/, strong: true },
  { re: /(?:不想要|不要)(.+)/, strong: false },
];

const LIKE_PATTERNS: Pattern[] = [
  { re: /\bi\s+(?:really\s+|absolutely\s+|just\s+|do\s+|much\s+|definitely\s+)?(?:love|like|adore|enjoy|prefer)\s+(.+)/i, strong: true },
  // Weak: "I'd prefer a refund" is no taste.
  { re: /\b(?:i'?d|i would)\s+(?:much\s+|really\s+)?(?:prefer|rather have|go for)\s+(.+)/i, strong: false },
  { re: /\b(?:i'?m\s+)?(?:a\s+)?(?:big\s+|huge\s+|great\s+)?fan of\s+(.+)/i, strong: true },
  { re: /\bi'?m\s+(?:really\s+|so\s+|very\s+|totally\s+|quite\s+|big\s+|very much\s+)?(?:into|keen on|fond of|partial to|crazy about)\s+(.+)/i, strong: true },
  { re: /^(?:honestly,?\s+|well,?\s+|for me,?\s+)?(.+?)\s+(?:is|are|'s|'re)\s+(?:more\s+|really\s+|definitely\s+|totally\s+|just\s+)?(?:my (?:thing|style|kind of thing|cup of tea|jam|favou?rites?))/i, strong: true },
  // "I'm more of a tea person", "definitely a candle person", "we're espresso people": a taste, weak (the catalogue decides; "a busy person" is none).
  { re: /\ban?\s+(.+?)\s+(?:(?:kind|sort|type) of\s+)?(?:person|guy|girl|lover|drinker|fan)\b/i, strong: false },
  { re: /\b(?:we'?re|we are)\s+(?:(?:all|both|big|real)\s+)*(.+?)\s+(?:people|lovers|drinkers|fans)\b/i, strong: false },
  { re: /\bi\s+(?:always|usually|normally|tend to|mostly|only)\s+(?:go for|pick|choose|buy|get|drink|use)\s+(.+)/i, strong: false },
  { re: /^(?:honestly,?\s+)?(.+?)\s+(?:is|are)\s+the best\b/i, strong: false },
  { re: /^(.+?)(?:是我的最爱|是我的菜|是我最喜欢的|更合我意|很合我意|最合我意|更适合我|最适合我)/, strong: true },
  { re: /我是(.+?)(?:的)?(?:忠实)?(?:粉丝|爱好者)/, strong: true },
  { re: /我对(.+?)(?:很|非常|特别|比较)?感兴趣/, strong: true },
  { re: /我(?:平时|一般|通常|现在)?只(?:喝|用|买|穿|吃)(.+)/, strong: false },
  { re: /(?<![不可])(?:喜欢|热爱|偏爱|偏好|最爱|爱)(.+)/, strong: true },
];

const LEADING = /^(?:(?:the|a|an|my|your|all|any|those|these|some|more|of|very much|really|much|anything|something)\s+)+/i;
const LEADING_ZH = /^(?:你们的|您们的|你们|贵店的|这些|那些|这个|那个|这种|那种|所有的|所有|的|很|非常|特别|最|喝|吃|用)+/;
// Repeated: "I don't like candles any more after all" loses both endings.
const TRAILING = /(?:\s+(?:very much|so much|a lot|too|as well|please|though|anymore|any more|here|for me|these days|myself|after all|at all|actually|now|either|any longer))+$/i;
const TRAILING_ZH = /(?:了|啊|呀|哦|吗|呢|的东西|东西)+$/;
/** Objects that are not things: "I like it", "I'd like to know", "I don't want to wait". */
const NOT_A_THING = /^(?:it|that|this|them|you|him|her|to|how|when|what|if|being|waiting|the way|your service|this service|people|person|real|human|someone|somebody)\b/i;
/** A question is no statement of taste: 哪款最适合我, 什么更合我意. */
const NOT_A_THING_ZH = /[哪谁吗么？?]/;
const STOPWORDS = new Set(['the', 'and', 'with', 'for', 'your', 'some', 'very', 'much', 'more', 'kind', 'kinds', 'stuff', 'things', 'thing', 'ones', 'products', 'product', 'items', 'item']);

/** Clauses: one statement each ("I love candles, but I don't like plastic" states two). */
function clauses(text: string): string[] {
  return text.split(/[.!?;。！？；\n,，、]+|\s+but\s+|\s+whereas\s+|但是|不过|而且/i).map((s) => s.trim()).filter(Boolean);
}

/** The object phrase, cut at the first clause boundary or comparison ("tea over coffee") and cleaned of articles and fillers. */
function cleanTerm(raw: string, zh: boolean): string | null {
  let t = raw
    .split(zh ? /[，,、]|但是|但|因为|所以|而且|和|还有|比(?!较)/ : /,|\s+(?:but|and|because|so|since|as|though|although|when|which|that|than|over|rather than|instead of|through and through)(?:\s+|$)/i)[0]
    .trim();
  if (zh) t = t.replace(LEADING_ZH, '').replace(TRAILING_ZH, '').trim();
  else t = t.replace(LEADING, '').replace(/[^\p{L}\p{N}\s'-]/gu, '').trim().replace(TRAILING, '').trim();
  if (!t || (zh ? NOT_A_THING_ZH : NOT_A_THING).test(t)) return null;
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

function statedChannel(sentence: string): ContactChannel | null {
  const rest = sentence.replace(NEGATED_CHANNEL, ' ');
  for (const pattern of CONTACT_PATTERNS) {
    const m = (pattern instanceof RegExp ? pattern : pattern.re).exec(rest);
    if (!m || (!(pattern instanceof RegExp) && sendsSomething(rest, m))) continue;
    // The channel is the first group that took part (给我发邮件 is the second alternative's).
    const channel = contactChannel(m.slice(1).find((g) => g !== undefined) ?? '');
    if (channel) return channel;
  }
  return null;
}

/**
 * Every preference the message states, in order. A like or dislike is kept when it names something
 * ("I love candles"); the weaker forms ("I don't want …", "no more …", "不要…", "I'm a tea person")
 * only when the thing is in the catalogue, so "I don't want a refund" is not taken for a taste. A liked
 * channel ("I prefer email") is a contact preference; a disliked one says only what not to use.
 */
export function extractPreferences(text: string, vocabulary: PreferenceVocabulary): PreferenceStatement[] {
  const out: PreferenceStatement[] = [];
  const seen = new Set<string>();
  const add = (key: string, statement: PreferenceStatement) => {
    if (!seen.has(key)) out.push(statement);
    seen.add(key);
  };
  for (const sentence of clauses(typeof text === 'string' ? text.slice(0, 2000) : '')) {
    const zh = /[\u3400-\u9fff]/.test(sentence);
    const channel = statedChannel(sentence);
    if (channel) {
      add(`contact:${channel}`, { kind: 'contact', channel });
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
        const liked = contactChannel(term);
        if (liked) {
          if (kind === 'likes') add(`contact:${liked}`, { kind: 'contact', channel: liked });
          break;
        }
        const found = matchCatalogue(term, vocabulary);
        if (!strong && found.categories.length === 0 && found.skus.length === 0) break;
        add(`${kind}:${term}`, { kind, term, ...found });
        break;
      }
    }
  }
  return out;
}
