import pino from 'pino';
import { Redis } from 'ioredis';
import { ensureRedis, RedisUnavailableError } from '../../bot/redis';
import { tempDir } from '../support/apps';
import { freePort } from '../workers/fixtures/helpers';

const log = pino({ level: 'silent' });

describe('finding Redis at start', () => {
  it('uses a Redis that answers', async () => {
    expect(await ensureRedis({ url: 'redis://127.0.0.1:6379', defaulted: true, dataDir: tempDir('redis'), log })).toEqual({ url: 'redis://127.0.0.1:6379' });
  });

  it('launches redis-server from PATH with its data under DATA_DIR when none answers, and it keeps data', async () => {
    const dataDir = tempDir('redis');
    // A free port of this run's own: two test runs on one machine must not meet on one redis-server.
    const url = `redis://127.0.0.1:${await freePort()}`;
    const endpoint = await ensureRedis({ url, defaulted: true, dataDir, log });
    expect(endpoint.launched).toBeDefined();
    const client = new Redis(url);
    try {
      expect(await client.set('concierge:test', 'kept')).toBe('OK');
      expect(await client.config('GET', 'dir')).toEqual(['dir', `${dataDir}/redis`]);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    } finally {
      client.disconnect();
      const exited = new Promise((r) => endpoint.launched!.once('exit', r));
      endpoint.launched!.kill('SIGTERM');
      await exited;
    }
  });

  it('says in one line how to install Redis when there is none', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const attempt = ensureRedis({ url: 'redis://127.0.0.1:6392', defaulted: true, dataDir: tempDir('redis'), log });
      await expect(attempt).rejects.toBeInstanceOf(RedisUnavailableError);
      await expect(attempt).rejects.toThrow(/^Redis is needed .*apt-get install redis-server.*set REDIS_URL/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('does not launch anything for an explicit REDIS_URL that does not answer', async () => {
    await expect(ensureRedis({ url: 'redis://127.0.0.1:6393', defaulted: false, dataDir: tempDir('redis'), log })).rejects.toThrow(/REDIS_URL=redis:\/\/127.0.0.1:6393/);
  });
});
