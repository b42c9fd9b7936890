/**
 * Sentiment benchmark: negative-class precision, recall and F1 and 3-class accuracy of the shipped
 * analyzer (lexicon + trained model) beside the lexicon alone, on
 *   - the frozen customer-service set nlp/data/frozen/sentiment-test.jsonl (written apart from every
 *     training row; never trained on), per language;
 *   - TweetEval's test.jsonl (../shared/data/sentiment/tweeteval), never trained on;
 *   - the held-back part of the Chinese reviews (../shared/data/sentiment/zh): the rows whose
 *     SHA-1 of the text falls in the lowest 20 % (`isHeldBackReview`), never to be trained on.
 * Chinese reviews have no neutral class: accuracy there counts neutral answers as wrong.
 * Usage: npm run bench:sentiment [-- --shared DIR]
 */
process.env.DOTENV_CONFIG_QUIET ??= 'true';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultSentimentAnalyzer } from '../nlp/default';
import { lexiconSentiment } from '../nlp/sentiment';
import type { Language, SentimentLabel } from '../nlp/types';

interface Row {
  text: string;
  label: SentimentLabel;
  lang: Language;
}

/** The Chinese reviews' held-back part: lowest 20 % of SHA-1(text). Training must skip these. */
export function isHeldBackReview(text: string): boolean {
  return createHash('sha1').update(text).digest().readUInt16BE(0) < 0x10000 * 0.2;
}

function readJsonl(file: string, lang: Language): Row[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { text: string; label?: SentimentLabel; sentiment?: SentimentLabel; lang?: Language })
    .map((r) => ({ text: r.text, label: (r.label ?? r.sentiment) as SentimentLabel, lang: r.lang ?? lang }));
}

interface Scores {
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
}

function score(rows: Row[], predict: (r: Row) => SentimentLabel): Scores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  for (const r of rows) {
    const p = predict(r);
    if (p === r.label) correct++;
    if (p === 'negative' && r.label === 'negative') tp++;
    else if (p === 'negative') fp++;
    else if (r.label === 'negative') fn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, accuracy: correct / rows.length };
}

const NEUTRAL_BAND = 0.2;
function lexiconLabel(r: Row): SentimentLabel {
  const s = lexiconSentiment(r.text, r.lang).score;
  return s <= -NEUTRAL_BAND ? 'negative' : s >= NEUTRAL_BAND ? 'positive' : 'neutral';
}

function main(): void {
  const i = process.argv.indexOf('--shared');
  const shared = resolve(i >= 0 ? process.argv[i + 1] : join(__dirname, '..', '..', 'shared', 'data', 'sentiment'));
  const analyzer = defaultSentimentAnalyzer();
  const sets: Array<[string, Row[]]> = [];
  const frozen = join(__dirname, '..', 'nlp', 'data', 'frozen', 'sentiment-test.jsonl');
  if (existsSync(frozen)) {
    const rows = readJsonl(frozen, 'en');
    sets.push(['customer service, frozen (en)', rows.filter((r) => r.lang === 'en')]);
    sets.push(['customer service, frozen (zh)', rows.filter((r) => r.lang === 'zh')]);
  } else console.log(`(no ${frozen})`);
  const tweets = join(shared, 'tweeteval', 'test.jsonl');
  if (existsSync(tweets)) sets.push(['TweetEval test (en)', readJsonl(tweets, 'en')]);
  else console.log(`(no ${tweets})`);
  const reviews: Row[] = [];
  for (const f of ['online-shopping.jsonl', 'waimai.jsonl']) {
    const file = join(shared, 'zh', f);
    if (existsSync(file)) reviews.push(...readJsonl(file, 'zh').filter((r) => isHeldBackReview(r.text)));
  }
  if (reviews.length) sets.push(['zh reviews, held back 20 %', reviews]);

  console.log(`sentiment benchmark: negative-class P / R / F1 and accuracy; ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const fmt = (s: Scores): string => `${s.precision.toFixed(3)} / ${s.recall.toFixed(3)} / ${s.f1.toFixed(3)}  acc ${s.accuracy.toFixed(3)}`;
  for (const [name, rows] of sets) {
    const t0 = performance.now();
    const shipped = score(rows, (r) => analyzer.analyze(r.text, r.lang).label);
    const ms = (performance.now() - t0) / rows.length;
    const lexicon = score(rows, lexiconLabel);
    const always = score(rows, () => 'negative');
    console.log(`${name.padEnd(32)} n=${String(rows.length).padStart(6)}`);
    console.log(`  shipped model    ${fmt(shipped)}  (${(ms * 1000).toFixed(0)} µs/message)`);
    console.log(`  lexicon alone    ${fmt(lexicon)}`);
    console.log(`  always negative  ${fmt(always)}`);
  }
}

main();
