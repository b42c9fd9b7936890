/**
 * BANKING77 benchmark of the intent classifier: train on train.csv, score test.csv, print
 * accuracy, macro-F1, training time and per-message latency (p50/p99). Then:
 *  - open set: 7 of the 77 intents become a small out_of_scope training class (15 rows each, about
 *    the share CLINC150 has) and 7 others are never trained on; their test rows must be rejected.
 *    Trained with the options `npm run nlp -- train` uses for data of one's own;
 *  - the cost of one whole understanding of a message (the built-in engine's analyze: language,
 *    intent, out of scope, sentiment, entities) on the frozen split's messages.
 * Usage: npm run bench:nlp [-- --data DIR] [--skip-open-set]   (default ../shared/data/banking77 from the repo root)
 */
process.env.DOTENV_CONFIG_QUIET ??= 'true';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { IntentClassifier } from '../nlp/classifier';
import { readExamples } from '../nlp/data-io';
import { FROZEN_INTENT_TEST, genericClassifierOptions, loadDefaultNlpEngine } from '../nlp/default';
import { evaluate, percentile } from '../nlp/metrics';
import { rejectionTradeOff } from '../nlp/rejection';
import { understandMessage } from '../nlp/understanding';
import { OUT_OF_SCOPE, type LabelledExample } from '../nlp/types';

/** Force a full GC without needing node --expose-gc on the command line. */
function fullGc(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  if (typeof gc === 'function') gc();
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--data');
  const dir = resolve(i >= 0 ? process.argv[i + 1] : join(__dirname, '..', '..', 'shared', 'data', 'banking77'));
  const train = readExamples(join(dir, 'train.csv'));
  const test = readExamples(join(dir, 'test.csv'));
  console.log(`banking77: ${train.length} train, ${test.length} test rows from ${dir}`);

  const t0 = performance.now();
  // No calibration split: temperature does not change the argmax, and it would double training.
  const clf = await IntentClassifier.train(train, { calibrationFraction: 0 });
  const trainMs = performance.now() - t0;

  for (const ex of test.slice(0, 500)) await clf.predict(ex.text, 'en'); // warm-up (JIT, caches)
  fullGc(); // collect the training garbage first: a serving process has none
  // Wall-clock latency, plus CPU time of this process per message: on a shared machine the wall
  // clock also counts time the scheduler gave to other processes, which CPU time excludes.
  const lat: number[] = [];
  const cpu: number[] = [];
  const predicted: string[] = [];
  const load = loadavg()[0];
  for (const ex of test) {
    const c = process.cpuUsage();
    const s = performance.now();
    const p = await clf.predict(ex.text, 'en');
    lat.push(performance.now() - s);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
    predicted.push(p.ranking[0].name);
  }
  const r = evaluate(test.map((e) => e.intent), predicted);
  const out = {
    accuracy: +r.accuracy.toFixed(4),
    macroF1: +r.macroF1.toFixed(4),
    trainSeconds: +(trainMs / 1000).toFixed(2),
    latencyP50Ms: +percentile(lat, 50).toFixed(3),
    latencyP99Ms: +percentile(lat, 99).toFixed(3),
    cpuP50Ms: +percentile(cpu, 50).toFixed(3),
    cpuP99Ms: +percentile(cpu, 99).toFixed(3),
    loadAverage1m: +load.toFixed(2),
    features: clf.model.numFeatures,
  };
  console.log(`accuracy ${(out.accuracy * 100).toFixed(2)} %  macro-F1 ${(out.macroF1 * 100).toFixed(2)} %`);
  console.log(`training ${out.trainSeconds} s  latency p50 ${out.latencyP50Ms} ms  p99 ${out.latencyP99Ms} ms`);
  console.log(`CPU time per message p50 ${out.cpuP50Ms} ms  p99 ${out.cpuP99Ms} ms  (1-min load average ${out.loadAverage1m} on ${cpus().length} cores)`);
  console.log(JSON.stringify(out));
  if (!process.argv.includes('--skip-open-set')) await openSet(train, test);
  await wholeUnderstanding();
}

async function openSet(train: LabelledExample[], test: LabelledExample[]): Promise<void> {
  const intents = [...new Set(train.map((e) => e.intent))].sort();
  const unseen = new Set(intents.filter((_, i) => i % 11 === 0));
  const known = new Set(intents.filter((_, i) => i % 11 === 5));
  const taken = new Map<string, number>();
  const openTrain = train.flatMap((e): LabelledExample[] => {
    if (unseen.has(e.intent)) return [];
    if (!known.has(e.intent)) return [e];
    const n = taken.get(e.intent) ?? 0;
    taken.set(e.intent, n + 1);
    return n < 15 ? [{ ...e, intent: OUT_OF_SCOPE }] : [];
  });
  const openTest = test.map((e) => (unseen.has(e.intent) || known.has(e.intent) ? { ...e, intent: OUT_OF_SCOPE } : e));
  const t0 = performance.now();
  const clf = await IntentClassifier.train(openTrain, genericClassifierOptions(openTrain));
  const seconds = (performance.now() - t0) / 1000;
  const rows = [];
  for (const e of openTest) {
    const p = await clf.predict(e.text, 'en');
    rows.push({ gold: e.intent, inTop: p.ranking.find((r) => r.name !== OUT_OF_SCOPE)!.name, oosScore: p.oosScore, unseen: unseen.has(test[rows.length].intent) });
  }
  const rule = clf.state.rejection!;
  const unseenRows = rows.filter((r) => r.unseen);
  const caught = unseenRows.filter((r) => r.oosScore >= rule.threshold).length;
  console.log(
    `\nopen set: ${openTrain.length} training rows (${openTrain.filter((e) => e.intent === OUT_OF_SCOPE).length} out_of_scope), ` +
      `${openTest.filter((e) => e.intent === OUT_OF_SCOPE).length} of ${openTest.length} test rows out of scope; trained in ${seconds.toFixed(1)} s; rejection ${rule.score} ≥ ${rule.threshold.toFixed(3)}`,
  );
  console.log('  threshold  OOS recall  in-scope acc.  (* = fitted on 4 folds)');
  for (const p of rejectionTradeOff(rows, rule.threshold, OUT_OF_SCOPE)) {
    console.log(`${p.chosen ? '* ' : '  '}${p.threshold.toFixed(3).padStart(9)}  ${(100 * p.oosRecall).toFixed(1).padStart(10)}  ${(100 * p.inScopeAccuracy).toFixed(1).padStart(13)}`);
  }
  console.log(`  intents never trained on: ${((100 * caught) / unseenRows.length).toFixed(1)} % of their ${unseenRows.length} test rows rejected`);
}

/**
 * One whole understanding per message, as the bot computes it once per turn: understandMessage
 * (language identification, the word rules, one engine.analyze with intent, out of scope, sentiment
 * and entities, the turn decision) on the frozen split's messages.
 */
async function wholeUnderstanding(): Promise<void> {
  const engine = await loadDefaultNlpEngine({ cacheDir: join(tmpdir(), 'concierge-nlp-cache') });
  const messages = readExamples(FROZEN_INTENT_TEST);
  const now = new Date('2026-12-01T10:00:00Z');
  const products = [
    { id: 'p1', name: 'Gooseneck kettle', aliases: ['鹅颈壶'] },
    { id: 'p2', name: 'Aurora Headphones', aliases: ['极光耳机'] },
  ];
  const context = { now, products };
  for (const m of messages.slice(0, 500)) await understandMessage(engine, m.text, context);
  fullGc();
  const lat: number[] = [];
  const cpu: number[] = [];
  for (const m of messages) {
    const c = process.cpuUsage();
    const s = performance.now();
    await understandMessage(engine, m.text, context);
    lat.push(performance.now() - s);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  console.log(
    `\nwhole understanding (understandMessage on the built-in engine, ${messages.length} messages en + zh): latency p50 ${percentile(lat, 50).toFixed(3)} ms  p99 ${percentile(lat, 99).toFixed(3)} ms; ` +
      `CPU p50 ${percentile(cpu, 50).toFixed(3)} ms  p99 ${percentile(cpu, 99).toFixed(3)} ms (1-min load average ${loadavg()[0].toFixed(2)})`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
