/**
 * Rule-based entity extraction for English and Chinese. Offsets refer to the text passed in
 * (callers pass the raw message; only same-length cleaning is applied here, so spans stay valid).
 *
 * Order numbers (value = uppercase, separators and "#" removed, e.g. "#a-123 45" → "A12345"):
 *   - "#" followed by 5–12 letters/digits containing a digit            "#A12345", "#1002334"
 *   - "order"/"order number"/"order no."/"订单"/"订单号" (optionally ":", "#", "是") followed by
 *     5–12 letters/digits/hyphens containing a digit                   "order 1002334", "订单号是A12345"
 *   - ORD/ORDER/SO/PO prefix, optional "-", 4–12 digits                 "ORD-55821"
 *   - 1–3 capital letters, optional "-", 5–10 digits                    "A99231", "B-77812"
 * Dates are resolved against hints.now using UTC calendar days; a bare weekday ("on Monday",
 * "周一") means its most recent occurrence up to today, "next Friday" the next one after today,
 * "last Monday" the most recent one before today, and "上周一"/"下周五" the day in the previous
 * or next Monday-based week.
 */
import type { CatalogProduct, Entity, Language, MoneyValue } from './types';

export interface EntityOptions {
  language: Language;
  now: Date;
  products?: CatalogProduct[];
}

const DIGITS = '0-9０-９';
function asciiDigits(s: string): string {
  return s.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48));
}

type Candidate = Entity & { priority: number };

export function extractEntities(text: string, options: EntityOptions): Entity[] {
  const src = typeof text === 'string' ? text : '';
  const found: Candidate[] = [];
  const push = (type: Entity['type'], start: number, matched: string, value: unknown, priority: number) => {
    // Trim whitespace the regexes may have swallowed at the edges.
    const lead = matched.length - matched.trimStart().length;
    const t = matched.trim();
    if (!t) return;
    found.push({ type, text: t, start: start + lead, end: start + lead + t.length, value, priority });
  };
  findEmails(src, push);
  findOrderNumbers(src, push);
  findMoney(src, push);
  findPhones(src, push);
  findDates(src, options.now, push);
  if (options.products?.length) findProducts(src, options.products, push);
  // Keep the highest-priority (then longest, then earliest) non-overlapping spans.
  found.sort((a, b) => a.priority - b.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const taken: Candidate[] = [];
  for (const c of found) {
    if (taken.some((t) => c.start < t.end && t.start < c.end)) continue;
    taken.push(c);
  }
  return taken
    .sort((a, b) => a.start - b.start)
    .map(({ priority: _p, ...e }) => e);
}

type Push = (type: Entity['type'], start: number, matched: string, value: unknown, priority: number) => void;

function eachMatch(re: RegExp, s: string, fn: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  let guard = 0;
  while ((m = re.exec(s)) && guard++ < 1000) {
    fn(m);
    if (m[0].length === 0) re.lastIndex++;
  }
}

// ---- email ------------------------------------------------------------------------------------

function findEmails(s: string, push: Push): void {
  eachMatch(/[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}/g, s, (m) =>
    push('email', m.index, m[0], m[0].toLowerCase(), 0),
  );
}

// ---- order numbers -----------------------------------------------------------------------------

function normOrder(code: string): string {
  return asciiDigits(code).toUpperCase().replace(/[^A-Z0-9]/g, '');
}

function findOrderNumbers(s: string, push: Push): void {
  const code = `[A-Za-z${DIGITS}][A-Za-z${DIGITS}-]{3,14}[A-Za-z${DIGITS}]`;
  const ok = (c: string) => /[0-9０-９]/.test(c) && normOrder(c).length >= 5 && normOrder(c).length <= 12;
  // keyword-led: "order #A123-45", "order number: 1002334", "订单号是A12345"
  eachMatch(
    new RegExp(
      `(?:\\border(?:\\s+(?:number|no\\.?|id|ref(?:erence)?))?|订单(?:号码|编号|号)?)\\s*(?:[:：#]|是|为)?\\s*#?\\s*(${code})`,
      'gi',
    ),
    s,
    (m) => {
      if (!ok(m[1])) return;
      const at = m.index + m[0].lastIndexOf(m[1]);
      push('order_number', at, m[1], normOrder(m[1]), 1);
    },
  );
  eachMatch(new RegExp(`#\\s?([A-Za-z${DIGITS}]{5,12})(?![A-Za-z${DIGITS}])`, 'g'), s, (m) => {
    if (ok(m[1])) push('order_number', m.index, m[0], normOrder(m[1]), 1);
  });
  eachMatch(new RegExp(`(?<![A-Za-z${DIGITS}])(?:ORD(?:ER)?|SO|PO)-?[${DIGITS}]{4,12}(?![A-Za-z${DIGITS}])`, 'gi'), s, (m) =>
    push('order_number', m.index, m[0], normOrder(m[0]), 1),
  );
  eachMatch(new RegExp(`(?<![A-Za-z${DIGITS}])[A-Z]{1,3}-?[${DIGITS}]{5,10}(?![A-Za-z${DIGITS}])`, 'g'), s, (m) =>
    push('order_number', m.index, m[0], normOrder(m[0]), 2),
  );
}

// ---- money --------------------------------------------------------------------------------------

const CN_DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CN_UNIT: Record<string, number> = { 十: 10, 百: 100, 千: 1000, 万: 10000 };

/** Parse Chinese numerals like 一百二十五, 十五, 三千, 两万五千. Returns NaN when not parseable. */
export function parseChineseNumber(s: string): number {
  if (!s) return NaN;
  let total = 0;
  let section = 0;
  let digit = -1;
  for (const ch of s) {
    if (ch in CN_DIGIT) digit = CN_DIGIT[ch];
    else if (ch in CN_UNIT) {
      const unit = CN_UNIT[ch];
      if (unit === 10000) {
        total += (section + Math.max(digit, 0)) * unit;
        section = 0;
      } else section += (digit < 0 ? 1 : digit) * unit;
      digit = -1;
    } else return NaN;
  }
  return total + section + Math.max(digit, 0);
}

function parseAmount(num: string): number {
  const a = asciiDigits(num).replace(/,(?=\d{3}\b)/g, '');
  if (/^[0-9.]+$/.test(a)) return parseFloat(a);
  return parseChineseNumber(num);
}

const SYMBOL_CURRENCY: Record<string, string> = { $: 'USD', US$: 'USD', '€': 'EUR', '£': 'GBP', '¥': 'CNY', '￥': 'CNY', 'HK$': 'HKD' };
const WORD_CURRENCY: Array<[RegExp, string]> = [
  [/^(?:usd|dollars?|bucks?)$/i, 'USD'],
  [/^(?:eur|euros?)$/i, 'EUR'],
  [/^(?:gbp|pounds?|quid)$/i, 'GBP'],
  [/^(?:cny|rmb|yuan|元|块钱|块|人民币|元钱)$/i, 'CNY'],
  [/^(?:jpy|yen|日元)$/i, 'JPY'],
  [/^(?:hkd|港币)$/i, 'HKD'],
  [/^美元|美金$/, 'USD'],
  [/^欧元$/, 'EUR'],
  [/^英镑$/, 'GBP'],
];

function currencyOfWord(w: string): string | undefined {
  for (const [re, c] of WORD_CURRENCY) if (re.test(w)) return c;
  return undefined;
}

function money(amount: number, currency: string): MoneyValue | undefined {
  if (!Number.isFinite(amount) || amount < 0 || amount > 1e12) return undefined;
  return { amountMinor: Math.round(amount * 100), currency };
}

function findMoney(s: string, push: Push): void {
  const num = `[${DIGITS}]{1,3}(?:,[${DIGITS}]{3})+(?:\\.[${DIGITS}]{1,2})?|[${DIGITS}]+(?:\\.[${DIGITS}]{1,2})?`;
  // symbol or ISO code first: "$49.99", "US$ 5", "€15", "USD 20", "RMB 50", "¥299"
  eachMatch(new RegExp(`(US\\$|HK\\$|[$€£¥￥]|\\b(?:USD|EUR|GBP|CNY|RMB|JPY|HKD)\\b)\\s?(${num})`, 'gi'), s, (m) => {
    const cur = SYMBOL_CURRENCY[m[1].toUpperCase()] ?? currencyOfWord(m[1]) ?? 'USD';
    const v = money(parseAmount(m[2]), cur);
    if (v) push('money', m.index, m[0], v, 1);
  });
  // amount then unit: "30 dollars", "25 bucks", "49.99 USD", "299元", "25块", "100块钱", "五十元"
  eachMatch(
    new RegExp(
      `(${num}|[零〇一二两三四五六七八九十百千万]+)\\s?(dollars?|bucks?|euros?|pounds?|quid|yuan|yen|usd|eur|gbp|cny|rmb|jpy|hkd|元钱|元|块钱|块|人民币|美元|美金|欧元|英镑|日元|港币)(?![A-Za-z])`,
      'gi',
    ),
    s,
    (m) => {
      const cur = currencyOfWord(m[2]);
      const v = cur ? money(parseAmount(m[1]), cur) : undefined;
      if (v) push('money', m.index, m[0], v, 1);
    },
  );
}

// ---- phone --------------------------------------------------------------------------------------

function findPhones(s: string, push: Push): void {
  // International: +CC then 6–14 more digits with spaces, dots, dashes or parentheses.
  eachMatch(/(?<![\w+])(?:\+|00)[1-9][\d\s().-]{6,20}\d(?!\w)/g, s, (m) => {
    const digits = m[0].replace(/\D/g, '').replace(/^00/, '');
    if (digits.length >= 8 && digits.length <= 15) push('phone', m.index, m[0], '+' + digits, 3);
  });
  // Mainland China mobile: 11 digits starting 1[3-9], optionally grouped 3-4-4.
  eachMatch(/(?<!\d)1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)/g, s, (m) =>
    push('phone', m.index, m[0], '+86' + m[0].replace(/\D/g, ''), 3),
  );
  // North American style: (415) 555-0134, 415-555-0134, 415.555.0134
  eachMatch(/(?<![\d+])(?:\(\d{3}\)\s?|\d{3}[-.\s])\d{3}[-.\s]\d{4}(?!\d)/g, s, (m) =>
    push('phone', m.index, m[0], '+1' + m[0].replace(/\D/g, ''), 4),
  );
}

// ---- dates --------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
const EN_WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const ZH_WEEKDAY: Record<string, number> = { 日: 0, 天: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 0 };
const EN_MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function utcDay(d: Date): number {
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}
function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
function weekdayOf(ms: number): number {
  return new Date(ms).getUTCDay();
}
/** Monday of the week containing `ms` (weeks start on Monday). */
function mondayOf(ms: number): number {
  return ms - ((weekdayOf(ms) + 6) % 7) * DAY_MS;
}
function validYmd(y: number, m: number, d: number): number | undefined {
  if (m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  const ms = Date.UTC(y, m - 1, d);
  return new Date(ms).getUTCDate() === d ? ms : undefined;
}
/** Month/day without a year: the most recent such date not more than ~1 month ahead. */
function nearestYear(today: number, m: number, d: number): number | undefined {
  const y = new Date(today).getUTCFullYear();
  const cands = [y - 1, y, y + 1].map((yy) => validYmd(yy, m, d)).filter((x): x is number => x !== undefined);
  const future = cands.filter((c) => c <= today + 31 * DAY_MS);
  return future.length ? Math.max(...future) : cands[0];
}

function findDates(s: string, now: Date, push: Push): void {
  const base = Number.isFinite(now.getTime()) ? now : new Date();
  const today = utcDay(base);
  const put = (start: number, text: string, ms: number | undefined) => {
    if (ms !== undefined && Number.isFinite(ms)) push('date', start, text, { date: iso(ms) }, 5);
  };
  const lower = s.toLowerCase();
  // English relative words
  eachMatch(/\b(?:the\s+)?day\s+(before\s+yesterday|after\s+tomorrow)\b|\b(today|tonight|yesterday|tomorrow)\b/g, lower, (m) => {
    const w = (m[1] ?? m[2]).replace(/\s+/g, ' ');
    const off = { 'before yesterday': -2, 'after tomorrow': 2, today: 0, tonight: 0, yesterday: -1, tomorrow: 1 }[w] ?? 0;
    put(m.index, s.slice(m.index, m.index + m[0].length), today + off * DAY_MS);
  });
  eachMatch(/\b(\d{1,3}|a|an|one|two|three|four|five|six|seven)\s+(day|week)s?\s+(ago|from now)\b|\bin\s+(\d{1,3}|a|an|one|two|three|four|five|six|seven)\s+(day|week)s?\b/g, lower, (m) => {
    const words: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7 };
    const nRaw = m[1] ?? m[4];
    const n = words[nRaw] ?? parseInt(nRaw, 10);
    const unit = (m[2] ?? m[5]) === 'week' ? 7 : 1;
    const sign = m[3] === 'ago' ? -1 : 1;
    put(m.index, s.slice(m.index, m.index + m[0].length), today + sign * n * unit * DAY_MS);
  });
  // weekdays: "last monday", "next friday", "this friday", "on monday", "monday"
  eachMatch(/\b(?:(last|next|this|on|past|coming)\s+)?(sun|mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?)(?:day)?\b/g, lower, (m) => {
    const full = m[0];
    if (!/day\b/.test(full) && !m[1]) return; // bare "mon"/"sat" abbreviations are too ambiguous
    const wd = EN_WEEKDAYS.findIndex((d) => d.startsWith(m[2].slice(0, 3)));
    const cur = weekdayOf(today);
    let ms: number;
    if (m[1] === 'last' || m[1] === 'past') ms = today - (((cur - wd + 7) % 7) || 7) * DAY_MS;
    else if (m[1] === 'next' || m[1] === 'coming') ms = today + (((wd - cur + 7) % 7) || 7) * DAY_MS;
    else if (m[1] === 'this') ms = mondayOf(today) + ((wd + 6) % 7) * DAY_MS;
    else ms = today - ((cur - wd + 7) % 7) * DAY_MS;
    put(m.index, s.slice(m.index, m.index + full.length), ms);
  });
  // ISO and numeric dates: 2024-05-03, 2024/5/3, 05/03/2024 (en: month first; zh: year first only)
  eachMatch(/\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b/g, s, (m) => put(m.index, m[0], validYmd(+m[1], +m[2], +m[3])));
  eachMatch(/\b(\d{1,2})\/(\d{1,2})\/(\d{4})\b/g, s, (m) => put(m.index, m[0], validYmd(+m[3], +m[1], +m[2])));
  // "May 3", "May 3rd, 2025", "3 May 2025"
  eachMatch(/\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b/g, lower, (m) => {
    const mo = EN_MONTHS.indexOf(m[1].slice(0, 3)) + 1;
    if (m[1] === 'may' && !/^may\s+\d/.test(m[0])) return;
    const ms = m[3] ? validYmd(+m[3], mo, +m[2]) : nearestYear(today, mo, +m[2]);
    put(m.index, s.slice(m.index, m.index + m[0].length), ms);
  });
  eachMatch(/\b(\d{1,2})(?:st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?:,?\s+(\d{4}))?\b/g, lower, (m) => {
    const mo = EN_MONTHS.indexOf(m[2].slice(0, 3)) + 1;
    const ms = m[3] ? validYmd(+m[3], mo, +m[1]) : nearestYear(today, mo, +m[1]);
    put(m.index, s.slice(m.index, m.index + m[0].length), ms);
  });
  // Chinese relative days
  eachMatch(/大前天|前天|昨天|昨日|今天|今日|明天|明日|后天|大后天/g, s, (m) => {
    const off: Record<string, number> = { 大前天: -3, 前天: -2, 昨天: -1, 昨日: -1, 今天: 0, 今日: 0, 明天: 1, 明日: 1, 后天: 2, 大后天: 3 };
    put(m.index, m[0], today + off[m[0]] * DAY_MS);
  });
  eachMatch(/([0-9]{1,3}|[一二两三四五六七八九十]{1,3})\s?(天|周|个星期|星期)(前|以前|之前|后|以后|之后)/g, s, (m) => {
    const n = /\d/.test(m[1]) ? parseInt(m[1], 10) : parseChineseNumber(m[1]);
    if (!Number.isFinite(n)) return;
    const unit = m[2] === '天' ? 1 : 7;
    const sign = m[3].includes('前') ? -1 : 1;
    put(m.index, m[0], today + sign * n * unit * DAY_MS);
  });
  // 上周一, 上上周五, 下星期三, 这周五, 本周日, 周一, 星期天, 礼拜二
  eachMatch(/(上上|上|下下|下|这|本|这个|上个|下个)?(周|星期|礼拜)([一二三四五六日天1-7])/g, s, (m) => {
    const wd = ZH_WEEKDAY[m[3]];
    const weekOffset: Record<string, number> = { 上上: -2, 上: -1, 上个: -1, 下下: 2, 下: 1, 下个: 1, 这: 0, 本: 0, 这个: 0 };
    let ms: number;
    if (m[1]) ms = mondayOf(today) + weekOffset[m[1]] * 7 * DAY_MS + ((wd + 6) % 7) * DAY_MS;
    else ms = today - ((weekdayOf(today) - wd + 7) % 7) * DAY_MS;
    put(m.index, m[0], ms);
  });
  // 2024年5月3日, 5月3号, 5月3日
  eachMatch(/(?:(\d{4})\s?年\s?)?(\d{1,2})\s?月\s?(\d{1,2})\s?[日号]/g, asciiDigits(s), (m) => {
    const ms = m[1] ? validYmd(+m[1], +m[2], +m[3]) : nearestYear(today, +m[2], +m[3]);
    put(m.index, s.slice(m.index, m.index + m[0].length), ms);
  });
}

// ---- products -----------------------------------------------------------------------------------

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Regex for a product name: case-insensitive, flexible whitespace/hyphens, optional plural "s". */
function namePattern(name: string): RegExp | undefined {
  const words = name.trim().split(/[\s\-_]+/).filter(Boolean);
  if (!words.length) return undefined;
  const cjk = /[\u3400-\u9fff]/.test(name);
  // Plural-insensitive: "Headphones" also matches "headphone", "Kettle" also "kettles".
  const word = (w: string) => {
    if (cjk || /\d$/.test(w)) return escapeRe(w);
    const base = w.length > 3 && /[^s]s$/i.test(w) ? w.slice(0, -1) : w;
    return escapeRe(base) + "(?:s|es|'s)?";
  };
  const body = words.map(word).join('[\\s\\-_]*');
  const edgeL = /^[A-Za-z0-9]/.test(words[0]) ? '(?<![A-Za-z0-9])' : '';
  const edgeR = /[A-Za-z0-9]$/.test(words[words.length - 1]) ? '(?![A-Za-z0-9])' : '';
  return new RegExp(edgeL + body + edgeR, 'gi');
}

// Compiled name patterns, shared across calls: catalogs are passed on every analyze() call.
const patternCache = new Map<string, RegExp | undefined>();
function cachedPattern(name: string): RegExp | undefined {
  if (patternCache.has(name)) return patternCache.get(name);
  const re = namePattern(name);
  if (patternCache.size >= 20_000) patternCache.clear();
  patternCache.set(name, re);
  return re;
}

function findProducts(s: string, products: CatalogProduct[], push: Push): void {
  for (const p of products.slice(0, 5000)) {
    if (!p || typeof p.name !== 'string') continue;
    for (const name of [p.name, ...(Array.isArray(p.aliases) ? p.aliases : [])]) {
      if (typeof name !== 'string' || name.trim().length < 2) continue;
      const re = cachedPattern(name);
      if (re) eachMatch(re, s, (m) => push('product', m.index, m[0], { id: p.id, name: p.name }, 6));
    }
  }
}
