/**
 * Model choice for the built-in intent model, measured on the frozen test split
 * (nlp/data/frozen/intent-test, written apart from the training rows): per candidate (features,
 * loss, regularisation) the accuracy per language, and per rejection score (max in-scope
 * probability, out-of-scope probability, margin, energy) the in-scope accuracy reached at given
 * out-of-scope recalls. Training time is printed too (the built-in model trains at first start).
 * Usage: npm run bench:intent-model [-- --only NAME] [--train DIR] [--test DIR]
 */
process.env.DOTENV_CONFIG_QUIET ??= 'true';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { IntentClassifier, type ClassifierOptions } from '../nlp/classifier';
import { readExamples } from '../nlp/data-io';
import { DEFAULT_DATA_DIR, DEFAULT_ENGINE_CLASSIFIER_OPTIONS, DEFAULT_INTENTS_FILE } from '../nlp/default';
import { rejectionScores, REJECTION_SCORES, type RejectionScoreName } from '../nlp/rejection';
import { scores } from '../nlp/linear';
import { normalizeText } from '../nlp/text';
import { OUT_OF_SCOPE, type LabelledExample } from '../nlp/types';

const base = DEFAULT_ENGINE_CLASSIFIER_OPTIONS;
const CANDIDATES: Record<string, Partial<ClassifierOptions>> = {
  shipped: base,
  softmax: { ...base, linear: { ...base.linear!, loss: 'softmax', learningRate: 0.5, l2: 1e-5, epochs: 15 } },
  balanced: { ...base, oosObjective: 'balanced' },
  accuracy: { ...base, oosObjective: 'accuracy' },
  'mask-entities': { ...base, features: { ...base.features!, maskEntities: true } },
  'epochs-12': { ...base, linear: { ...base.linear!, epochs: 12 } },
  'min-df-2': { ...base, features: { ...base.features!, minDf: 2 } },
  'hinge-l2-3e-5': { ...base, linear: { ...base.linear!, l2: 3e-5 } },
  'hinge-l2-3e-4': { ...base, linear: { ...base.linear!, l2: 3e-4 } },
  'char-1': { ...base, features: { ...base.features!, charWeight: 1 } },
  'char-2': { ...base, features: { ...base.features!, charWeight: 2 } },
  'cjk-1-3': { ...base, features: { ...base.features!, cjkNgrams: [1, 3] } },
  'cross-word': { ...base, features: { ...base.features!, crossWordChars: true } },
};

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const pct = (x: number) => (100 * x).toFixed(1).padStart(5);

async function measure(name: string, options: Partial<ClassifierOptions>, train: LabelledExample[], test: LabelledExample[]): Promise<void> {
  const t0 = performance.now();
  const c = await IntentClassifier.train(train, options);
  const seconds = (performance.now() - t0) / 1000;
  const oos = c.labels.indexOf(OUT_OF_SCOPE);
  const rows = await Promise.all(
    test.map(async (r) => {
      const s = scores(c.model, await c.vector(normalizeText(r.text), r.lang ?? 'en'));
      return { gold: c.labels.indexOf(r.intent), lang: r.lang, r: rejectionScores(s, c.state.temperature, oos) };
    }),
  );
  const en = decisionFigures(rows.filter((x) => x.lang === 'en'), c);
  const zh = decisionFigures(rows.filter((x) => x.lang === 'zh'), c);
  const all = decisionFigures(rows, c);
  console.log(
    `\n${name}: train ${seconds.toFixed(1)} s, T ${c.state.temperature.toFixed(2)}, rejection ${c.state.rejection?.score} ≥ ${c.state.rejection?.threshold.toFixed(3)} ` +
      `→ accuracy en ${pct(en.accuracy)} zh ${pct(zh.accuracy)} all ${pct(all.accuracy)}, OOS recall ${pct(all.oosRecall)}, in-scope ${pct(all.inScope)}`,
  );
  console.log(`  ${'score'.padEnd(10)} ${[80, 85, 90, 95].map((r) => `in-scope @ OOS ${r} %`).join('  ')}`);
  for (const score of REJECTION_SCORES) {
    const cells = [0.8, 0.85, 0.9, 0.95].map((target) => {
      const point = atRecall(rows, score, target, oos);
      return point ? `${pct(point.inScope)} (${point.threshold.toFixed(3)})`.padEnd(20) : '     –'.padEnd(20);
    });
    console.log(`  ${score.padEnd(10)} ${cells.join('  ')}`);
  }
}

interface Row {
  gold: number;
  lang?: string;
  r: ReturnType<typeof rejectionScores>;
}

/** The classifier's own decision (class or fitted threshold on max in-scope probability). */
function decisionFigures(rows: Row[], c: IntentClassifier) {
  const oos = c.labels.indexOf(OUT_OF_SCOPE);
  let ok = 0;
  let inOk = 0;
  let inN = 0;
  let oosOk = 0;
  let oosN = 0;
  for (const x of rows) {
    const reject = x.r[c.state.rejection!.score] >= c.state.rejection!.threshold;
    const pred = reject ? oos : x.r.inTop;
    if (pred === x.gold) ok++;
    if (x.gold === oos) {
      oosN++;
      if (reject) oosOk++;
    } else {
      inN++;
      if (pred === x.gold) inOk++;
    }
  }
  return { accuracy: ok / rows.length, oosRecall: oosN ? oosOk / oosN : 0, inScope: inN ? inOk / inN : 0 };
}

/** The lowest rejection threshold on `score` that catches `target` of the out-of-scope rows, and the in-scope accuracy there. */
function atRecall(rows: Row[], score: RejectionScoreName, target: number, oos: number) {
  const oosValues = rows.filter((x) => x.gold === oos).map((x) => x.r[score]).sort((a, b) => b - a);
  if (!oosValues.length) return undefined;
  // Reject when the score is >= threshold (every score is oriented "higher = more out of scope").
  const threshold = oosValues[Math.min(oosValues.length - 1, Math.ceil(target * oosValues.length) - 1)];
  const inRows = rows.filter((x) => x.gold !== oos);
  const inOk = inRows.filter((x) => x.r[score] < threshold && x.r.inTop === x.gold).length;
  return { threshold, inScope: inOk / inRows.length };
}

async function main(): Promise<void> {
  const train = readExamples(flag('--train') ?? DEFAULT_INTENTS_FILE);
  const test = readExamples(flag('--test') ?? join(DEFAULT_DATA_DIR, 'frozen', 'intent-test'));
  const only = flag('--only');
  console.log(`training rows ${train.length}, frozen test rows ${test.length}`);
  for (const [name, options] of Object.entries(CANDIDATES)) {
    if (only && !only.split(',').includes(name)) continue;
    await measure(name, options, train, test);
  }
}

void main();
