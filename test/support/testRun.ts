import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Redis } from 'ioredis';

/**
 * A test run's own names: its PostgreSQL databases, its Redis prefix (queues `{RUN}...`, keys and
 * channels `RUN:...`) all start with the run id, and the run id names the pid of the jest process that
 * owns it. Two runs on one machine never share a name; a killed run's leftovers are recognised by
 * their pid no longer being alive and removed by the next run.
 */
export const RUN_ID_PATTERN = /^\{?ctp(\d+)_[0-9a-z]+/;

export function newRunId(pid: number = process.pid): string {
  return `ctp${pid}_${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

/** The run id a database name or Redis key belongs to, and that run's pid; null for anything else. */
export function runOf(name: string): { runId: string; pid: number } | null {
  const m = RUN_ID_PATTERN.exec(name);
  return m ? { runId: m[0].replace(/^\{/, ''), pid: Number(m[1]) } : null;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, but someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RunStores {
  /** A PostgreSQL URL of a database to connect to for CREATE/DROP (not one of the run's). */
  adminUrl: string;
  /** The Redis database the runs use. */
  redisUrl: string;
}

export interface Removed {
  databases: string[];
  keys: number;
}

/** Drops the databases and deletes the Redis keys of the runs `doomed` picks. */
async function removeRuns(stores: RunStores, doomed: (run: { runId: string; pid: number }) => boolean): Promise<Removed> {
  const databases: string[] = [];
  const client = new Client({ connectionString: stores.adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`select datname from pg_database where datname like 'ctp%'`);
    for (const { datname } of rows) {
      const run = runOf(datname);
      if (!run || !doomed(run) || !/^[a-z0-9_]+$/.test(datname)) continue;
      await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      databases.push(datname);
    }
  } finally {
    await client.end();
  }
  let keys = 0;
  const redis = new Redis(stores.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', '*ctp*', 'COUNT', 1000);
      cursor = next;
      const mine = batch.filter((key) => {
        const run = runOf(key);
        return run !== null && doomed(run);
      });
      if (mine.length) keys += await redis.unlink(...mine);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return { databases, keys };
}

/** Everything of one run (its globalTeardown). */
export function removeRun(stores: RunStores, runId: string): Promise<Removed> {
  return removeRuns(stores, (run) => run.runId === runId);
}

/** Everything of runs whose jest process is gone (killed, crashed, machine rebooted), never a live run's. */
export function removeDeadRuns(stores: RunStores, alive: (pid: number) => boolean = processAlive): Promise<Removed> {
  return removeRuns(stores, (run) => run.pid !== process.pid && !alive(run.pid));
}
