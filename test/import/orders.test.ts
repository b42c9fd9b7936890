import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import type { Database } from '../../crm';
import { CommerceStore } from '../../crm/commerce/store';
import { queryRows } from '../../crm/commerce/rows';
import { csv, importFile, openTestDatabase, RETAIL_HEADER, scratchDir, uniq } from './helpers';

/** Everything the import wrote for a set of order numbers, with row versions (xmin) to prove a re-run wrote nothing. */
async function snapshot(database: Database, prefix: string) {
  return queryRows<Record<string, unknown>>(
    database.db,
    sql`select o.order_number, o.total_minor, o.placed_at, o.country, o.status, o.customer_id, o.xmin::text as oxmin,
               (select json_agg(json_build_object('n', l.line_no, 'sku', p.sku, 'q', l.quantity, 'p', l.unit_price_minor, 'x', l.xmin::text, 'px', p.xmin::text) order by l.line_no)
                  from order_lines l join products p on p.id = l.product_id where l.order_id = o.id) as lines
          from orders o where o.order_number like ${`${prefix}%`} order by o.order_number`,
  );
}

describe('orders import', () => {
  let database: Database;
  let dir: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    dir = scratchDir('orders');
  });
  afterAll(() => database.close());

  it('reads the online-retail format: groups invoices, rejects bad rows with reasons, and a second run changes nothing', async () => {
    const p = uniq('R');
    const cust = uniq('');
    const sku = (n: number) => `${String(n).padStart(5, '9')}${p.slice(-2).replace(/[^A-Z]/g, 'X')}`;
    const rows = [
      RETAIL_HEADER,
      [`${p}1`, sku(1), 'WHITE LANTERN', 6, '2011-01-10 08:26:00', '2.55', `${cust}1`, 'United Kingdom'],
      [`${p}1`, sku(2), 'RED MUG, LARGE', 2, '2011-01-10 08:26:00', '3.39', `${cust}1`, 'United Kingdom'],
      [`${p}1`, 'POST', 'POSTAGE', 1, '2011-01-10 08:26:00', '18', `${cust}1`, 'United Kingdom'],
      [`C${p}2`, sku(1), 'WHITE LANTERN', -1, '2011-01-11 09:00:00', '2.55', `${cust}1`, 'United Kingdom'],
      [`${p}3`, sku(1), 'WHITE LANTERN', 1, '2011-07-01 12:00:00', '2.75', '', 'France'],
      [`${p}4`, sku(2), 'RED MUG', 0, '2011-07-02 12:00:00', '3.39', `${cust}2`, 'France'],
      [`${p}4`, sku(2), 'RED MUG', 1, '2011-07-02 12:00:00', '0', `${cust}2`, 'France'],
      [`${p}4`, sku(2), 'RED MUG', 1, 'not a date', '3.39', `${cust}2`, 'France'],
      [`${p}4`, sku(1), 'WHITE LANTERN', 3, '2011-07-02 12:00:00', '2.75', `${cust}2.0`, 'France'],
      [`${p}5`, sku(3), '', 4, '2011-07-03 10:00:00', '1.25', `${cust}1`, 'United Kingdom'],
      // Invoice 1 again, after others: its lines continue the same order.
      [`${p}1`, sku(3), 'BLUE BOWL', 1, '2011-01-10 08:26:00', '1.25', `${cust}1`, 'United Kingdom'],
    ];
    const file = path.join(dir, 'retail.csv');
    fs.writeFileSync(file, `${csv(rows)}${p}6,${sku(1)},BROKEN ROW,1\n`);

    const first = await importFile(database, 'orders', file);
    expect(first.rows).toBe(12);
    expect(first.accepted).toBe(5);
    expect(first.rejectedByReason).toEqual({
      non_product_code: 1,
      cancellation: 1,
      missing_customer_id: 1,
      non_positive_quantity: 1,
      non_positive_price: 1,
      bad_date: 1,
      malformed_row: 1,
    });
    expect(first.entities.orders).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    expect(first.entities.customers).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(first.entities.products).toEqual({ inserted: 3, updated: 0, unchanged: 0 });

    const report = fs.readFileSync(`${file}.rejected.csv`, 'utf8').trim().split('\n');
    expect(report[0]).toBe('line,reason,detail,raw');
    expect(report).toHaveLength(8);
    expect(report.find((l) => l.includes('cancellation'))).toContain(`C${p}2`);
    expect(report.find((l) => l.startsWith('4,'))).toMatch(/^4,non_product_code,stock code POST,/);

    const commerce = new CommerceStore(database.db);
    const order1 = (await commerce.findOrder(`${p}1`))!;
    expect(order1.totalMinor).toBe(6 * 255 + 2 * 339 + 125);
    expect(order1.currency).toBe('GBP');
    expect(order1.status).toBe('completed');
    // Local London time (GMT in January, BST in July).
    expect(order1.placedAt.toISOString()).toBe('2011-01-10T08:26:00.000Z');
    expect((await commerce.findOrder(`${p}4`))!.placedAt.toISOString()).toBe('2011-07-02T11:00:00.000Z');
    const lines = await commerce.orderLines(order1.id);
    expect(lines.map((l) => [l.lineNo, l.sku, l.quantity, l.unitPriceMinor])).toEqual([
      [1, sku(1), 6, 255],
      [2, sku(2), 2, 339],
      [3, sku(3), 1, 125],
    ]);
    // Customers are linked by CustomerID as a retail_customer_id identity ("…2.0" is the same customer as "…2").
    const owners = await queryRows<{ external_id: string; n: number }>(
      database.db,
      sql`select i.external_id, count(o.id)::int as n from identities i join orders o on o.customer_id = i.customer_id
          where i.kind = 'retail_customer_id' and i.external_id like ${`${cust}%`} group by i.external_id order by 1`,
    );
    expect(owners).toEqual([{ external_id: `${cust}1`, n: 2 }, { external_id: `${cust}2`, n: 1 }]);
    // The product keeps the newest observed price (July 2.75 beats January 2.55).
    expect((await commerce.product(sku(1)))!.priceMinor).toBe(275);
    // Missing description: the SKU names the product.
    expect((await commerce.product(sku(3)))!.name).toBe('BLUE BOWL');

    const before = await snapshot(database, p);
    const second = await importFile(database, 'orders', file);
    expect(second.entities.orders).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
    expect(second.entities.customers).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    expect(second.entities.products).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
    expect(second.rejected).toBe(7);
    expect(await snapshot(database, p)).toEqual(before);
  });

  it('keeps the newest observed product price when invoices come out of time order across batches, idempotently', async () => {
    const p = uniq('O');
    const sku = `${String(Date.now() % 100000).padStart(5, '0')}${p.slice(1, 3).replace(/[^A-Z]/g, 'Q')}`;
    const file = path.join(dir, `${p}-ooo.csv`);
    fs.writeFileSync(file, csv([
      RETAIL_HEADER,
      [`${p}1`, sku, 'LAMP', 1, '2011-03-01 10:00:00', '1.00', `${p}c`, 'UK'],
      [`${p}2`, sku, 'LAMP', 1, '2011-03-03 10:00:00', '1.00', `${p}c`, 'UK'],
      [`${p}3`, sku, 'LAMP NEW', 1, '2011-03-02 10:00:00', '2.00', `${p}c`, 'UK'],
    ]));
    const commerce = new CommerceStore(database.db);
    await importFile(database, 'orders', file, { batchRows: 1 });
    const after = (await commerce.product(sku))!;
    expect([after.name, after.priceMinor, after.observedAt!.toISOString()]).toEqual(['LAMP', 100, '2011-03-03T10:00:00.000Z']);
    const second = await importFile(database, 'orders', file, { batchRows: 1 });
    expect(second.entities.products).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    expect((await commerce.product(sku))!.updatedAt).toEqual(after.updatedAt);

    // Within one batch: a price change followed by a newer line at the old price (the newest wins).
    const sku2 = `${sku.slice(0, 5)}${sku.slice(5) === 'QQ' ? 'QR' : 'QQ'}`;
    const file2 = path.join(dir, `${p}-batch.csv`);
    fs.writeFileSync(file2, csv([
      RETAIL_HEADER,
      [`${p}4`, sku2, 'MUG', 1, '2011-04-01 10:00:00', '3.75', `${p}c`, 'UK'],
      [`${p}4`, `${sku2.slice(0, 5)}`, 'OTHER', 1, '2011-04-01 10:00:00', '1.00', `${p}c`, 'UK'],
      [`${p}5`, sku2, 'MUG', 1, '2011-04-02 10:00:00', '2.95', `${p}c`, 'UK'],
      [`${p}6`, sku2, 'MUG', 1, '2011-04-03 10:00:00', '3.75', `${p}c`, 'UK'],
    ]));
    await importFile(database, 'orders', file2, { batchRows: 2 });
    const mug = (await commerce.product(sku2))!;
    expect([mug.priceMinor, mug.observedAt!.toISOString()]).toEqual([375, '2011-04-03T09:00:00.000Z']); // 10:00 BST
    expect((await importFile(database, 'orders', file2, { batchRows: 2 })).entities.products).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    expect((await commerce.product(sku2))!.updatedAt).toEqual(mug.updatedAt);
  });

  it('detects gzip from the content, and imports generic JSON-lines orders with updates and removed lines', async () => {
    const p = uniq('J');
    const order = (n: number, lines: Array<[string, number, string]>, extra: Record<string, unknown> = {}) => ({
      order_number: `${p}-${n}`,
      customer_id: `${p}-cust`,
      customer_kind: 'shop',
      placed_at: '2026-03-01T10:00:00+01:00',
      currency: 'EUR',
      lines: lines.map(([sku, quantity, price]) => ({ sku: `${p}${sku}`, name: `Product ${sku}`, quantity, unit_price: price })),
      ...extra,
    });
    const write = (name: string, items: unknown[]) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, gzipSync(`${items.map((i) => (typeof i === 'string' ? i : JSON.stringify(i))).join('\n')}\n`));
      return file;
    };
    const v1 = write(`${p}-v1.jsonl`, [
      order(1, [['A', 2, '10.00'], ['B', 1, '5.5']]),
      order(2, [['A', 1, '10.00']], { total: '14.99', status: 'paid' }),
      '{"order_number": "x", "lines": []}',
      'not json',
    ]);
    const first = await importFile(database, 'orders', v1);
    expect(first.gzip).toBe(true);
    expect(first.format).toBe('jsonl');
    expect(first.entities.orders).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(first.rejectedByReason).toEqual({ invalid_order: 1, malformed_row: 1 });
    const commerce = new CommerceStore(database.db);
    const o1 = (await commerce.findOrder(`${p}-1`))!;
    expect([o1.totalMinor, o1.currency, o1.status, o1.placedAt.toISOString()]).toEqual([2550, 'EUR', 'placed', '2026-03-01T09:00:00.000Z']);
    expect((await commerce.findOrder(`${p}-2`))!.totalMinor).toBe(1499);

    expect((await importFile(database, 'orders', v1)).entities.orders).toEqual({ inserted: 0, updated: 0, unchanged: 2 });

    // A new version of order 1 drops line B: the order is updated, the line removed, the total recomputed.
    const v2 = write(`${p}-v2.data`, [order(1, [['A', 3, '10.00']]), order(2, [['A', 1, '10.00']], { total: '14.99', status: 'paid' })]);
    const third = await importFile(database, 'orders', v2);
    expect(third.entities.orders).toEqual({ inserted: 0, updated: 1, unchanged: 1 });
    const lines = await commerce.orderLines(o1.id);
    expect(lines.map((l) => [l.sku, l.quantity])).toEqual([[`${p}A`, 3]]);
    expect((await commerce.findOrder(`${p}-1`))!.totalMinor).toBe(3000);
  });

  it('streams a generated 50,000-row gzip file in batches, and re-imports it without changes', async () => {
    const p = uniq('S');
    const file = path.join(dir, `${p}.csv.gz`);
    const out: string[] = [RETAIL_HEADER.join(',')];
    let expectedRejects = 0;
    for (let i = 0; i < 50_000; i++) {
      const invoice = `${p}${Math.floor(i / 10)}`;
      const customer = `${p}C${Math.floor(i / 100)}`;
      const stock = `${10000 + (i % 500)}Z`;
      let qty = (i % 7) + 1;
      if (i % 1000 === 999) {
        qty = -1;
        expectedRejects++;
      }
      out.push(`${invoice},${stock},ITEM ${i % 500},${qty},2011-0${1 + (i % 9)}-15 10:00:00,${(1 + (i % 13) / 4).toFixed(2)},${customer},United Kingdom`);
    }
    fs.writeFileSync(file, gzipSync(`${out.join('\n')}\n`));
    const first = await importFile(database, 'orders', file, { batchRows: 2000 });
    expect(first.rows).toBe(50_000);
    expect(first.rejectedByReason).toEqual({ non_positive_quantity: expectedRejects });
    expect(first.entities.orders).toEqual({ inserted: 5000, updated: 0, unchanged: 0 });
    expect(first.entities.customers.inserted).toBe(500);
    const [{ n, total }] = await queryRows<{ n: number; total: string }>(
      database.db,
      sql`select count(*)::int as n, sum(l.quantity::bigint * l.unit_price_minor)::text as total from order_lines l join orders o on o.id = l.order_id where o.order_number like ${`${p}%`}`,
    );
    expect(n).toBe(50_000 - expectedRejects);
    const [{ sum }] = await queryRows<{ sum: string }>(database.db, sql`select sum(total_minor)::text as sum from orders where order_number like ${`${p}%`}`);
    expect(sum).toBe(total);
    const second = await importFile(database, 'orders', file, { batchRows: 2000 });
    expect(second.entities.orders).toEqual({ inserted: 0, updated: 0, unchanged: 5000 });
    expect(second.entities.products).toEqual({ inserted: 0, updated: 0, unchanged: 500 });
  });
});
