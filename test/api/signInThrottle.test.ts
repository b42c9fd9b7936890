import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startInProcessApp } from '../support/apps';
import type { Application } from '../../bot/application';
import { DEFAULT_ACCOUNT_MAX, MemorySignInThrottle, memorySignInLimits, RedisSignInThrottle, signInThrottleKeys } from '../../bot/auth';
import { ConsoleClient, makeUser, PASSWORD } from './consoleClient';

/** The sign-in throttle is shared by every web instance through Redis, and survives Redis going away. */
describe('sign-in throttle', () => {
  let a: Application & { url: string };
  let b: Application & { url: string };

  beforeAll(async () => {
    a = await startInProcessApp();
    b = await startInProcessApp();
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('counts failures made on two instances together', async () => {
    const agent = await makeUser(a, 'agent', ['billing']);
    const onA = new ConsoleClient(a.url);
    const onB = new ConsoleClient(b.url);
    for (let i = 0; i < 5; i++) {
      expect((await onA.post('/api/auth/sign-in', { email: agent.email, password: `guess a${i}` })).status).toBe(401);
      expect((await onB.post('/api/auth/sign-in', { email: agent.email, password: `guess b${i}` })).status).toBe(401);
    }
    // Ten failures in all, five per instance: each instance alone would still let the next one through.
    for (const client of [onA, onB]) {
      const blocked = await client.post('/api/auth/sign-in', { email: agent.email, password: PASSWORD });
      expect(blocked.status).toBe(429);
      expect(blocked.body.error.code).toBe('too_many_attempts');
    }
  });

  it('limits guesses at one account spread over many addresses, across instances', async () => {
    const agent = await makeUser(a, 'agent', ['billing']);
    const clients = [new ConsoleClient(a.url), new ConsoleClient(b.url)];
    // Each guess from its own address (the app trusts X-Forwarded-For from its loopback proxy), so the
    // per-address limit (10) is never reached: only the per-account one counts them.
    for (let i = 0; i < DEFAULT_ACCOUNT_MAX; i++) {
      const res = await clients[i % 2].request('POST', '/api/auth/sign-in', { email: agent.email, password: `guess ${i}` }, { 'x-forwarded-for': `198.51.100.${i + 1}` });
      expect({ i, status: res.status }).toEqual({ i, status: 401 });
    }
    const fresh = await clients[0].request('POST', '/api/auth/sign-in', { email: agent.email.toUpperCase(), password: PASSWORD }, { 'x-forwarded-for': '203.0.113.7' });
    expect(fresh.status).toBe(429);
    expect(fresh.body.error.code).toBe('too_many_attempts');
    // Another account from those addresses is not affected.
    const other = await makeUser(a, 'agent', ['billing']);
    expect((await clients[1].request('POST', '/api/auth/sign-in', { email: other.email, password: PASSWORD }, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
  });

  it('keeps no email or address in Redis key names: the keys are HMACs', async () => {
    const agent = await makeUser(a, 'agent', ['billing']);
    const address = '192.0.2.77';
    for (let i = 0; i < 3; i++) {
      const res = await new ConsoleClient(a.url).request('POST', '/api/auth/sign-in', { email: agent.email, password: `guess ${i}` }, { 'x-forwarded-for': address });
      expect(res.status).toBe(401);
    }
    const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const keys: string[] = [];
      for await (const batch of redis.scanStream({ count: 1000 })) keys.push(...(batch as string[]));
      const throttleKeys = keys.filter((k) => k.includes('signin-failures'));
      // Found: the scan reads where the throttle writes (one per-address and one per-account key at least).
      expect(throttleKeys.some((k) => k.includes('signin-failures:address:'))).toBe(true);
      expect(throttleKeys.some((k) => k.includes('signin-failures:account:'))).toBe(true);
      const email = agent.email.toLowerCase();
      expect(keys.filter((k) => k.toLowerCase().includes(email) || k.includes(address) || k.includes(email.split('@')[0]))).toEqual([]);
      // The keys this attempt counted under hold its three failures.
      const counted = await Promise.all(throttleKeys.map(async (k) => Number(await redis.get(k))));
      expect(counted.filter((n) => n === 3).length).toBeGreaterThanOrEqual(2);
    } finally {
      redis.disconnect();
    }
  });

  it('throttle keys: the same for the same attempt (any case of the email), different per key, never the email', () => {
    const key = 'k'.repeat(32);
    const one = signInThrottleKeys({ address: '10.0.0.1', email: ' Ann@Example.com ' }, key);
    expect(signInThrottleKeys({ address: '10.0.0.1', email: 'ann@example.com' }, key)).toEqual(one);
    expect(signInThrottleKeys({ address: '10.0.0.2', email: 'ann@example.com' }, key).perAccount).toBe(one.perAccount);
    expect(signInThrottleKeys({ address: '10.0.0.2', email: 'ann@example.com' }, key).perAddress).not.toBe(one.perAddress);
    expect(signInThrottleKeys({ address: '10.0.0.1', email: 'ann@example.com' }, 'another key').perAccount).not.toBe(one.perAccount);
    expect(JSON.stringify(one)).not.toMatch(/ann|example|10\.0/i);
  });

  it('memory limits: a success clears the address count, not the account count', async () => {
    const limits = memorySignInLimits('key', { perAddress: { max: 2 }, perAccount: { max: 3 } });
    const from = (address: string) => ({ address, email: 'ann@example.com' });
    await limits.fail(from('a'));
    await limits.fail(from('a'));
    await expect(limits.check(from('a'))).rejects.toMatchObject({ status: 429 });
    await limits.succeed(from('a'));
    await expect(limits.check(from('a'))).resolves.toBeUndefined();
    await limits.fail(from('b'));
    await expect(limits.check(from('c'))).rejects.toMatchObject({ status: 429 });
  });

  it('keeps the window from the first failure and clears it on success', async () => {
    const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const prefix = `test:signin:${randomBytes(4).toString('hex')}:`;
      const throttle = new RedisSignInThrottle(redis, { max: 2, windowMs: 60_000, keyPrefix: prefix });
      await throttle.fail('k');
      await throttle.fail('k');
      await expect(throttle.check('k')).rejects.toMatchObject({ status: 429 });
      const ttl = await redis.pttl(`${prefix}k`);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await throttle.succeed('k');
      await expect(throttle.check('k')).resolves.toBeUndefined();
      expect(await redis.exists(`${prefix}k`)).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('falls back to the process memory when Redis cannot be reached', async () => {
    // Nothing listens on port 1: every command fails at once.
    const dead = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => undefined);
    try {
      const throttle = new RedisSignInThrottle(dead, { max: 3 });
      for (let i = 0; i < 3; i++) await throttle.fail('k');
      await expect(throttle.check('k')).rejects.toMatchObject({ status: 429 });
      await expect(throttle.check('other')).resolves.toBeUndefined();
    } finally {
      dead.disconnect();
    }
  });

  it('memory throttle: the window passes', async () => {
    let now = 1_000_000;
    const throttle = new MemorySignInThrottle({ max: 1, windowMs: 1000 }, () => now);
    await throttle.fail('k');
    await expect(throttle.check('k')).rejects.toMatchObject({ status: 429 });
    now += 1001;
    await expect(throttle.check('k')).resolves.toBeUndefined();
  });
});
