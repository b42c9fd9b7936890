import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Database } from '../../crm';
import { CommerceStore } from '../../crm/commerce/store';
import { queryRows } from '../../crm/commerce/rows';
import { ProfileStore } from '../../crm/identity/profiles';
import { identityKey, resolveCustomersBulk } from '../../crm/identity/resolve';
import { csv, importFile, openTestDatabase, scratchDir, uniq } from './helpers';

describe('products, customers and events imports', () => {
  let database: Database;
  let dir: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    dir = scratchDir('catalog');
  });
  afterAll(() => database.close());

  it('imports a product catalogue from CSV, updates only what differs, rejects bad rows', async () => {
    const p = uniq('P');
    const file = path.join(dir, `${p}.csv`);
    const rows = (price: string) => [
      ['sku', 'name', 'category', 'price', 'currency', 'active', 'colour'],
      [`${p}1`, 'Lamp', 'lighting', price, 'EUR', 'true', 'white'],
      [`${p}2`, 'Mug', '', '3.5', '', 'false', ''],
      [`${p}3`, '', 'x', '1', 'EUR', 'true', ''],
      [`${p}4`, 'Bad', 'x', 'abc', 'EUR', 'true', ''],
      [`${p}5`, 'Bad', 'x', '1', 'EURO', 'true', ''],
    ];
    fs.writeFileSync(file, csv(rows('19.99')));
    const first = await importFile(database, 'products', file);
    expect(first.entities.products).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(first.rejectedByReason).toEqual({ missing_name: 1, bad_price: 1, bad_currency: 1 });
    const commerce = new CommerceStore(database.db);
    expect(await commerce.product(`${p}1`)).toMatchObject({ name: 'Lamp', category: 'lighting', priceMinor: 1999, currency: 'EUR', active: true, attributes: { colour: 'white' } });
    expect(await commerce.product(`${p}2`)).toMatchObject({ category: null, priceMinor: 350, currency: 'GBP', active: false, attributes: {} });
    expect((await importFile(database, 'products', file)).entities.products).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    fs.writeFileSync(file, csv(rows('21')));
    expect((await importFile(database, 'products', file)).entities.products).toEqual({ inserted: 0, updated: 1, unchanged: 1 });
    expect((await commerce.product(`${p}1`))!.priceMinor).toBe(2100);
  });

  it('imports customers with typed attributes, consent, language and tags; re-import changes nothing', async () => {
    const p = uniq('c');
    const file = path.join(dir, `${p}.jsonl`);
    const lines = [
      { customer_id: `${p}1`, name: 'Ana', email: `ana.${p}@example.com`, language: 'pt-BR', tags: ['vip', 'b2b'], consent: { email_marketing: true }, attributes: { tier: 'gold', orders_2025: 12 } },
      { customer_id: `${p}2`, name: 'Bo', tags: [], attributes: { tier: 'silver', orders_2025: 'many' } },
      { customer_id: `${p}3`, email: 'not-an-email' },
      { name: 'nobody' },
      { email: `only.${p}@example.com`, consent: { sms: false } },
    ];
    fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
    const first = await importFile(database, 'customers', file);
    expect(first.rejectedByReason).toEqual({ attribute_type_mismatch: 1, bad_email: 1, missing_customer_id: 1 });
    expect(first.entities.customers).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    const { ids } = await resolveCustomersBulk(database.db, [{ kind: 'retail_customer_id', externalId: `${p}1` }]);
    const ana = ids.get(identityKey('retail_customer_id', `${p}1`))!;
    const profile = await new ProfileStore(database.db).get(ana);
    expect(profile).toMatchObject({ language: 'pt-BR', tags: ['b2b', 'vip'], attributes: { tier: 'gold', orders_2025: 12 }, consent: { email_marketing: { granted: true, source: 'import' } } });
    const [record] = await queryRows<{ display_name: string; email: string }>(database.db, sql`select display_name, email from customers where id = ${ana}`);
    expect(record).toEqual({ display_name: 'Ana', email: `ana.${p}@example.com` });
    const handles = await queryRows<{ kind: string }>(database.db, sql`select kind from identities where customer_id = ${ana} order by kind`);
    expect(handles.map((h) => h.kind)).toEqual(['email', 'retail_customer_id']);

    const second = await importFile(database, 'customers', file);
    expect(second.entities.customers).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
    expect((await new ProfileStore(database.db).get(ana)).consent).toEqual(profile.consent);

    // A CSV update of one customer: consent withdrawn, a tag, an attribute column.
    const update = path.join(dir, `${p}.csv`);
    fs.writeFileSync(update, csv([['customer_id', 'tags', 'consent_email_marketing', 'attr_orders_2025'], [`${p}1`, 'vip', 'false', '13']]));
    expect((await importFile(database, 'customers', update)).entities.customers).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    const changed = await new ProfileStore(database.db).get(ana);
    expect(changed.tags).toEqual(['vip']);
    expect(changed.consent.email_marketing.granted).toBe(false);
    expect(changed.attributes).toEqual({ tier: 'gold', orders_2025: 13 });
  });

  it('imports behavioural events once, rejecting unknown products and bad rows', async () => {
    const p = uniq('E');
    await new CommerceStore(database.db).upsertCatalogProducts([{ sku: `${p}SKU`, name: 'Lamp', priceMinor: 100, currency: 'GBP' }]);
    const file = path.join(dir, `${p}.csv`);
    fs.writeFileSync(file, csv([
      ['customer_id', 'type', 'sku', 'quantity', 'at', 'idempotency_key'],
      [`${p}c1`, 'view', `${p}SKU`, '', '2026-01-01 10:00:00', ''],
      [`${p}c1`, 'add_to_cart', `${p}SKU`, '2', '2026-01-01T10:01:00Z', 'cart-1'],
      [`${p}c2`, 'purchase', `${p}NOPE`, '1', '2026-01-01 10:02:00', ''],
      [`${p}c2`, 'like', `${p}SKU`, '1', '2026-01-01 10:02:00', ''],
      ['', 'view', `${p}SKU`, '', '2026-01-01 10:02:00', ''],
      [`${p}c2`, 'view', '', '', 'yesterday', ''],
    ]));
    const first = await importFile(database, 'events', file);
    expect(first.entities.events).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(first.rejectedByReason).toEqual({ unknown_product: 1, bad_event_type: 1, missing_customer_id: 1, bad_date: 1 });
    expect(first.accepted).toBe(2);
    const second = await importFile(database, 'events', file);
    expect(second.entities.events).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
  });
});
