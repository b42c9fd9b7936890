import { summarizeCustomers, type SummaryOptions } from './summary';
import type { CustomerSummary, Order, Quintile, RfmScore, RfmSegment } from './types';

/**
 * Population quintile scores, 1 (worst) … 5 (best), by position in the sorted population:
 * score = floor(5 · rank / n) + 1 where rank is the 0-based position of the FIRST member of the tie
 * group ("min" / competition ranking, like SQL RANK()). Equal values always share one score, and a
 * large block of equal low values (e.g. one-order customers) all get the low score. Deterministic.
 */
export function quintileScores(values: readonly number[], higherIsBetter: boolean): Quintile[] {
  const n = values.length;
  const order = values.map((_, i) => i).sort((a, b) => (higherIsBetter ? values[a] - values[b] : values[b] - values[a]) || a - b);
  const scores = new Array<Quintile>(n);
  let groupStart = 0;
  for (let pos = 0; pos < n; pos++) {
    if (pos > 0 && values[order[pos]] !== values[order[pos - 1]]) groupStart = pos;
    scores[order[pos]] = (Math.floor((5 * groupStart) / n) + 1) as Quintile;
  }
  return scores;
}

/**
 * Segment rule table on R (recency score) and FM = round_half_up((F + M) / 2). Every (R, FM) pair maps
 * to exactly one segment:
 *
 * | segment            | R     | FM    |
 * |--------------------|-------|-------|
 * | Champions          | 5     | 4–5   |
 * | Loyal              | 3–4   | 4–5   |
 * | Potential loyalist | 4–5   | 2–3   |
 * | New                | 5     | 1     |
 * | Promising          | 4     | 1     |
 * | Need attention     | 3     | 3     |
 * | About to sleep     | 3     | 1–2   |
 * | Can't lose them    | 1–2   | 5     |
 * | At risk            | 1–2   | 3–4   |
 * | Hibernating        | 2     | 1–2   |
 * | Hibernating        | 1     | 2     |
 * | Lost               | 1     | 1     |
 */
export const RFM_SEGMENT_RULES: ReadonlyArray<{ segment: RfmSegment; r: readonly Quintile[]; fm: readonly Quintile[] }> = [
  { segment: 'Champions', r: [5], fm: [4, 5] },
  { segment: 'Loyal', r: [3, 4], fm: [4, 5] },
  { segment: 'Potential loyalist', r: [4, 5], fm: [2, 3] },
  { segment: 'New', r: [5], fm: [1] },
  { segment: 'Promising', r: [4], fm: [1] },
  { segment: 'Need attention', r: [3], fm: [3] },
  { segment: 'About to sleep', r: [3], fm: [1, 2] },
  { segment: "Can't lose them", r: [1, 2], fm: [5] },
  { segment: 'At risk', r: [1, 2], fm: [3, 4] },
  { segment: 'Hibernating', r: [2], fm: [1, 2] },
  { segment: 'Hibernating', r: [1], fm: [2] },
  { segment: 'Lost', r: [1], fm: [1] },
];

export function combineFm(f: Quintile, m: Quintile): Quintile {
  return Math.floor((f + m + 1) / 2) as Quintile;
}

export function segmentFor(r: Quintile, fm: Quintile): RfmSegment {
  const rule = RFM_SEGMENT_RULES.find((x) => x.r.includes(r) && x.fm.includes(fm));
  if (!rule) throw new Error(`no RFM segment for R=${r} FM=${fm}`);
  return rule.segment;
}

/**
 * RFM scores for every customer with at least one purchase, sorted by customer id.
 * R: fewer days since the last order is better; F: distinct orders; M: net spend.
 */
export function computeRfm(orders: readonly Order[], options: SummaryOptions = {}): RfmScore[] {
  return rfmOfSummaries(summarizeCustomers(orders, options));
}

/** The same from customer summaries already made (one `summarizeCustomers` pass can serve RFM and LTV). */
export function rfmOfSummaries(customers: readonly CustomerSummary[]): RfmScore[] {
  const r = quintileScores(customers.map((c) => c.recencyDays), false);
  const f = quintileScores(customers.map((c) => c.orders), true);
  const m = quintileScores(customers.map((c) => c.monetaryMinor), true);
  return customers.map((c, i) => {
    const fm = combineFm(f[i], m[i]);
    return { ...c, r: r[i], f: f[i], m: m[i], fm, code: `${r[i]}${f[i]}${m[i]}`, segment: segmentFor(r[i], fm) };
  });
}
