/**
 * List diversification for hit rate. Hit rate counts a list as a hit when ANY of its items is bought, so
 * ten near-duplicates (items always bought together) waste slots: when the first one misses, the others
 * mostly miss too. Greedy maximal marginal relevance (Carbonell & Goldstein 1998) trades a little of
 * each item's own score for being unlike what was already picked.
 */
export interface DiversifyOptions {
  /** List length. */
  k: number;
  /** Score given up per unit of similarity to the most similar item already picked (0 = plain order). */
  penalty: number;
}

/**
 * Picks `k` of `candidates` (item indices, best first) one at a time, each maximising
 * `score[i] − penalty · max over picked j of similarity(i, j)`. Ties go to the earlier candidate, so
 * with penalty 0 the result is the first k candidates. O(k · candidates) similarity calls.
 */
export function diversifyGreedy(
  candidates: readonly number[],
  score: (item: number) => number,
  similarity: (a: number, b: number) => number,
  options: DiversifyOptions,
): number[] {
  const { k, penalty } = options;
  const picked: number[] = [];
  const used = new Uint8Array(candidates.length);
  const maxSimilarity = new Float64Array(candidates.length);
  const base = candidates.map(score);
  while (picked.length < k && picked.length < candidates.length) {
    let best = -1;
    let bestValue = -Infinity;
    for (let t = 0; t < candidates.length; t++) {
      if (used[t]) continue;
      const value = base[t] - penalty * maxSimilarity[t];
      if (value > bestValue) { bestValue = value; best = t; }
    }
    used[best] = 1;
    const item = candidates[best];
    picked.push(item);
    if (penalty === 0) continue;
    for (let t = 0; t < candidates.length; t++) {
      if (used[t]) continue;
      const s = similarity(item, candidates[t]);
      if (s > maxSimilarity[t]) maxSimilarity[t] = s;
    }
  }
  return picked;
}
