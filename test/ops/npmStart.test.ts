import net from 'node:net';
import { Client } from 'pg';
import { createCrm, openDatabase } from '../../crm';
import { descendantsOf, processRunning, spawnNpm, spawnNpmStart, tempDir, testDatabaseUrl } from '../support/apps';

/** Resolves true once nothing accepts connections on the port. */
function portClosed(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

/** Waits (polling /proc: a grandchild's exit is no event of ours) until none of the PIDs runs, up to a limit. */
async function allGone(pids: number[], limitMs = 20_000): Promise<number[]> {
  const deadline = Date.now() + limitMs;
  let running = pids.filter(processRunning);
  while (running.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    running = running.filter(processRunning);
  }
  return running;
}

async function connectionsTo(databaseUrl: string): Promise<number> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const client = new Client({ connectionString: process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
    return rows[0].n;
  } finally {
    await client.end();
  }
}

const demoLines = (out: string) => out.split('\n').filter((l) => /@demo\.concierge\s+password: concierge-demo/.test(l)).map((l) => l.trim().split(/\s+/)[1]);

describe('npm start', () => {
  it('SIGTERM to the PID of `npm start` ends the server: the port closes, the process tree is gone, database connections are closed; every start prints the demo sign-ins that still work', async () => {
    const env = { DEMO_SEED: 'always', DATA_DIR: tempDir('npm-start') };
    const first = await spawnNpmStart(env);
    const tree = descendantsOf(first.process.pid!);
    expect(tree.length).toBeGreaterThan(0);
    expect(await portClosed(first.url)).toBe(false);
    expect(demoLines(first.output())).toEqual(['billing@demo.concierge', 'orders@demo.concierge', 'general@demo.concierge', 'supervisor@demo.concierge', 'admin@demo.concierge']);

    first.process.kill('SIGTERM');
    await first.exited;
    expect(await allGone(tree)).toEqual([]);
    expect(await portClosed(first.url)).toBe(true);
    expect(await connectionsTo(testDatabaseUrl())).toBe(0);

    // A restart (nothing seeded now) prints them again; once an operator changes a password, not that one.
    const database = await openDatabase({ url: testDatabaseUrl(), poolSize: 1 });
    try {
      const users = createCrm(database.db).users;
      const billing = (await users.findByEmail('billing@demo.concierge'))!;
      await users.update(billing.id, { password: 'a password of our own' });
    } finally {
      await database.close();
    }
    const second = await spawnNpmStart(env);
    try {
      expect(second.output()).toContain('demo sign-ins (change them before real use)');
      expect(demoLines(second.output())).toEqual(['orders@demo.concierge', 'general@demo.concierge', 'supervisor@demo.concierge', 'admin@demo.concierge']);
      expect(second.output()).toMatch(/general@demo\.concierge\s+password: concierge-demo\s+\(queues: general, accounts, technical\)/);
    } finally {
      const secondTree = descendantsOf(second.process.pid!);
      second.process.kill('SIGTERM');
      await second.exited;
      expect(await allGone(secondTree)).toEqual([]);
    }
  }, 180_000);

  it('with REDIS_URL where nothing answers, says what to do and exits non-zero at once', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const started = Date.now();
    const run = spawnNpm({ REDIS_URL: `redis://127.0.0.1:${closed}`, DATA_DIR: tempDir('npm-start-noredis') });
    const code = await run.exited;
    const elapsed = Date.now() - started;
    expect(code).not.toBe(0);
    expect(elapsed).toBeLessThan(15_000);
    const out = run.output();
    expect(out).toContain(`Redis does not answer at REDIS_URL=redis://127.0.0.1:${closed}`);
    expect(out).toContain(`redis-server --daemonize yes --bind 127.0.0.1 --port ${closed} --save "" --appendonly no`);
    expect(out).toMatch(/set REDIS_URL to a Redis that answers/);
    expect(out).toMatch(/leave REDIS_URL unset/);
  }, 60_000);
});
