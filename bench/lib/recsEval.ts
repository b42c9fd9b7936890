import type { Interaction, Recommender } from '../../crm/recommendations';
import { percentile } from './memory';
import type { RetailLoad } from './onlineRetail';

export interface Split {
  train: Interaction[];
  /** customerId → held-out items not bought before. */
  targets: Map<string, Set<string>>;
  titles: Map<string, string>;
  /** customerId → the day (epoch days, UTC) the customer's targets were bought: the request time. */
  targetDay: Map<string, number>;
}

function dayOf(ms: number): number {
  return Math.floor(ms / 86_400_000);
}

export function splitLastDay(load: RetailLoad): Split {
  const lastDay = new Map<string, number>();
  const firstDay = new Map<string, number>();
  const titles = new Map<string, string>();
  for (const p of load.purchases) {
    const d = dayOf(p.at);
    if (d > (lastDay.get(p.customerId) ?? -Infinity)) lastDay.set(p.customerId, d);
    if (d < (firstDay.get(p.customerId) ?? Infinity)) firstDay.set(p.customerId, d);
    if (!titles.has(p.stockCode) && p.description) titles.set(p.stockCode, p.description);
  }
  const train: Interaction[] = [];
  const heldOut = new Map<string, Set<string>>();
  const bought = new Map<string, Set<string>>();
  for (const p of load.purchases) {
    const last = lastDay.get(p.customerId)!;
    const eligible = firstDay.get(p.customerId)! < last;
    if (eligible && dayOf(p.at) === last) {
      const s = heldOut.get(p.customerId) ?? new Set<string>();
      s.add(p.stockCode);
      heldOut.set(p.customerId, s);
    } else {
      train.push({ customerId: p.customerId, itemId: p.stockCode, kind: 'purchase', at: p.at });
      const s = bought.get(p.customerId) ?? new Set<string>();
      s.add(p.stockCode);
      bought.set(p.customerId, s);
    }
  }
  const targets = new Map<string, Set<string>>();
  for (const [customer, items] of [...heldOut].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const before = bought.get(customer)!;
    const fresh = new Set([...items].filter((i) => !before.has(i)));
    if (fresh.size > 0) targets.set(customer, fresh);
  }
  const targetDay = new Map([...targets.keys()].map((c) => [c, lastDay.get(c)!]));
  return { train, targets, titles, targetDay };
}

/**
 * Leave-latest-one-out, the protocol HR@10 and NDCG@10 usually come with (NCF, He et al. 2017; SASRec):
 * the same customers as splitLastDay, each with ONE target, the latest item of their last purchase day
 * that they had not bought before (lines within an invoice share a time: the last such line in file
 * order); only that customer–item pair leaves training, so the rest of that day's basket stays in the
 * customer's history. It measures completing a basket from its other items, an easier task than
 * predicting a whole next basket (splitLastDay), and it is what the product's training-time metric
 * (crm/recommendations evaluateHoldout) measures too.
 */
export function splitLatestItem(load: RetailLoad): Split {
  const lastDay = splitLastDay(load);
  // targetDay: each of those customers' last purchase day.
  const target = new Map<string, string>();
  for (const p of load.purchases) if (lastDay.targets.get(p.customerId)?.has(p.stockCode) && dayOf(p.at) === lastDay.targetDay.get(p.customerId)) target.set(p.customerId, p.stockCode);
  const train: Interaction[] = load.purchases.filter((p) => target.get(p.customerId) !== p.stockCode).map((p) => ({ customerId: p.customerId, itemId: p.stockCode, kind: 'purchase', at: p.at }));
  const targets = new Map([...target].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([c, item]) => [c, new Set([item])]));
  return { train, targets, titles: lastDay.titles, targetDay: lastDay.targetDay };
}

/**
 * Validation split for tuning, carved from the training data only: the same last-day protocol applied to
 * the training part of splitLastDay (each eligible customer's last training purchase day held out of it).
 * The test targets are never seen by a configuration chosen on this split.
 */
export function splitValidation(load: RetailLoad): Split {
  const { lastDay, firstDay } = purchaseDays(load);
  const trainPart = load.purchases.filter((p) => {
    const last = lastDay.get(p.customerId)!;
    return !(firstDay.get(p.customerId)! < last && dayOf(p.at) === last);
  });
  return splitLastDay({ ...load, purchases: trainPart });
}

function purchaseDays(load: RetailLoad): { lastDay: Map<string, number>; firstDay: Map<string, number> } {
  const lastDay = new Map<string, number>();
  const firstDay = new Map<string, number>();
  for (const p of load.purchases) {
    const d = dayOf(p.at);
    if (d > (lastDay.get(p.customerId) ?? -Infinity)) lastDay.set(p.customerId, d);
    if (d < (firstDay.get(p.customerId) ?? Infinity)) firstDay.set(p.customerId, d);
  }
  return { lastDay, firstDay };
}

/**
 * Production-like alternative: train on everything before a global cutoff (`testDays` before the last
 * purchase day), evaluate each returning customer on the items of their first purchase day after it
 * that they had not bought before. No future data leaks into training or into "popular right now".
 */
export function splitGlobalCutoff(load: RetailLoad, testDays = 30): Split {
  let lastDayAll = -Infinity;
  const titles = new Map<string, string>();
  for (const p of load.purchases) {
    lastDayAll = Math.max(lastDayAll, dayOf(p.at));
    if (!titles.has(p.stockCode) && p.description) titles.set(p.stockCode, p.description);
  }
  const cutoffDay = lastDayAll - testDays;
  const train: Interaction[] = [];
  const bought = new Map<string, Set<string>>();
  const firstTestDay = new Map<string, number>();
  for (const p of load.purchases) {
    const d = dayOf(p.at);
    if (d <= cutoffDay) {
      train.push({ customerId: p.customerId, itemId: p.stockCode, kind: 'purchase', at: p.at });
      const s = bought.get(p.customerId) ?? new Set<string>();
      s.add(p.stockCode);
      bought.set(p.customerId, s);
    } else if (d < (firstTestDay.get(p.customerId) ?? Infinity)) firstTestDay.set(p.customerId, d);
  }
  const targets = new Map<string, Set<string>>();
  for (const p of load.purchases) {
    const before = bought.get(p.customerId);
    if (!before || dayOf(p.at) !== firstTestDay.get(p.customerId) || before.has(p.stockCode)) continue;
    const s = targets.get(p.customerId) ?? new Set<string>();
    s.add(p.stockCode);
    targets.set(p.customerId, s);
  }
  const sorted = new Map([...targets].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  const targetDay = new Map([...sorted.keys()].map((c) => [c, firstTestDay.get(c)!]));
  return { train, targets: sorted, titles, targetDay };
}

export interface TopKMetrics {
  hitRate: number;
  ndcg: number;
  /** Distinct recommended items / items in the model. */
  coverage: number;
  p50Ms: number;
  p99Ms: number;
  /** Same, counting only this process's CPU time: robust when other jobs share the cores. */
  cpuP50Ms: number;
  cpuP99Ms: number;
  evaluated: number;
}

/** Hit rate, NDCG (binary relevance) and coverage at k, plus per-request serving latency. */
export function evaluateTopK(model: Recommender, targets: Map<string, Set<string>>, k: number): TopKMetrics {
  // Warm the JIT first so p99 measures serving, not compilation.
  let warm = 0;
  for (const customer of targets.keys()) { model.recommend(customer, { k }); if (++warm >= 50) break; }
  let hits = 0, ndcgSum = 0;
  const recommended = new Set<string>();
  const latencies: number[] = [];
  const cpuLatencies: number[] = [];
  for (const [customer, target] of targets) {
    const c = process.cpuUsage();
    const t = performance.now();
    const recs = model.recommend(customer, { k });
    latencies.push(performance.now() - t);
    const cpu = process.cpuUsage(c);
    cpuLatencies.push((cpu.user + cpu.system) / 1000);
    let dcg = 0, hit = false;
    recs.forEach((r, rank) => {
      recommended.add(r.itemId);
      if (target.has(r.itemId)) { hit = true; dcg += 1 / Math.log2(rank + 2); }
    });
    let idcg = 0;
    for (let r = 0; r < Math.min(k, target.size); r++) idcg += 1 / Math.log2(r + 2);
    if (hit) hits++;
    ndcgSum += dcg / idcg;
  }
  latencies.sort((a, b) => a - b);
  cpuLatencies.sort((a, b) => a - b);
  const n = targets.size;
  return {
    hitRate: hits / n, ndcg: ndcgSum / n, coverage: recommended.size / model.info.items,
    p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99),
    cpuP50Ms: percentile(cpuLatencies, 50), cpuP99Ms: percentile(cpuLatencies, 99), evaluated: n,
  };
}

/**
 * Diagnostic baseline, not a model: "popular right now" computed at each customer's request time (the
 * day of their targets) from training events strictly before that day, the same definition as the
 * model's popularity (per customer-item pair, 1 decayed by the age of its latest event). The model's
 * popularity is computed once at the end of the training data; in the last-day protocol many requests
 * are earlier than that, so this shows how much of the gap is seasonality the models could only see
 * with a request-time clock. Excludes the customer's training items, like the models do.
 */
export function evaluateRequestTimePopularity(split: Split, k: number, halfLifeDays: number): Pick<TopKMetrics, 'hitRate' | 'ndcg' | 'coverage' | 'evaluated'> {
  const events = [...split.train].sort((a, b) => +a.at! - +b.at!);
  const owned = new Map<string, Set<string>>();
  for (const e of split.train) {
    const s = owned.get(e.customerId) ?? new Set<string>();
    s.add(e.itemId);
    owned.set(e.customerId, s);
  }
  const items = new Set(split.train.map((e) => e.itemId));
  const days = [...new Set(split.targetDay.values())].sort((a, b) => a - b);
  const latest = new Map<string, number>(); // "customer\titem" → latest event before the current day
  const rankingByDay = new Map<number, string[]>();
  let next = 0;
  for (const day of days) {
    const now = day * 86_400_000;
    for (; next < events.length && +events[next].at! < now; next++) latest.set(`${events[next].customerId}\t${events[next].itemId}`, +events[next].at!);
    const popularity = new Map<string, number>();
    for (const [key, at] of latest) {
      const item = key.slice(key.indexOf('\t') + 1);
      const w = halfLifeDays > 0 ? Math.pow(0.5, (now - at) / (halfLifeDays * 86_400_000)) : 1;
      popularity.set(item, (popularity.get(item) ?? 0) + w);
    }
    rankingByDay.set(day, [...popularity].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id));
  }
  let hits = 0, ndcgSum = 0;
  const recommended = new Set<string>();
  for (const [customer, target] of split.targets) {
    const mine = owned.get(customer) ?? new Set<string>();
    const recs: string[] = [];
    for (const id of rankingByDay.get(split.targetDay.get(customer)!)!) {
      if (recs.length >= k) break;
      if (!mine.has(id)) recs.push(id);
    }
    let dcg = 0, hit = false;
    recs.forEach((id, rank) => {
      recommended.add(id);
      if (target.has(id)) { hit = true; dcg += 1 / Math.log2(rank + 2); }
    });
    let idcg = 0;
    for (let r = 0; r < Math.min(k, target.size); r++) idcg += 1 / Math.log2(r + 2);
    if (hit) hits++;
    ndcgSum += dcg / idcg;
  }
  const n = split.targets.size;
  return { hitRate: hits / n, ndcg: ndcgSum / n, coverage: recommended.size / items.size, evaluated: n };
}
