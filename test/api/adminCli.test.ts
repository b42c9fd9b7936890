import { spawn } from 'node:child_process';
import path from 'node:path';
import { createCrm, openDatabase, type Database } from '../../crm';
import { repoRoot, tempDir } from '../support/apps';
import { createScratchDatabase } from '../support/database';

/** `npm run admin:create`: the first administrator, from the command line. */
describe('admin:create command', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let database: Database;

  beforeAll(async () => {
    scratch = await createScratchDatabase('admin_cli');
  });
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });

  function run(args: string[], stdin?: string): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bot/adminCli.ts', ...args], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: scratch.url, DATA_DIR: tempDir('admin-cli'), DOTENV_CONFIG_QUIET: 'true' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, out }));
      child.stdin.end(stdin ?? '');
    });
  }

  it('creates an admin whose password (read from stdin) signs in, and refuses a second one with the same email', async () => {
    const created = await run(['--email', 'Ada@Example.com', '--name', 'Ada Admin'], 'a long admin password\n');
    expect(created).toEqual({ code: 0, out: expect.stringMatching(/^Created admin Ada Admin <ada@example.com> \(id [0-9a-f-]{36}\)/) });
    database = await openDatabase({ url: scratch.url, poolSize: 1 });
    const crm = createCrm(database.db);
    const user = await crm.users.verifyCredentials('ada@example.com', 'a long admin password');
    expect(user).toMatchObject({ role: 'admin', displayName: 'Ada Admin', email: 'ada@example.com', disabled: false });
    expect(await crm.users.verifyCredentials('ada@example.com', 'a long admin password\n')).toBeNull();

    const again = await run(['--email', 'ada@example.com', '--name', 'Ada Again', '--password', 'another password']);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/already exists/);
    expect(await crm.users.count()).toBe(1);
  });

  it('takes --password, and refuses missing arguments and short passwords', async () => {
    expect((await run(['--email', 'second@example.com', '--name', 'Second Admin', '--password', 'password-from-args'])).code).toBe(0);
    const missing = await run(['--email', 'third@example.com']);
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/--name are required/);
    const short = await run(['--email', 'third@example.com', '--name', 'Third'], 'short\n');
    expect(short.code).toBe(2);
    expect(short.out).toMatch(/at least 8 characters/);
    const crm = createCrm(database.db);
    expect((await crm.users.list()).map((u) => u.email).sort()).toEqual(['ada@example.com', 'second@example.com']);
  });
});
