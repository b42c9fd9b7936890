/**
 * Recommendation benchmark on the UCI Online Retail data (see ../shared/data/online-retail/SOURCE.md).
 *
 *   npm run bench:recs [-- path/to/online_retail.csv.gz] [--only=ease,item-knn] [--split=latest-item|global|validation] [--ablation] [--diagnostics]
 *
 * Protocol: purchases cleaned on purpose (bench/lib/onlineRetail.ts); for every customer with purchases
 * on at least two different days, the items of their last purchase day are held out and the rest is
 * training data (other customers' full histories stay in training). Targets are held-out items the
 * customer had not bought before (already-bought items are filtered at serving time anyway).
 * Metrics over those customers at k = 10: hit rate, NDCG (binary relevance), catalogue coverage.
 *
 * Without --split the table is printed for both readings of "the last purchases held out": the last-day
 * protocol above, then --split=latest-item.
 *
 * --split=latest-item: leave-latest-one-out (the protocol HR@10 and NDCG@10 usually come with): the same
 * customers, one target each (the latest new item of their last purchase day), the rest of that day's
 * basket left in training. Basket completion, an easier task than the default next-basket protocol.
 *
 * --split=global instead trains on everything before a cutoff 30 days before the end and tests each
 * returning customer's first purchase day after it (no future data in training or popularity).
 *
 * --split=validation applies the last-day protocol to the training part of the default split (tuning
 * without touching the test targets; see the folder README for how parameters were chosen).
 *
 * --diagnostics also prints a time-aware popularity baseline (popularity at each customer's request time,
 * bench/lib/recsEval.ts); it is a diagnostic only, the table's ratios stay against the models' baselines.
 *
 * Each algorithm runs in its own child process so peak RSS is per algorithm (data load included).
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { trainRecommender, type AlgorithmName, type TrainOptions } from '../crm/recommendations';
import { currentRssMb, peakRssMb } from './lib/memory';
import { loadOnlineRetail, type RetailLoad } from './lib/onlineRetail';
import { evaluateRequestTimePopularity, evaluateTopK, splitGlobalCutoff, splitLastDay, splitLatestItem, splitValidation, type Split } from './lib/recsEval';

const K = 10;

/** Rows of the table: each runs in its own child process. The first two are the baselines. */
const CONFIGS: Array<{ label: string; options: TrainOptions }> = [
  { label: 'popularity (all-time)', options: { algorithm: 'popularity', popularityHalfLifeDays: 0 } },
  { label: 'popularity (30-day)', options: { algorithm: 'popularity' } },
  { label: 'item-knn', options: { algorithm: 'item-knn' } },
  { label: 'als', options: { algorithm: 'als' } },
  { label: 'ease (default)', options: { algorithm: 'ease' } },
  // diversity 4 and blend 0.5 chosen on a validation split carved from the training part (folder README).
  { label: 'ease, diversified', options: { algorithm: 'ease', diversity: 4 } },
];
/** With --ablation: the same models without the popularity blend. */
const ABLATION_CONFIGS: Array<{ label: string; options: TrainOptions }> = [
  { label: 'item-knn, no blend', options: { algorithm: 'item-knn', popularityBlend: 0 } },
  { label: 'als, no blend', options: { algorithm: 'als', popularityBlend: 0 } },
  { label: 'ease, no blend', options: { algorithm: 'ease', popularityBlend: 0 } },
];
const DEFAULT_PATH = resolve(__dirname, '../../shared/data/online-retail/online_retail.csv.gz');

interface AlgoResult {
  label: string;
  algorithm: AlgorithmName;
  versionId: string;
  hitRate: number;
  ndcg: number;
  coverage: number;
  trainMs: number;
  trainCpuMs: number;
  rssBeforeTrainMb: number;
  peakRssMb: number;
  modelMb: number;
  p50Ms: number;
  p99Ms: number;
  cpuP50Ms: number;
  cpuP99Ms: number;
  evaluated: number;
  data: { rows: number; kept: number; dropped: RetailLoad['dropped']; customers: number; items: number; trainInteractions: number; loadMs: number };
}

function splitFor(protocol: string, load: RetailLoad): Split {
  if (protocol === 'global') return splitGlobalCutoff(load);
  if (protocol === 'latest-item') return splitLatestItem(load);
  return protocol === 'validation' ? splitValidation(load) : splitLastDay(load);
}

async function runOne(path: string, label: string, options: TrainOptions, protocol: string): Promise<AlgoResult> {
  const t0 = performance.now();
  const load = await loadOnlineRetail(path);
  const split = splitFor(protocol, load);
  const loadMs = performance.now() - t0;
  const catalog = [...split.titles].map(([itemId, title]) => ({ itemId, title }));
  const rssBeforeTrainMb = currentRssMb();
  const cpuBefore = process.cpuUsage();
  const model = trainRecommender(split.train, { ...options, catalog });
  const trainCpu = process.cpuUsage(cpuBefore);
  const peak = peakRssMb();

  const metrics = evaluateTopK(model, split.targets, K);
  return {
    label, algorithm: model.info.algorithm, versionId: model.info.versionId,
    hitRate: metrics.hitRate, ndcg: metrics.ndcg, coverage: metrics.coverage,
    trainMs: model.info.trainingMs, trainCpuMs: (trainCpu.user + trainCpu.system) / 1000,
    rssBeforeTrainMb, peakRssMb: peak, modelMb: model.info.modelBytes / 2 ** 20,
    p50Ms: metrics.p50Ms, p99Ms: metrics.p99Ms, cpuP50Ms: metrics.cpuP50Ms, cpuP99Ms: metrics.cpuP99Ms,
    evaluated: metrics.evaluated,
    data: {
      rows: load.rows, kept: load.purchases.length, dropped: load.dropped, customers: model.info.customers,
      items: model.info.items, trainInteractions: model.info.interactions, loadMs,
    },
  };
}

function runChild(path: string, label: string, options: TrainOptions, protocol: string): Promise<AlgoResult> {
  return new Promise((resolvePromise, reject) => {
    const args = [path, `--child=${JSON.stringify({ label, options, protocol })}`];
    const child = fork(__filename, args, { execArgv: process.execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${label}: child exited with ${code}`));
      try { resolvePromise(JSON.parse(line) as AlgoResult); } catch (e) { reject(e); }
    });
  });
}

function pad(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length);
}

function printTable(results: AlgoResult[], protocol: string): void {
  const d = results[0].data;
  console.log(`data: ${d.rows} rows → ${d.kept} clean purchase lines (dropped: ${Object.entries(d.dropped).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  console.log(`train: ${d.customers} customers × ${d.items} items, ${d.trainInteractions} customer-item pairs; test: ${results[0].evaluated} customers (${protocol === 'global' ? 'first purchase day after a global cutoff 30 days before the end' : protocol === 'latest-item' ? 'LEAVE-LATEST-ONE-OUT: one new item of the last purchase day held out, the rest of that basket in training' : protocol === 'validation' ? 'VALIDATION: last training purchase day held out of the training part' : 'last purchase day held out'}); load+split ${(d.loadMs / 1000).toFixed(1)} s`);
  // Ratios against the stronger popularity baseline, so a weak baseline cannot flatter the models.
  const baselines = results.filter((r) => r.algorithm === 'popularity');
  const base = baselines.length ? baselines.reduce((a, b) => (b.hitRate > a.hitRate ? b : a)) : undefined;
  const header = ['model', 'HR@10', 'HR vs pop', 'NDCG@10', 'NDCG vs pop', 'cov@10', 'train s', 'train cpu s', 'peak RSS MB', 'model MB', 'p50 ms', 'p99 ms', 'cpu p99 ms'];
  const rows = results.map((r) => [
    r.label, r.hitRate.toFixed(4), base ? `${(r.hitRate / base.hitRate).toFixed(2)}x` : '-', r.ndcg.toFixed(4),
    base ? `${(r.ndcg / base.ndcg).toFixed(2)}x` : '-',
    r.coverage.toFixed(3), (r.trainMs / 1000).toFixed(2), (r.trainCpuMs / 1000).toFixed(2), r.peakRssMb.toFixed(0), r.modelMb.toFixed(1),
    r.p50Ms.toFixed(3), r.p99Ms.toFixed(3), r.cpuP99Ms.toFixed(3),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => pad(cell, widths[c])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  if (base) console.log(`ratios vs ${base.label}; peak RSS is per child process and includes the loaded data (RSS before training: ${Math.min(...results.map((r) => r.rssBeforeTrainMb)).toFixed(0)}–${Math.max(...results.map((r) => r.rssBeforeTrainMb)).toFixed(0)} MB)`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const path = resolve(args.find((a) => !a.startsWith('--')) ?? DEFAULT_PATH);
  const childArg = args.find((a) => a.startsWith('--child='))?.slice('--child='.length);
  if (childArg) {
    const { label, options, protocol } = JSON.parse(childArg) as { label: string; options: TrainOptions; protocol: string };
    console.log(JSON.stringify(await runOne(path, label, options, protocol)));
    return;
  }
  // --only=ease,item-knn keeps rows whose label starts with one of the names (baselines always run).
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const all = args.includes('--ablation') ? [...CONFIGS, ...ABLATION_CONFIGS] : CONFIGS;
  const configs = all.filter((c) => c.options.algorithm === 'popularity' || !only || only.some((o) => c.label.startsWith(o)));
  // Without --split: both readings of "the last purchases of each customer held out", one table each.
  const chosen = args.find((a) => a.startsWith('--split='))?.slice('--split='.length);
  if (chosen && !['last-day', 'latest-item', 'global', 'validation'].includes(chosen)) throw new Error(`unknown --split=${chosen} (last-day, latest-item, global, validation)`);
  const protocols = chosen ? [chosen] : ['last-day', 'latest-item'];
  const loadAtStart = loadavg().map((x) => x.toFixed(1)).join(' ');
  const started = performance.now();
  for (const protocol of protocols) {
    const results: AlgoResult[] = [];
    for (const { label, options } of configs) {
      process.stderr.write(`${protocol}: running ${label}…\n`);
      results.push(await runChild(path, label, options, protocol));
    }
    printTable(results, protocol);
    if (args.includes('--diagnostics')) {
      const load = await loadOnlineRetail(path);
      const split = splitFor(protocol, load);
      for (const halfLife of [7, 30]) {
        const d = evaluateRequestTimePopularity(split, K, halfLife);
        console.log(`diagnostic, not in the ratios: popularity at request time (${halfLife}-day half-life, events before the customer's test day): HR@10 ${d.hitRate.toFixed(4)}, NDCG@10 ${d.ndcg.toFixed(4)}, cov@10 ${d.coverage.toFixed(3)} (${d.evaluated} customers)`);
      }
    }
    console.log('');
  }
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s; load average at start ${loadAtStart}, at end ${loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores: wall-clock times inflate when other jobs run)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
