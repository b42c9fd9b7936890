/**
 * Sentiment benchmark: negative-class precision, recall and F1 and 3-class accuracy of the shipped
 * model (nlp/models/sentiment.json, `npm run nlp -- train-sentiment`) beside the previous analyzer
 * (lexicon blended with a softmax model trained on nlp/data/sentiment.jsonl) and the lexicon alone, on
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
import { DEFAULT_DATA_DIR, legacySentimentAnalyzer, readSentimentExamples, shippedSentimentAnalyzer } from '../nlp/default';
import { DEFAULT_SHARED_SENTIMENT_DIR, REVIEWS_HELD_BACK } from '../nlp/sentimentBuild';
import { evaluate } from '../nlp/metrics';
import { SentimentAnalyzer } from '../nlp/sentiment';
import type { Language, SentimentLabel } from '../nlp/types';

interface Row {
  text: string;
  label: SentimentLabel;
  lang: Language;
}

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
  const shared = resolve(i >= 0 ? process.argv[i + 1] : DEFAULT_SHARED_SENTIMENT_DIR);
  const t0 = performance.now();
  const analyzer = shippedSentimentAnalyzer();
  const loadMs = performance.now() - t0;
  const previous = legacySentimentAnalyzer();
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

  console.log(`sentiment benchmark: negative-class P / R / F1 and accuracy; ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; model loaded in ${loadMs.toFixed(0)} ms`);
  const fmt = (s: Scores): string => `${s.precision.toFixed(3)} / ${s.recall.toFixed(3)} / ${s.f1.toFixed(3)}  acc ${s.accuracy.toFixed(3)}`;
  for (const [name, rows] of sets) {
    const times: number[] = [];
    const shipped = score(rows, (r) => {
      const s = performance.now();
      const label = analyzer.analyze(r.text, r.lang).label;
      times.push(performance.now() - s);
      return label;
    });
    const lexicon = score(rows, labelBy(lexiconOnly));
    const before = score(rows, labelBy(previous));
    const always = score(rows, () => 'negative');
    times.sort((a, b) => a - b);
    const us = (q: number): string => (times[Math.min(times.length - 1, Math.floor(q * times.length))] * 1000).toFixed(0);
    console.log(`${name.padEnd(32)} n=${String(rows.length).padStart(6)}`);
    console.log(`  shipped model    ${fmt(shipped)}  (p50 ${us(0.5)} µs, p99 ${us(0.99)} µs per message)`);
    console.log(`  previous model   ${fmt(before)}`);
    console.log(`  lexicon alone    ${fmt(lexicon)}`);
    console.log(`  always negative  ${fmt(always)}`);
  }
}

main();
