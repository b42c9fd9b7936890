import { Client } from 'pg';
import type { Database } from '../../crm';
import { AttributeInUseError, ProfileStore } from '../../crm/identity';
import { openTestDatabase, uniq } from '../import/helpers';

/**
 * Deleting or retyping a declared attribute while a profile write is in flight: the admin's change
 * waits for the write and then sees its value, so no value outlives its declaration or its type.
 */
describe('attribute definitions against concurrent profile writes', () => {
  let database: Database;
  let profiles: ProfileStore;
  let writer: Client;
  beforeAll(async () => {
    database = await openTestDatabase();
    profiles = new ProfileStore(database.db);
    writer = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await writer.connect();
  });
  afterAll(async () => {
    await writer.end();
    await database.close();
  });

  async function customer(label: string): Promise<string> {
    const { rows } = await writer.query<{ id: string }>('insert into customers (display_name) values ($1) returning id::text', [label]);
    await writer.query('insert into customer_profiles (customer_id) values ($1)', [rows[0].id]);
    return rows[0].id;
  }

  /** Resolves once another session of this database waits for a lock (the admin's change is held back). */
  async function someoneWaitsForALock(done: () => boolean): Promise<'waiting'> {
    while (!done()) {
      const { rows } = await writer.query(
        "select 1 from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'",
      );
      if (rows.length > 0) return 'waiting';
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return 'waiting';
  }

  /** Runs `change` while an uncommitted write of `key` on `customerId` holds the profile; commits the write once the change waits. */
  async function duringAWrite<T>(customerId: string, key: string, change: () => Promise<T>): Promise<PromiseSettledResult<T>> {
    await writer.query('begin');
    await writer.query(`update customer_profiles set attributes = attributes || jsonb_build_object($2::text, 'gold') where customer_id = $1`, [customerId, key]);
    let settled = false;
    const result = change().finally(() => (settled = true));
    const first = await Promise.race([result.then(() => 'finished' as const, () => 'finished' as const), someoneWaitsForALock(() => settled)]);
    await writer.query('commit');
    // The change must not have finished without the write's value: it has to wait for it.
    expect(first).toBe('waiting');
    return (await Promise.allSettled([result]))[0];
  }

  it('deletes a declaration together with a value written while it ran', async () => {
    const key = uniq('tier').toLowerCase();
    await profiles.declareAttribute(key, 'string', 'Tier');
    const id = await customer('Writer during delete');
    const outcome = await duringAWrite(id, key, () => profiles.deleteAttribute(key));
    expect(outcome).toEqual({ status: 'fulfilled', value: { removedFrom: 1 } });
    expect((await profiles.get(id)).attributes).toEqual({});
    expect((await profiles.declared()).map((d) => d.key)).not.toContain(key);
  });

  it('refuses to retype an attribute once a value written while it ran is committed', async () => {
    const key = uniq('points').toLowerCase();
    await profiles.declareAttribute(key, 'string');
    const id = await customer('Writer during retype');
    const outcome = await duringAWrite(id, key, () => profiles.declareAttribute(key, 'number'));
    expect(outcome.status).toBe('rejected');
    expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(AttributeInUseError);
    expect(await profiles.declared()).toContainEqual({ key, type: 'string', label: null, description: null });
    expect((await profiles.usage()).get(key)).toBe(1);
  });
});
