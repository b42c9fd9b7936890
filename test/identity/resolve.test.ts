import { sql } from 'drizzle-orm';
import type { Database } from '../../crm';
import { queryRows } from '../../crm/commerce/rows';
import { identityKey, resolveCustomersBulk } from '../../crm/identity/resolve';
import { ProfileStore, AttributeError } from '../../crm/identity/profiles';
import { openTestDatabase, uniq } from '../import/helpers';

describe('bulk identity resolution and profiles', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  it('gives each identity exactly one customer under concurrent bulk resolution, leaving no orphans', async () => {
    const p = uniq('race');
    const refs = Array.from({ length: 30 }, (_, i) => ({ kind: 'shop', externalId: `${p}-${i}` }));
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, k) => database.db.transaction((tx) => resolveCustomersBulk(tx, k % 2 ? refs : [...refs].reverse()))),
    );
    for (const ref of refs) {
      const key = identityKey(ref.kind, ref.externalId);
      expect(new Set(results.map((r) => r.ids.get(key))).size).toBe(1);
    }
    expect(results.reduce((n, r) => n + r.created, 0)).toBe(30);
    const [{ n }] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(distinct customer_id)::int as n from identities where kind = 'shop' and external_id like ${`${p}-%`}`,
    );
    expect(n).toBe(30);
    const [{ orphans }] = await queryRows<{ orphans: number }>(
      database.db,
      sql`select count(*)::int as orphans from customers c where not exists (select 1 from identities i where i.customer_id = c.id)
          and not exists (select 1 from messages m where m.customer_id = c.id) and not exists (select 1 from customer_profiles cp where cp.customer_id = c.id)
          and c.created_at > now() - interval '1 minute'`,
    );
    expect(orphans).toBe(0);
  });

  it('checks custom attribute types and records consent changes with their time', async () => {
    const p = uniq('prof');
    const { ids } = await resolveCustomersBulk(database.db, [{ kind: 'shop', externalId: p }]);
    const id = ids.get(identityKey('shop', p))!;
    const profiles = new ProfileStore(database.db);
    await profiles.declareAttribute(`${p}_birthday`, 'date', 'Birthday');
    await profiles.declareAttribute(`${p}_points`, 'number');
    await expect(profiles.update(id, { attributes: { [`${p}_points`]: 'ten' } })).rejects.toBeInstanceOf(AttributeError);
    await expect(profiles.update(id, { attributes: { [`${p}_undeclared`]: 1 } })).rejects.toThrow(/not declared/);
    const first = await profiles.update(id, { attributes: { [`${p}_birthday`]: '1990-04-01', [`${p}_points`]: 10 }, consent: { email_marketing: true }, addTags: ['vip'] });
    expect(first.attributes).toEqual({ [`${p}_birthday`]: '1990-04-01', [`${p}_points`]: 10 });
    const grantedAt = first.consent.email_marketing.at;
    const same = await profiles.update(id, { consent: { email_marketing: true }, addTags: ['vip'] });
    expect(same.consent.email_marketing.at).toBe(grantedAt);
    const withdrawn = await profiles.update(id, { consent: { email_marketing: false }, removeTags: ['vip'], attributes: { [`${p}_points`]: null } });
    expect(withdrawn.consent.email_marketing).toMatchObject({ granted: false, source: 'api' });
    expect(withdrawn.tags).toEqual([]);
    expect(withdrawn.attributes).toEqual({ [`${p}_birthday`]: '1990-04-01' });
    expect(await profiles.get(id)).toEqual(withdrawn);
  });
});
