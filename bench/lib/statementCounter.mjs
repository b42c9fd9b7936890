/**
 * A benchmark hook (`node --import ./bench/lib/statementCounter.mjs`): counts the SQL statements and
 * the commits (COMMITs, and statements run outside a transaction, which commit on their own) of every
 * pg client in the process, and on SIGUSR2 writes them with the process's CPU time to
 * $BENCH_COUNTS_FILE, with its memory and event-loop delay. The product is not changed: the counts come from wrapping the driver.
 */
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';

// Event-loop delay since the last report (reset at each), for the soak benchmark.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

const counts = { statements: 0, commits: 0 };
// Statements by their opening words, so a benchmark can say which ones a turn runs.
const byStatement = new Map();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, values, callback) {
  const text = (typeof config === 'string' ? config : (config?.text ?? '')).trimStart().slice(0, 10).toLowerCase();
  if (text.startsWith('begin') || text.startsWith('start tran')) this.benchInTransaction = true;
  else if (text.startsWith('commit')) {
    this.benchInTransaction = false;
    counts.commits += 1;
  } else if (text.startsWith('rollback')) this.benchInTransaction = false;
  else {
    counts.statements += 1;
    const head = (typeof config === 'string' ? config : (config?.text ?? '')).replace(/\s+/g, ' ').trim().slice(0, 90);
    byStatement.set(head, (byStatement.get(head) ?? 0) + 1);
    if (!this.benchInTransaction) counts.commits += 1;
  }
  return query.call(this, config, values, callback);
};

process.on('SIGUSR2', () => {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const eventLoop = { p50Ms: loopDelay.percentile(50) / 1e6, p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 };
  loopDelay.reset();
  // Written whole, then renamed: the reader never sees half a file.
  const file = process.env.BENCH_COUNTS_FILE;
  fs.writeFileSync(
    `${file}.tmp`,
    JSON.stringify({ ...counts, byStatement: Object.fromEntries(byStatement), cpuMicros: cpu.user + cpu.system, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, eventLoop, at: Date.now() }),
  );
  fs.renameSync(`${file}.tmp`, file);
});
