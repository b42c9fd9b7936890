/**
 * Indices of the k largest scores among those accepted, best first; ties go to the lower index
 * (item ids are sorted, so ties resolve by id and results are deterministic). A bounded min-heap keeps
 * this O(n log k) for a full catalogue scan.
 */
export function topKIndices(scores: Float64Array, k: number, accept: (index: number) => boolean): number[] {
  if (k <= 0) return [];
  const heap: number[] = [];
  // "a is worse than b": lower score, or equal score and higher index.
  const worse = (a: number, b: number): boolean => scores[a] < scores[b] || (scores[a] === scores[b] && a > b);
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let w = i;
      if (l < heap.length && worse(heap[l], heap[w])) w = l;
      if (r < heap.length && worse(heap[r], heap[w])) w = r;
      if (w === i) return;
      [heap[i], heap[w]] = [heap[w], heap[i]];
      i = w;
    }
  };
  for (let i = 0; i < scores.length; i++) {
    if (heap.length === k && !worse(heap[0], i)) continue;
    if (!accept(i)) continue;
    if (heap.length < k) {
      heap.push(i);
      let c = heap.length - 1;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (!worse(heap[c], heap[parent])) break;
        [heap[c], heap[parent]] = [heap[parent], heap[c]];
        c = parent;
      }
    } else {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}
