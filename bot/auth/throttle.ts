/**
 * Slows password guessing: after `max` failed sign-ins for one key (address + email) within
 * `windowMs`, further attempts get 429 until the window passes. The Redis throttle shares the count
 * between every web instance (a guesser spread over instances behind a load balancer is still
 * counted once); the memory throttle is for a single process and is the Redis one's fallback.
 */
import type { Redis } from 'ioredis';
import { HttpError } from '../errors';

export interface SignInThrottle {
  /** Throws 429 when the key is over its limit. */
  check(key: string): Promise<void>;
  fail(key: string): Promise<void>;
  succeed(key: string): Promise<void>;
}

export interface SignInThrottleOptions {
  /** Failures allowed within the window (default 10). */
  max?: number;
  /** Default 15 minutes. */
  windowMs?: number;
}

function tooMany(retryMs: number): HttpError {
  return new HttpError(429, 'too_many_attempts', `too many failed sign-ins; try again in ${Math.max(1, Math.ceil(retryMs / 60_000))} min`);
}

export class MemorySignInThrottle implements SignInThrottle {
  readonly max: number;
  readonly windowMs: number;
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    options: SignInThrottleOptions = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.max = options.max ?? 10;
    this.windowMs = options.windowMs ?? 15 * 60 * 1000;
  }

  private entry(key: string, now: number) {
    const e = this.failures.get(key);
    if (e && now - e.since > this.windowMs) {
      this.failures.delete(key);
      return undefined;
    }
    return e;
  }

  async check(key: string): Promise<void> {
    const now = this.clock();
    const e = this.entry(key, now);
    if (e && e.count >= this.max) throw tooMany(e.since + this.windowMs - now);
  }

  async fail(key: string): Promise<void> {
    const now = this.clock();
    const e = this.entry(key, now);
    if (e) e.count += 1;
    else this.failures.set(key, { count: 1, since: now });
    // Bounded: the oldest key goes first.
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  async succeed(key: string): Promise<void> {
    this.failures.delete(key);
  }
}

/**
 * A fixed window per key in Redis: INCR, and the expiry set by the first failure only (PEXPIRE NX),
 * so the window runs from the first failure as the memory throttle's does. If Redis cannot be
 * reached the process's own memory throttle decides, so sign-in keeps working and guessing stays slow.
 */
export class RedisSignInThrottle implements SignInThrottle {
  private readonly fallback: MemorySignInThrottle;
  private readonly max: number;
  private readonly windowMs: number;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: SignInThrottleOptions & { keyPrefix?: string } = {},
  ) {
    this.fallback = new MemorySignInThrottle(options);
    this.max = this.fallback.max;
    this.windowMs = this.fallback.windowMs;
    this.prefix = options.keyPrefix ?? 'concierge:signin-failures:';
  }

  async check(key: string): Promise<void> {
    let count: number;
    let ttl: number;
    try {
      const [[, c], [, t]] = (await this.redis.multi().get(this.prefix + key).pttl(this.prefix + key).exec()) as [[unknown, string | null], [unknown, number]];
      count = Number(c ?? 0);
      ttl = t;
    } catch {
      return this.fallback.check(key);
    }
    if (count >= this.max) throw tooMany(ttl > 0 ? ttl : this.windowMs);
  }

  async fail(key: string): Promise<void> {
    await this.fallback.fail(key);
    try {
      await this.redis.multi().incr(this.prefix + key).pexpire(this.prefix + key, this.windowMs, 'NX').exec();
    } catch {
      // Counted in memory already.
    }
  }

  async succeed(key: string): Promise<void> {
    await this.fallback.succeed(key);
    await this.redis.del(this.prefix + key).catch(() => undefined);
  }
}
