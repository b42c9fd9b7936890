/**
 * A benchmark hook (`node --import ./bench/lib/statementCounter.mjs`): counts the SQL statements and
 * the commits (COMMITs, and statements run outside a transaction, which commit on their own) of every
 * pg client in the process, and on SIGUSR2 writes them with the process's CPU time to
 * $BENCH_COUNTS_FILE. The product is not changed: the counts come from wrapping the driver.
 */
import fs from 'node:fs';
import pg from 'pg';

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
  fs.writeFileSync(process.env.BENCH_COUNTS_FILE, JSON.stringify({ ...counts, byStatement: Object.fromEntries(byStatement), cpuMicros: cpu.user + cpu.system, at: Date.now() }));
});
