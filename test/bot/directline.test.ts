import jwt from 'jsonwebtoken';
import { sql } from 'drizzle-orm';
import { DirectLineClient } from '../support/directLineClient';
import { startInProcessApp } from '../support/apps';
import type { Application } from '../../bot/application';
import { Redis } from 'ioredis';
import { hashClientAddress, RedisConversationOrigins } from '../../bot/conversationOrigins';
import { runRedisNames } from '../support/redisNames';

/** The website's Direct Line endpoint against the real PostgreSQL and Redis. */
describe('Direct Line endpoint', () => {
  let app: Application & { url: string };

  beforeAll(async () => {
    app = await startInProcessApp();
  });
  afterAll(async () => {
    await app.stop();
  });

  async function newClient(): Promise<DirectLineClient> {
    const client = new DirectLineClient(app.url);
    await client.session();
    await client.start();
    return client;
  }

  async function counts() {
    const res = await app.database.db.execute(
      sql`select (select count(*) from directline_activities)::int as activities, (select count(*) from messages)::int as messages, (select count(*) from directline_conversations)::int as conversations`,
    );
    return (res as unknown as { rows: Array<Record<string, number>> }).rows[0];
  }

  it('greets on join and answers over the WebSocket stream, echoing the customer message', async () => {
    const client = await newClient();
    await client.connect();
    const welcome = await client.waitFor((a) => a.from.role === 'bot');
    expect(welcome.text).toMatch(/Concierge/);
    const id = await client.say('hello there', { channelData: { clientActivityID: 'c-1' } });
    const echo = await client.waitFor((a) => a.id === id);
    expect(echo.from).toEqual({ id: client.userId, role: 'user' });
    expect((echo.channelData as { clientActivityID: string }).clientActivityID).toBe('c-1');
    const reply = await client.replyTo(id);
    expect(reply.text).toMatch(/How can I help/);
    client.close();
  });

  it('serves polling clients with watermarks', async () => {
    const client = await newClient();
    const first = await client.poll();
    expect(first.activities.map((a) => a.text)).toEqual([expect.stringMatching(/Concierge/)]);
    const id = await client.say('help');
    const next = await client.poll(first.watermark);
    expect(next.activities.map((a) => a.id)).toEqual([id, expect.any(String)]);
    expect(next.activities[1]).toMatchObject({ replyToId: id, text: 'What can I help you with?' });
    expect(Number(next.watermark)).toBeGreaterThan(Number(first.watermark));
    const nothingNew = await client.poll(next.watermark);
    expect(nothingNew).toEqual({ activities: [], watermark: next.watermark });
  });

  it('assigns the user id on the server, whatever the client claims', async () => {
    const client = await newClient();
    const id = await client.say('hi', { from: { id: 'someone-else', role: 'bot' } });
    const { activities } = await client.poll();
    expect(activities.find((a) => a.id === id)!.from).toEqual({ id: client.userId, role: 'user' });
  });

  it('stores a retried post (same clientActivityID) once and answers it once', async () => {
    const client = await newClient();
    const a = await client.say('thanks', { channelData: { clientActivityID: 'retry-1' } });
    const b = await client.say('thanks', { channelData: { clientActivityID: 'retry-1' } });
    expect(b).toBe(a);
    const { activities } = await client.poll();
    expect(activities.filter((x) => x.text === 'thanks')).toHaveLength(1);
    expect(activities.filter((x) => x.replyToId === a)).toHaveLength(1);
  });

  it('resumes a conversation from a stream watermark without repeating activities', async () => {
    const client = await newClient();
    const id = await client.say('hello');
    const { activities, watermark } = await client.poll();
    expect(activities.some((a) => a.replyToId === id)).toBe(true);
    await client.reconnect(watermark);
    await client.connect();
    const later = await client.say('thanks');
    await client.replyTo(later);
    expect(client.received.map((a) => a.id)).not.toContain(id);
    client.close();
  });

  it('refreshes tokens for the same conversation', async () => {
    const client = await newClient();
    const res = await client.request('POST', '/v3/directline/tokens/refresh');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; conversationId: string };
    expect(body.conversationId).toBe(client.conversationId);
    client.token = body.token;
    expect((await client.poll()).activities.length).toBeGreaterThan(0);
  });

  describe('bad input: a 4xx JSON error, nothing written, and the server keeps serving', () => {
    let client: DirectLineClient;
    let other: DirectLineClient;
    beforeAll(async () => {
      client = await newClient();
      other = await newClient();
    });

    const signWith = (key: string, claims: { conv: string; user: string; exp?: number }) =>
      jwt.sign({ exp: Math.floor(Date.now() / 1000) + 600, ...claims }, key, { algorithm: 'HS256', issuer: 'concierge-directline', audience: 'concierge-webchat' });

    const cases: Array<[string, () => Promise<Response>, number, string]> = [
      [
        'malformed JSON',
        () =>
          fetch(`${app.url}/v3/directline/conversations/${client.conversationId}/activities`, {
            method: 'POST',
            headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json' },
            body: '{"type":"message","text":',
          }),
        400,
        'malformed_json',
      ],
      ['a missing token', () => client.request('POST', `/v3/directline/conversations/${client.conversationId}/activities`, { type: 'message', text: 'x' }, ''), 401, 'missing_token'],
      [
        'an expired token',
        () =>
          client.request(
            'POST',
            `/v3/directline/conversations/${client.conversationId}/activities`,
            { type: 'message', text: 'x' },
            signWith('test-directline-secret-0123456789abcdef', { conv: client.conversationId, user: client.userId, exp: Math.floor(Date.now() / 1000) - 10 }),
          ),
        401,
        'token_expired',
      ],
      [
        'a forged token',
        () =>
          client.request(
            'POST',
            `/v3/directline/conversations/${client.conversationId}/activities`,
            { type: 'message', text: 'x' },
            signWith('not-the-server-key-0000000000000000000', { conv: client.conversationId, user: client.userId }),
          ),
        401,
        'invalid_token',
      ],
      ['a token for another conversation', () => other.request('POST', `/v3/directline/conversations/${client.conversationId}/activities`, { type: 'message', text: 'x' }), 403, 'wrong_conversation'],
      [
        'an unknown conversation',
        () =>
          client.request(
            'POST',
            '/v3/directline/conversations/no-such-conversation/activities',
            { type: 'message', text: 'x' },
            signWith('test-directline-secret-0123456789abcdef', { conv: 'no-such-conversation', user: client.userId }),
          ),
        404,
        'unknown_conversation',
      ],
      ['a body over the size limit', () => client.request('POST', `/v3/directline/conversations/${client.conversationId}/activities`, { type: 'message', text: 'x'.repeat(300 * 1024) }), 413, 'body_too_large'],
      ['an activity that is not an object', () => client.request('POST', `/v3/directline/conversations/${client.conversationId}/activities`, [1, 2]), 400, 'invalid_activity'],
      ['an unknown activity type', () => client.request('POST', `/v3/directline/conversations/${client.conversationId}/activities`, { type: 'conversationUpdate' }), 400, 'invalid_activity'],
      ['a bad watermark', () => client.request('GET', `/v3/directline/conversations/${client.conversationId}/activities?watermark=-1`), 400, 'invalid_watermark'],
      ['starting a conversation without a token', () => client.request('POST', '/v3/directline/conversations', undefined, ''), 401, 'missing_token'],
      ['generating a token without the secret', () => client.request('POST', '/v3/directline/tokens/generate', {}, 'wrong'), 401, 'invalid_secret'],
    ];

    it.each(cases)('%s', async (_name, send, status, code) => {
      const before = await counts();
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
      expect(await counts()).toEqual(before);
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    });

    it('refuses a stream with a bad token or for another conversation', async () => {
      const ws = new DirectLineClient(app.url);
      await expect(ws.connect(`${app.url.replace('http', 'ws')}/v3/directline/conversations/${client.conversationId}/stream?t=forged`)).rejects.toThrow(/401/);
      await expect(ws.connect(`${app.url.replace('http', 'ws')}/v3/directline/conversations/${client.conversationId}/stream?t=${other.token}`)).rejects.toThrow(/403/);
    });
  });

  it('reports health and readiness', async () => {
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${app.url}/readyz`)).json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
  });
  it('records which client address each website conversation is opened and resumed from (hashed), for the identity-proof limit', async () => {
    const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const origins = new RedisConversationOrigins(redis, { keyPrefix: runRedisNames().conversationOrigin });
      // The app trusts X-Forwarded-For from a proxy on loopback, as behind a real reverse proxy.
      const open = async (address: string, body: object = {}) => {
        const res = await fetch(`${app.url}/api/webchat/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': address }, body: JSON.stringify(body) });
        expect(res.status).toBe(200);
        return (await res.json()) as { conversationId: string; token: string; resumed: boolean };
      };
      const first = await open('203.0.113.9');
      expect(await origins.originOf(first.conversationId)).toBe(hashClientAddress('203.0.113.9'));
      expect(await redis.get(`${runRedisNames().conversationOrigin}${first.conversationId}`)).not.toContain('203.0.113.9');
      // Resumed from elsewhere (a phone that changed network): the latest address counts.
      const started = await fetch(`${app.url}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${first.token}` } });
      expect(started.status).toBeLessThan(300);
      const resumed = await open('198.51.100.4', { token: first.token });
      expect(resumed).toMatchObject({ conversationId: first.conversationId, resumed: true });
      expect(await origins.originOf(first.conversationId)).toBe(hashClientAddress('198.51.100.4'));
      expect(await redis.pttl(`${runRedisNames().conversationOrigin}${first.conversationId}`)).toBeGreaterThan(86_000_000);
    } finally {
      redis.disconnect();
    }
  });
});
