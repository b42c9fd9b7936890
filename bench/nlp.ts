/**
 * BANKING77 benchmark of the intent classifier: train on train.csv, score test.csv, print
 * accuracy, macro-F1, training time and per-message latency (p50/p99).
 * Usage: npm run bench:nlp [-- --data DIR]   (default ../shared/data/banking77 from the repo root)
 */
process.env.DOTENV_CONFIG_QUIET ??= 'true';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { IntentClassifier } from '../nlp/classifier';
import { readExamples } from '../nlp/data-io';
import { evaluate, percentile } from '../nlp/metrics';

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
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
