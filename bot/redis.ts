import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { customerRedisKeyPrefixes } from '../crm/privacy/redisPurge';
import { redisTlsOptions } from '../workers/queues';

export class RedisUnavailableError extends Error {}

export interface RedisEndpoint {
  url: string;
  /** PEM of the CA for a rediss:// URL (config REDIS_TLS_CA_FILE). */
  tlsCa?: string;
  /** The redis-server this process launched (stopped on shutdown), if any. */
  launched?: ChildProcess;
}

async function answers(url: string, tlsCa?: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500, ...redisTlsOptions(url, tlsCa) });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * Finds Redis: the configured URL; or, when none is configured and nothing answers on the default
 * address, a redis-server from PATH launched with its data under DATA_DIR/redis.
 */
export async function ensureRedis(options: { url: string; defaulted: boolean; dataDir: string; log: Logger; tlsCa?: string }): Promise<RedisEndpoint> {
  if (await answers(options.url, options.tlsCa)) return { url: options.url, ...(options.tlsCa ? { tlsCa: options.tlsCa } : {}) };
  if (!options.defaulted) throw new RedisUnavailableError(redisUnreachableAdvice(options.url));
  const binary = findOnPath('redis-server');
  if (!binary) {
    throw new RedisUnavailableError(
      'Redis is needed and none answers at redis://127.0.0.1:6379: install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a running Redis.',
    );
  }
  const dir = path.join(options.dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const url = new URL(options.url);
  const child = spawn(
    binary,
    ['--bind', url.hostname, '--port', url.port || '6379', '--dir', dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  options.log.info({ dir }, 'launched redis-server');
  for (let i = 0; i < 50; i++) {
    if (await answers(options.url)) return { url: options.url, launched: child };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new RedisUnavailableError(`redis-server (${binary}) did not start on ${options.url}.`);
}

/** What to do when the configured Redis does not answer: start one there, point REDIS_URL elsewhere, or let Concierge launch its own. */
export function redisUnreachableAdvice(url: string): string {
  let host = '127.0.0.1';
  let port = '6379';
  try {
    const u = new URL(url);
    host = u.hostname || host;
    port = u.port || port;
  } catch {
    // the config only lets redis:// URLs through; keep the defaults for the hint
  }
  const local = host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
  return [
    `Redis does not answer at REDIS_URL=${url}. Concierge needs Redis for its queues and live events. Either:`,
    ...(local
      ? [`  - start a local Redis there: redis-server --daemonize yes --bind ${host === 'localhost' ? '127.0.0.1' : host.replace(/^\[|\]$/g, '')} --port ${port} --save "" --appendonly no`, '    (install it first if needed: Debian/Ubuntu sudo apt-get install redis-server; macOS brew install redis)']
      : [`  - start the Redis at ${host}:${port}, or check the address, password and firewall`]),
    '  - or set REDIS_URL to a Redis that answers (redis://host:port/db)',
    '  - or leave REDIS_URL unset: with redis-server on PATH, Concierge launches its own with its data under DATA_DIR/redis.',
  ].join('\n');
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The Redis names of one instance, all under its REDIS_PREFIX: bullmq's queue prefix (in braces, so a
 * queue's keys share a Redis Cluster slot), the keys the product writes and its pub/sub channels.
 */
export function redisNamespace(prefix: string) {
  return {
    queuePrefix: `{${prefix}}`,
    signInFailures: `${prefix}:signin-failures:`,
    // Keys of a customer's conversations: crm/privacy names them, so an erasure finds them.
    ...customerRedisKeyPrefixes(prefix),
    identityProofOrigin: `${prefix}:identity-proof-origin:`,
    directLineChannel: `${prefix}:dl:`,
    liveChannel: `${prefix}:live`,
    recommendationModelChannel: `${prefix}:recommendations:activated`,
    intentModelChannel: `${prefix}:intent-model:activated`,
  };
}
export type RedisNamespace = ReturnType<typeof redisNamespace>;

/**
 * A client for commands and publishing; bullmq needs maxRetriesPerRequest null on its connections.
 * A rediss:// endpoint connects over TLS, its certificate verified (against its CA when given).
 */
export function redisClient(endpoint: string | Pick<RedisEndpoint, 'url' | 'tlsCa'>, extra: RedisOptions = {}): Redis {
  const { url, tlsCa } = typeof endpoint === 'string' ? { url: endpoint, tlsCa: undefined } : endpoint;
  const client = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...redisTlsOptions(url, tlsCa), ...extra });
  client.on('error', () => undefined);
  return client;
}

/**
 * The web process's command and publish client: Redis is never on a turn's critical path, so a
 * command fails at once while Redis is unreachable (no offline queue) and after a second when it
 * does not answer, and the caller degrades (live pushes skipped, the in-memory limits decide).
 * Resolves once connected, as commands issued before that would fail.
 */
export async function failFastRedisClient(endpoint: Pick<RedisEndpoint, 'url' | 'tlsCa'>): Promise<Redis> {
  const client = redisClient(endpoint, { lazyConnect: true, enableOfflineQueue: false, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1 });
  await client.connect();
  return client;
}

export const REDIS_COMMAND_TIMEOUT_MS = 1_000;

/** QUIT when connected, else just drop the connection (QUIT would fail without an offline queue). */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}
