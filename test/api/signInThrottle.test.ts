import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startInProcessApp } from '../support/apps';
import type { Application } from '../../bot/application';
import { MemorySignInThrottle, RedisSignInThrottle } from '../../bot/auth';
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
