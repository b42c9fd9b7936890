import fs from 'node:fs';

/** Node options that load the counting hook into the web process (bench/lib/statementCounter.mjs). */
export const COUNTER_HOOK = ['--import', './bench/lib/statementCounter.mjs'];

/** What the hook reports about the web process. */
export interface WebProcessCounts {
  byStatement: Record<string, number>;
  statements: number;
  commits: number;
  cpuMicros: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Event-loop delay since the previous report. */
  eventLoop: { p50Ms: number; p99Ms: number; maxMs: number };
  at: number;
}

/** The web process's counters now (SIGUSR2 to the hook, which writes them to `file`). */
export async function readWebCounters(pid: number, file: string): Promise<WebProcessCounts> {
  const asked = Date.now();
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 500; i++) {
    if (fs.existsSync(file)) {
      try {
        const c = JSON.parse(fs.readFileSync(file, 'utf8')) as WebProcessCounts;
        if (c.at >= asked) return c;
      } catch {
        // read while being written: try again
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the web process did not write its counts');
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
