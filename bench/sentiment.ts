/**
 * Sentiment benchmark: negative-class precision, recall and F1 and 3-class accuracy of the shipped
 * analyzer (lexicon + trained model) beside the lexicon alone, on
 *   - the frozen customer-service set nlp/data/frozen/sentiment-test.jsonl (written apart from every
 *     training row; never trained on), per language;
 *   - TweetEval's test.jsonl (../shared/data/sentiment/tweeteval), never trained on;
 *   - the held-back part of the Chinese reviews (../shared/data/sentiment/zh): the rows that
 *     `isHeldOut(text, 0.2)` of nlp/data-io picks (lowest 20 % of SHA-1), never to be trained on.
 * Chinese reviews have no neutral class: accuracy there counts neutral answers as wrong.
 * Usage: npm run bench:sentiment [-- --shared DIR]
 */
process.env.DOTENV_CONFIG_QUIET ??= 'true';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isHeldOut } from '../nlp/data-io';
import { DEFAULT_DATA_DIR, defaultSentimentAnalyzer, readSentimentExamples } from '../nlp/default';
import { evaluate } from '../nlp/metrics';
import { SentimentAnalyzer } from '../nlp/sentiment';
import type { Language, SentimentLabel } from '../nlp/types';

interface Row {
  text: string;
  label: SentimentLabel;
  lang: Language;
}

/** Share of the Chinese reviews held back from training (and measured here). */
const REVIEWS_HELD_BACK = 0.2;

function readRows(file: string, lang: Language): Row[] {
  return readSentimentExamples(file).map((r) => ({ ...r, lang: r.lang ?? lang }));
}

interface Scores {
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
}

/** Negative-class precision / recall / F1 and accuracy over all labels. */
function score(rows: Row[], predict: (r: Row) => SentimentLabel): Scores {
  const report = evaluate(
    rows.map((r) => r.label),
    rows.map(predict),
  );
  const negative = report.perClass.find((c) => c.label === 'negative') ?? { precision: 0, recall: 0, f1: 0 };
  return { precision: negative.precision, recall: negative.recall, f1: negative.f1, accuracy: report.accuracy };
}

const labelBy =
  (analyzer: SentimentAnalyzer) =>
  (r: Row): SentimentLabel =>
    analyzer.analyze(r.text, r.lang).label;

function main(): void {
  const i = process.argv.indexOf('--shared');
  const shared = resolve(i >= 0 ? process.argv[i + 1] : join(__dirname, '..', '..', 'shared', 'data', 'sentiment'));
  const analyzer = defaultSentimentAnalyzer();
  const lexiconOnly = SentimentAnalyzer.train([]);
  const sets: Array<[string, Row[]]> = [];
  const frozen = join(DEFAULT_DATA_DIR, 'frozen', 'sentiment-test.jsonl');
  if (existsSync(frozen)) {
    const rows = readRows(frozen, 'en');
    sets.push(['customer service, frozen (en)', rows.filter((r) => r.lang === 'en')]);
    sets.push(['customer service, frozen (zh)', rows.filter((r) => r.lang === 'zh')]);
  } else console.log(`(no ${frozen})`);
  const tweets = join(shared, 'tweeteval', 'test.jsonl');
  if (existsSync(tweets)) sets.push(['TweetEval test (en)', readRows(tweets, 'en')]);
  else console.log(`(no ${tweets})`);
  const reviews: Row[] = [];
  for (const f of ['online-shopping.jsonl', 'waimai.jsonl']) {
    const file = join(shared, 'zh', f);
    if (existsSync(file)) reviews.push(...readRows(file, 'zh').filter((r) => isHeldOut(r.text, REVIEWS_HELD_BACK)));
  }
  if (reviews.length) sets.push(['zh reviews, held back 20 %', reviews]);

  console.log(`sentiment benchmark: negative-class P / R / F1 and accuracy; ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const fmt = (s: Scores): string => `${s.precision.toFixed(3)} / ${s.recall.toFixed(3)} / ${s.f1.toFixed(3)}  acc ${s.accuracy.toFixed(3)}`;
  for (const [name, rows] of sets) {
    const t0 = performance.now();
    const shipped = score(rows, labelBy(analyzer));
    const ms = (performance.now() - t0) / rows.length;
    const lexicon = score(rows, labelBy(lexiconOnly));
    const always = score(rows, () => 'negative');
    console.log(`${name.padEnd(32)} n=${String(rows.length).padStart(6)}`);
    console.log(`  shipped model    ${fmt(shipped)}  (${(ms * 1000).toFixed(0)} µs/message)`);
    console.log(`  lexicon alone    ${fmt(lexicon)}`);
    console.log(`  always negative  ${fmt(always)}`);
  }
}

main();
