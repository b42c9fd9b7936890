/**
 * BANKING77 benchmark of the intent classifier: train on train.csv, score test.csv, print
 * accuracy, macro-F1, training time and per-message latency (p50/p99).
 * Usage: npm run bench:nlp [-- --data DIR]   (default ../shared/data/banking77 from the repo root)
 */
process.env.DOTENV_CONFIG_QUIET ??= 'true';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { IntentClassifier } from '../nlp/classifier';
import { readExamples } from '../nlp/data-io';
import { evaluate, percentile } from '../nlp/metrics';

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
  const lat: number[] = [];
  const predicted: string[] = [];
  for (const ex of test) {
    const s = performance.now();
    const p = await clf.predict(ex.text, 'en');
    lat.push(performance.now() - s);
    predicted.push(p.ranking[0].name);
  }
  const r = evaluate(test.map((e) => e.intent), predicted);
  const out = {
    accuracy: +r.accuracy.toFixed(4),
    macroF1: +r.macroF1.toFixed(4),
    trainSeconds: +(trainMs / 1000).toFixed(2),
    latencyP50Ms: +percentile(lat, 50).toFixed(3),
    latencyP99Ms: +percentile(lat, 99).toFixed(3),
    features: clf.model.numFeatures,
  };
  console.log(`accuracy ${(out.accuracy * 100).toFixed(2)} %  macro-F1 ${(out.macroF1 * 100).toFixed(2)} %`);
  console.log(`training ${out.trainSeconds} s  latency p50 ${out.latencyP50Ms} ms  p99 ${out.latencyP99Ms} ms`);
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
