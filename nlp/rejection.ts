/**
 * Scores for rejecting a message as out of scope, from a linear model's raw class scores. Pure.
 * Every score is oriented the same way, higher = more likely out of scope, so one threshold rule
 * ("reject when score ≥ θ") serves all of them; which one the model uses and its θ are chosen on
 * out-of-fold scores (classifier.ts) and compared on the frozen split (bench/intentModel.ts).
 */
import { softmax } from './linear';

export const REJECTION_SCORES = ['prob', 'oos', 'margin', 'energy', 'gap'] as const;
export type RejectionScoreName = (typeof REJECTION_SCORES)[number];

export interface RejectionScores extends Record<RejectionScoreName, number> {
  /** Best class overall (may be the out-of-scope class). */
  top: number;
  /** Best in-scope class: what the bot would answer if it did not reject. */
  inTop: number;
  /** Probability of inTop. */
  msp: number;
}

/**
 * - prob: 1 − the best in-scope probability (the out-of-scope class takes its share of the mass);
 * - oos: the out-of-scope class's probability (0 without such a class);
 * - margin: 1 − (best in-scope probability − the best other probability, out of scope included);
 * - energy: −T·log Σ exp(s_k / T) over in-scope classes (low evidence for every intent);
 * - gap: raw score of the out-of-scope class minus that of the best in-scope class.
 */
export function rejectionScores(s: ArrayLike<number>, temperature: number, oosIndex: number): RejectionScores {
  const p = softmax(s, temperature);
  let top = 0;
  let inTop = -1;
  let second = -1;
  for (let k = 0; k < p.length; k++) {
    if (p[k] > p[top]) top = k;
    if (k === oosIndex) continue;
    if (inTop < 0 || p[k] > p[inTop]) {
      second = inTop;
      inTop = k;
    } else if (second < 0 || p[k] > p[second]) second = k;
  }
  if (inTop < 0) inTop = top;
  const pOos = oosIndex >= 0 ? p[oosIndex] : 0;
  const other = Math.max(pOos, second >= 0 ? p[second] : 0);
  let max = -Infinity;
  for (let k = 0; k < s.length; k++) if (k !== oosIndex) max = Math.max(max, s[k] / temperature);
  let sum = 0;
  for (let k = 0; k < s.length; k++) if (k !== oosIndex) sum += Math.exp(s[k] / temperature - max);
  const energy = -temperature * (max + Math.log(sum));
  return {
    top,
    inTop,
    msp: p[inTop],
    prob: 1 - p[inTop],
    oos: pOos,
    margin: 1 - (p[inTop] - other),
    energy,
    gap: oosIndex >= 0 ? s[oosIndex] - s[inTop] : -Infinity,
  };
}

export interface ScoredRow {
  /** The labelled intent. */
  gold: string;
  /** The best in-scope intent (what is answered when not rejected). */
  inTop: string;
  /** The rejection score (higher = more likely out of scope). */
  oosScore: number;
}

export interface OperatingPoint {
  threshold: number;
  oosRecall: number;
  /** Share of in-scope rows answered with the right intent (a rejected one counts as wrong). */
  inScopeAccuracy: number;
  accuracy: number;
  chosen: boolean;
}

function pointAt(rows: ScoredRow[], threshold: number, oosLabel: string, chosen = false): OperatingPoint {
  let inOk = 0;
  let inN = 0;
  let oosOk = 0;
  let oosN = 0;
  for (const r of rows) {
    const rejected = r.oosScore >= threshold;
    if (r.gold === oosLabel) {
      oosN++;
      if (rejected) oosOk++;
    } else {
      inN++;
      if (!rejected && r.inTop === r.gold) inOk++;
    }
  }
  return {
    threshold,
    oosRecall: oosN ? oosOk / oosN : 0,
    inScopeAccuracy: inN ? inOk / inN : 0,
    accuracy: rows.length ? (inOk + oosOk) / rows.length : 0,
    chosen,
  };
}

/**
 * The trade-off between in-scope accuracy and out-of-scope recall: the operating points that reach
 * each of `recalls` with the highest threshold (fewest in-scope rejections), plus the model's own
 * threshold, ordered by threshold, highest first.
 */
export function rejectionTradeOff(rows: ScoredRow[], chosenThreshold: number, oosLabel: string, recalls = [0.7, 0.8, 0.85, 0.9, 0.95, 0.98]): OperatingPoint[] {
  const oosScores = rows.filter((r) => r.gold === oosLabel).map((r) => r.oosScore).sort((a, b) => b - a);
  const points = new Map<number, OperatingPoint>();
  if (oosScores.length) {
    for (const recall of recalls) {
      const t = oosScores[Math.min(oosScores.length - 1, Math.max(0, Math.ceil(recall * oosScores.length) - 1))];
      points.set(t, pointAt(rows, t, oosLabel));
    }
  }
  points.set(chosenThreshold, pointAt(rows, chosenThreshold, oosLabel, true));
  return [...points.values()].sort((a, b) => b.threshold - a.threshold);
}
