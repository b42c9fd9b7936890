/** Pure evaluation metrics: accuracy, per-class precision/recall/F1, confusions, OOS recall. */
import { OUT_OF_SCOPE } from './types';

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface EvalReport {
  n: number;
  accuracy: number;
  macroF1: number;
  /** Share of true out_of_scope rows flagged out of scope (NaN-free: null when there are none). */
  oosRecall: number | null;
  /** Share of in-scope rows wrongly flagged out of scope. */
  inScopeRejectRate: number | null;
  perClass: ClassMetrics[];
  confusions: Array<{ gold: string; predicted: string; count: number }>;
}

/**
 * `predicted` is the final label (out_of_scope when the engine flags it). Macro-F1 averages over
 * every label seen in gold or predictions.
 */
export function evaluate(gold: string[], predicted: string[]): EvalReport {
  const n = gold.length;
  const labels = [...new Set([...gold, ...predicted])].sort();
  const tp = new Map<string, number>();
  const goldCount = new Map<string, number>();
  const predCount = new Map<string, number>();
  const conf = new Map<string, number>();
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const g = gold[i];
    const p = predicted[i];
    goldCount.set(g, (goldCount.get(g) ?? 0) + 1);
    predCount.set(p, (predCount.get(p) ?? 0) + 1);
    if (g === p) {
      ok++;
      tp.set(g, (tp.get(g) ?? 0) + 1);
    } else {
      const k = `${g}\u0001${p}`;
      conf.set(k, (conf.get(k) ?? 0) + 1);
    }
  }
  const perClass = labels.map((label) => {
    const t = tp.get(label) ?? 0;
    const pc = predCount.get(label) ?? 0;
    const gc = goldCount.get(label) ?? 0;
    const precision = pc ? t / pc : 0;
    const recall = gc ? t / gc : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support: gc };
  });
  const scored = perClass.filter((c) => c.support > 0 || (predCount.get(c.label) ?? 0) > 0);
  const macroF1 = scored.length ? scored.reduce((s, c) => s + c.f1, 0) / scored.length : 0;
  const confusions = [...conf.entries()]
    .map(([k, count]) => {
      const [g, p] = k.split('\u0001');
      return { gold: g, predicted: p, count };
    })
    .sort((a, b) => b.count - a.count || a.gold.localeCompare(b.gold));
  let oosGold = 0;
  let oosHit = 0;
  let inGold = 0;
  let inRejected = 0;
  for (let i = 0; i < n; i++) {
    if (gold[i] === OUT_OF_SCOPE) {
      oosGold++;
      if (predicted[i] === OUT_OF_SCOPE) oosHit++;
    } else {
      inGold++;
      if (predicted[i] === OUT_OF_SCOPE) inRejected++;
    }
  }
  return {
    n,
    accuracy: n ? ok / n : 0,
    macroF1,
    oosRecall: oosGold ? oosHit / oosGold : null,
    inScopeRejectRate: inGold ? inRejected / inGold : null,
    perClass,
    confusions,
  };
}

/** Nearest-rank percentile of a numeric sample (p in [0, 100]). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
