import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import type { Database } from '../../crm';
import { ApiKeyStore } from '../../crm/commerce/apiKeys';
import { EventIngest } from '../../crm/commerce/ingest';
import { CommerceStore } from '../../crm/commerce/store';
import { queryRows } from '../../crm/commerce/rows';
import { eventsRoutes } from '../../bot/api/events';
import { errorHandler } from '../../bot/errors';
import { IdentityLinker } from '../../crm/identity/linking';
import { resolveCustomersBulk } from '../../crm/identity/resolve';
import { openTestDatabase, uniq } from '../import/helpers';

describe('POST /api/customer-events', () => {
  let database: Database;
  let server: Server;
  let base: string;
  let keys: ApiKeyStore;
  let key: string;
  let sku: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    keys = new ApiKeyStore(database.db);
    key = (await keys.create('website')).key;
    sku = uniq('EV');
    await new CommerceStore(database.db).upsertCatalogProducts([{ sku, name: 'Lamp', priceMinor: 1999, currency: 'EUR' }]);
    const app = express();
    app.use(eventsRoutes({ commerce: new EventIngest(database.db), apiKeys: keys }));
    app.use(errorHandler(pino({ level: 'silent' })));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await database.close();
  });

  const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${key}` }) =>
    fetch(`${base}/api/customer-events`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  const countFor = async (externalId: string) =>
    (await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from customer_events e join identities i on i.customer_id = e.customer_id where i.kind = 'shop' and i.external_id = ${externalId}`))[0].n;

  it('refuses requests without a valid, unrevoked API key (401 JSON), writing nothing', async () => {
    const shopper = uniq('u');
    const event = { type: 'view', customer: { kind: 'shop', id: shopper }, sku, idempotencyKey: 'k1' };
    for (const headers of [{}, { authorization: 'Bearer ck_wrong' }, { 'x-api-key': 'nope' }, { authorization: `Basic ${key}` }]) {
      const res = await post(event, headers as Record<string, string>);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'invalid_api_key', message: 'missing or invalid API key' } });
    }
    const revoked = await keys.create('old');
    await keys.revoke(revoked.record.id);
    expect((await post(event, { authorization: `Bearer ${revoked.key}` })).status).toBe(401);
    expect(await countFor(shopper)).toBe(0);
  });

  it('stores view, add-to-cart and purchase events once per idempotency key', async () => {
    const shopper = uniq('u');
    const batch = {
      events: [
        { type: 'view', customer: { kind: 'shop', id: shopper }, sku: sku.toLowerCase(), idempotencyKey: 'e1', at: '2026-05-01T10:00:00Z' },
        { type: 'add_to_cart', customer: { kind: 'shop', id: shopper }, sku, quantity: 2, idempotencyKey: 'e2', data: { page: '/lamp' } },
        { type: 'purchase', customer: { kind: 'shop', id: shopper }, sku, quantity: 2, idempotencyKey: 'e3' },
      ],
    };
    const first = await post(batch);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({
      created: 3, duplicates: 0,
      results: [{ idempotencyKey: 'e1', status: 'created' }, { idempotencyKey: 'e2', status: 'created' }, { idempotencyKey: 'e3', status: 'created' }],
    });
    const again = await post(batch);
    expect(again.status).toBe(200);
    expect((await again.json()).duplicates).toBe(3);
    expect(await countFor(shopper)).toBe(3);
    const stored = await queryRows<{ type: string; quantity: number | null; at: Date; source: string; data: Record<string, unknown> }>(
      database.db,
      sql`select e.type, e.quantity, e.at, e.source, e.data from customer_events e join identities i on i.customer_id = e.customer_id
          where i.kind = 'shop' and i.external_id = ${shopper} order by e.id`,
    );
    expect(stored.map((s) => s.type)).toEqual(['view', 'add_to_cart', 'purchase']);
    expect(new Date(stored[0].at).toISOString()).toBe('2026-05-01T10:00:00.000Z');
    expect(stored[1]).toMatchObject({ quantity: 2, source: 'api:website', data: { page: '/lamp' } });
  });

  it('takes a single event with the Idempotency-Key header', async () => {
    const shopper = uniq('u');
    const headers = { authorization: `Bearer ${key}`, 'idempotency-key': 'single-1' };
    const res = await post({ type: 'view', customer: { kind: 'shop', id: shopper }, sku }, headers);
    expect(res.status).toBe(201);
    expect((await post({ type: 'view', customer: { kind: 'shop', id: shopper }, sku }, headers)).status).toBe(200);
    expect(await countFor(shopper)).toBe(1);
  });

  it('files events for a merged profile under the profile it was merged into', async () => {
    const { ids } = await resolveCustomersBulk(database.db, [{ kind: 'shop', externalId: uniq('keep') }, { kind: 'shop', externalId: uniq('gone') }]);
    const [survivor, merged] = [...ids.values()];
    await new IdentityLinker(database.db).merge({ survivorId: survivor, mergedId: merged, actor: 'agent:test' });
    const res = await post({ type: 'view', customer: { customerId: merged }, sku, idempotencyKey: uniq('m') });
    expect(res.status).toBe(201);
    const rows = await queryRows<{ customer_id: string }>(database.db, sql`select customer_id::text from customer_events where customer_id in (${survivor}::uuid, ${merged}::uuid)`);
    expect(rows).toEqual([{ customer_id: survivor }]);
  });

  it('answers 400 with a JSON error for invalid bodies, unknown products and customers, storing nothing', async () => {
    const shopper = uniq('u');
    const cases: Array<[unknown, string, RegExp]> = [
      ['{"type":', 'malformed_json', /not valid JSON/],
      [{ type: 'click', customer: { kind: 'shop', id: shopper }, idempotencyKey: 'x' }, 'invalid_event', /^type:/],
      [{ type: 'view', customer: { kind: 'shop', id: shopper } }, 'invalid_event', /idempotencyKey: required/],
      [{ type: 'view', customer: { kind: 'shop', id: shopper }, idempotencyKey: 'x', quantity: -1 }, 'invalid_event', /^quantity/],
      [{ type: 'view', customer: { kind: 'shop', id: shopper }, idempotencyKey: 'x', at: 'yesterday' }, 'invalid_event', /^at/],
      [{ events: [{ type: 'view', customer: { kind: 'shop', id: shopper }, sku, idempotencyKey: 'ok' }, { type: 'view', customer: { kind: 'shop', id: shopper }, sku: 'NO-SUCH-SKU', idempotencyKey: 'bad' }] }, 'unknown_product', /NO-SUCH-SKU/],
      [{ type: 'view', customer: { customerId: '00000000-0000-4000-8000-000000000000' }, idempotencyKey: 'x' }, 'unknown_customer', /00000000/],
    ];
    for (const [body, code, message] of cases) {
      const res = await post(body);
      expect(res.status).toBe(400);
      const json = await res.json();
      expect(json.error.code).toBe(code);
      expect(json.error.message).toMatch(message);
    }
    expect(await countFor(shopper)).toBe(0);
  });
});
