import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { createCrm } from '../../crm';
import { queryRows } from '../../crm/commerce/rows';
import { csv, openTestDatabase, RETAIL_HEADER, scratchDir, uniq } from './helpers';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '..', '..');

/** `npm run crm -- …` as an operator runs it: tsx crm/cli.ts in a child process on the run's database. */
async function crm(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'crm/cli.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL!, DOTENV_CONFIG_QUIET: 'true', ...env },
    timeout: 60_000,
  });
}

describe('crm CLI', () => {
  it('imports orders with a progress bar on stderr, a rejected-rows file and counts; the second run changes nothing', async () => {
    const dir = scratchDir('cli');
    const p = uniq('L');
    const file = path.join(dir, 'orders.csv');
    fs.writeFileSync(file, csv([
      RETAIL_HEADER,
      [`${p}1`, '22111', 'HOT WATER BOTTLE', 4, '2011-02-01 10:00:00', '4.25', `${p}c`, 'Germany'],
      [`${p}1`, 'POST', 'POSTAGE', 1, '2011-02-01 10:00:00', '15', `${p}c`, 'Germany'],
      [`${p}2`, '22111', 'HOT WATER BOTTLE', 1, '2011-02-02 10:00:00', '4.25', '', 'Germany'],
    ]));
    const rejects = path.join(dir, 'rejects.csv');
    const first = await crm(['import', 'orders', file, '--rejects', rejects]);
    expect(first.stderr).toMatch(/import orders \[#+\] 100\.0% 3 rows/);
    expect(first.stdout).toMatch(/orders: 3 rows read .* rows\/s; peak RSS \d+ MB/);
    expect(first.stdout).toMatch(/orders +inserted 1, updated 0, unchanged 0/);
    expect(first.stdout).toMatch(/non_product_code +1/);
    expect(first.stdout).toMatch(/missing_customer_id +1/);
    expect(fs.readFileSync(rejects, 'utf8').split('\n')[0]).toBe('line,reason,detail,raw');
    const second = await crm(['import', 'orders', file, '--rejects', rejects, '--no-progress']);
    expect(second.stderr).toBe('');
    expect(second.stdout).toMatch(/orders +inserted 0, updated 0, unchanged 1/);
    expect(second.stdout).toMatch(/customers +inserted 0, updated 0, unchanged 1/);
  });

  it('creates an API key shown once, and explains bad usage with exit code 2', async () => {
    const created = await crm(['apikey', 'create', 'shop-backend']);
    expect(created.stdout).toMatch(/shown only now:\nck_[A-Za-z0-9_-]{43}\n$/);
    const listed = await crm(['apikey', 'list']);
    expect(listed.stdout).toMatch(/ck_\S+….*shop-backend/);
    expect(listed.stdout).not.toContain(created.stdout.trim().split('\n')[1]);
    await expect(crm(['import', 'widgets', 'x.csv'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('import needs a kind') });
  });
  it('learning: lists the messages the catch-up gave up on, by error, and puts them back in its queue', async () => {
    const database = await openTestDatabase();
    try {
      const store = createCrm(database.db);
      const p = uniq('gu');
      const customer = await store.customers.resolve({ kind: 'directline', externalId: `v-${p}` });
      for (const i of [1, 2]) await store.timeline.record({ customerId: customer.id, channel: 'directline', conversationId: `c-${p}`, direction: 'inbound', author: 'customer', text: `hello ${i}`, activityId: `a${i}` });
      // What the catch-up leaves after its last attempt at both.
      await database.db.execute(sql`update messages set learn_attempts = 5, learn_error = 'tokenizer crashed', learn_failed_at = now() where conversation_id = ${`c-${p}`}`);
      const listed = await crm(['learning']);
      expect(listed.stdout).toMatch(/^2 messages of 1 customers given up by the learning catch-up\n +2 {2}tokenizer crashed\n$/);
      expect((await crm(['learning', 'retry', '--since', 'yesterday'], {}).catch((e: { code: number; stderr: string }) => e)) as { code: number; stderr: string }).toMatchObject({ code: 2, stderr: expect.stringContaining('not a date') });
      const retried = await crm(['learning', 'retry']);
      expect(retried.stdout).toMatch(/^2 given-up messages are queued for the learning catch-up again/);
      const rows = await queryRows<{ attempts: number; failed: boolean; learned: boolean }>(
        database.db,
        sql`select learn_attempts as attempts, learn_failed_at is not null as failed, learned_at is not null as learned from messages where conversation_id = ${`c-${p}`}`,
      );
      expect(rows).toEqual([{ attempts: 0, failed: false, learned: false }, { attempts: 0, failed: false, learned: false }]);
      expect((await store.timeline.customersWithUnlearned(new Date(Date.now() + 60_000), 100))).toContain(customer.id);
      expect((await crm(['learning'])).stdout).toMatch(/^0 messages of 0 customers/);
    } finally {
      await database.close();
    }
  });
});
