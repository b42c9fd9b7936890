import { sql } from 'drizzle-orm';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { startInProcessApp } from '../support/apps';
import { DirectLineClient } from '../support/directLineClient';
import type { Application } from '../../bot/application';
import { ApiKeyStore } from '../../crm/commerce/apiKeys';
import { ConsoleClient, makeUser, PASSWORD } from './consoleClient';

/**
 * What an attacker's probe sent, against the real server: each is a 4xx JSON error naming the
 * problem (never a 500), and nothing is written.
 */
describe('hostile input at the HTTP edge', () => {
  let app: Application & { url: string };
  let customer: DirectLineClient;
  let agent: ConsoleClient;
  let apiKey: string;

  beforeAll(async () => {
    app = await startInProcessApp();
    customer = await DirectLineClient.open(app.url);
    const user = await makeUser(app, 'agent', ['billing']);
    agent = await new ConsoleClient(app.url).signIn(user.email, PASSWORD);
    apiKey = (await new ApiKeyStore(app.database.db).create('hostile-input test')).key;
  });
  afterAll(async () => {
    customer?.close();
    await app?.stop();
  });

  const count = async (table: string) => ((await app.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as { rows: Array<{ n: number }> }).rows[0].n;
  const tables = ['directline_activities', 'directline_conversations', 'customer_events', 'customers', 'messages', 'tickets', 'ticket_events', 'sessions'];
  const snapshot = async () => Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t)] as const)));

  /** The raw request, so paths and bodies go out exactly as written (fetch would normalise some). */
  function raw(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const url = new URL(app.url);
      const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode!, body: parsed });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const activities = () => `/v3/directline/conversations/${customer.conversationId}/activities`;
  const asCustomer = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${customer.token}`, 'content-type': 'application/json', ...extra });
  const asShop = () => ({ authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' });

  async function expectRefused(res: { status: number; body: any }, status: number, code: string, message?: RegExp): Promise<void> {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
    if (message) expect(res.body.error.message).toMatch(message);
  }

  it('a malformed % escape in any path is 400 malformed_path (was a 500 from URIError)', async () => {
    const before = await snapshot();
    for (const path of ['/api/tickets/%zz', '/%E0%A4%A', '/v3/directline/conversations/%zz/activities', '/console/%', '/api/customer-events/%ED%A0%80']) {
      const res = await raw('GET', path);
      await expectRefused(res, 400, 'malformed_path', /malformed % escape/);
    }
    await expectRefused(await raw('POST', `/v3/directline/conversations/${customer.conversationId}%/activities`, asCustomer(), JSON.stringify({ type: 'message', text: 'hi' })), 400, 'malformed_path');
    await expectRefused(await raw('GET', '/api/tickets/%00'), 400, 'invalid_path', /NUL/);
    expect(await snapshot()).toEqual(before);
  });

  it('a compressed body that does not decompress is 400 malformed_body; a good one still works', async () => {
    const before = await snapshot();
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const session = await raw('POST', '/api/webchat/session', { 'content-type': 'application/json', 'content-encoding': encoding }, 'this is not compressed');
      await expectRefused(session, 400, 'malformed_body', new RegExp(`Content-Encoding: ${encoding}`));
      const post = await raw('POST', activities(), asCustomer({ 'content-encoding': encoding }), 'this is not compressed');
      await expectRefused(post, 400, 'malformed_body');
      const signIn = await raw('POST', '/api/auth/sign-in', { 'content-type': 'application/json', 'content-encoding': encoding }, Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0]));
      await expectRefused(signIn, 400, 'malformed_body');
    }
    await expectRefused(await raw('POST', '/api/webchat/session', { 'content-type': 'application/json', 'content-encoding': 'zstd-ish' }, '{}'), 415, 'unsupported_content_encoding');
    expect(await snapshot()).toEqual(before);
    // Real gzip is still read (the customer's page never sends it, but proxies may).
    const good = await raw('POST', '/api/auth/sign-in', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(JSON.stringify({ email: 'nobody@test.concierge', password: 'wrong password' })));
    expect(good.status).toBe(401);
  });

  it('NUL or a lone surrogate anywhere in a JSON body or query is 400 naming the field, before any write', async () => {
    const before = await snapshot();
    const cases: Array<[string, Promise<{ status: number; body: any }>, RegExp]> = [
      ['customer text NUL', raw('POST', activities(), asCustomer(), JSON.stringify({ type: 'message', text: 'hi\u0000there' })), /body field text contains a NUL/],
      ['customer text high surrogate', raw('POST', activities(), asCustomer(), JSON.stringify({ type: 'message', text: 'hi \ud800 there' })), /body field text contains a lone UTF-16 surrogate/],
      ['customer text low surrogate', raw('POST', activities(), asCustomer(), '{"type":"message","text":"x\\udc00"}'), /body field text contains a lone/],
      ['event value deep field', raw('POST', activities(), asCustomer(), JSON.stringify({ type: 'event', name: 'x', value: { items: [{ name: 'a\u0000' }] } })), /body field value\.items\.0\.name contains a NUL/],
      ['object key', raw('POST', activities(), asCustomer(), '{"type":"event","name":"x","value":{"k\\u0000":1}}'), /body field value\.k\\u0000 contains a NUL/],
      ['shop event', raw('POST', '/api/customer-events', asShop(), JSON.stringify({ type: 'view', customer: { kind: 'shop', id: 'p\u00002' }, idempotencyKey: 'k1' })), /body field customer\.id contains a NUL/],
      ['sign-in', raw('POST', '/api/auth/sign-in', { 'content-type': 'application/json' }, JSON.stringify({ email: 'a\ud83d@test.concierge', password: 'x' })), /body field email contains a lone/],
      ['console query', agent.get('/api/tickets?status=%00'), /query parameter status contains a NUL/],
      ['console body', agent.put('/api/agents/me/status', { status: 'online\u0000' }), /body field status contains a NUL/],
    ];
    for (const [label, pending, message] of cases) {
      const res = await pending;
      expect({ label, status: res.status, code: res.body?.error?.code }).toEqual({ label, status: 400, code: 'invalid_characters' });
      expect(res.body.error.message).toMatch(message);
    }
    expect(await snapshot()).toEqual(before);
    // A surrogate pair (an emoji) is a character like any other.
    expect((await customer.post({ type: 'typing', text: 'fine 😀' })).status).toBe(200);
  });

  it('JSON nested deeper than 64 levels is 400 json_too_deep (Direct Line took 50,000)', async () => {
    const before = await snapshot();
    const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
    const deep = await raw('POST', activities(), asCustomer(), `{"type":"event","name":"x","value":${nested(50_000)}}`);
    await expectRefused(deep, 400, 'json_too_deep', /deeper than 64/);
    await expectRefused(await raw('POST', '/api/customer-events', asShop(), `{"type":"view","customer":{"kind":"shop","id":"p"},"data":{"a":${nested(70)}}}`), 400, 'json_too_deep');
    await expectRefused(await raw('POST', '/api/webchat/session', { 'content-type': 'application/json' }, `{"token":${nested(65)}}`), 400, 'json_too_deep');
    expect(await snapshot()).toEqual(before);
    // Brackets inside strings are text, not nesting; 60 levels is allowed.
    expect((await customer.post({ type: 'typing', text: '['.repeat(500), value: JSON.parse(nested(60)) })).status).toBe(200);
  });

  it('dates in year 0000 or otherwise out of range are 400 (customer events, Direct Line activities)', async () => {
    const before = await snapshot();
    const event = (at: string, idempotencyKey: string) => raw('POST', '/api/customer-events', asShop(), JSON.stringify({ type: 'view', customer: { kind: 'shop', id: 'dated' }, idempotencyKey, at }));
    for (const [at, why] of [['0000-01-01T00:00:00Z', /out of range/], ['1969-12-31T23:59:59Z', /out of range/], ['9999-01-01T00:00:00Z', /out of range/], [new Date(Date.now() + 3 * 86_400_000).toISOString(), /out of range/]] as const) {
      const res = await event(at, `k-${at}`);
      await expectRefused(res, 400, 'invalid_event', why);
      expect(res.body.error.message).toMatch(/^at: /);
    }
    for (const localTimestamp of ['0000-01-01T00:00:00.000+00:00', '1900-01-01T00:00:00Z', 'not a date', '+275760-09-13T00:00:00Z']) {
      const res = await customer.post({ type: 'message', text: 'hello', localTimestamp });
      expect({ localTimestamp, status: res.status, code: res.body.error?.code }).toEqual({ localTimestamp, status: 400, code: 'invalid_activity' });
      expect(res.body.error.message).toMatch(/localTimestamp: timestamp/);
    }
    expect(await snapshot()).toEqual(before);
    // What Web Chat sends (local time with its offset) still passes; so does a shop event from yesterday.
    expect((await customer.post({ type: 'typing', localTimestamp: '2026-12-07T10:31:33.123+01:00' })).status).toBe(200);
    expect((await event(new Date(Date.now() - 86_400_000).toISOString(), 'yesterday')).status).toBe(201);
  });
});
