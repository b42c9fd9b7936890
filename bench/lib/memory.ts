/** Memory figures for benchmark tables. */
export function peakRssMb(): number {
  // maxRSS is in kilobytes and is the high-water mark of this whole process.
  return process.resourceUsage().maxRSS / 1024;
}

export function currentRssMb(): number {
  return process.memoryUsage.rss() / (1024 * 1024);
}

export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return NaN;
  const rank = Math.min(sortedAscending.length - 1, Math.max(0, Math.ceil((p / 100) * sortedAscending.length) - 1));
  return sortedAscending[rank];
}
