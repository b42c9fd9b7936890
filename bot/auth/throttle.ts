/**
 * Slows password guessing: after `max` failed sign-ins for one key within `windowMs`, further
 * attempts get 429 until the window passes. The Redis throttle shares the count between every web
 * instance (a guesser spread over instances behind a load balancer is still counted once); the
 * memory throttle is for a single process and is the Redis one's fallback. SignInLimits applies two
 * of them to a sign-in: per address and account, and per account over every address.
 */
import { createHmac } from 'node:crypto';
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

export interface SignInAttempt {
  /** The client address (req.ip: the trusted proxy's X-Forwarded-For when there is one). */
  address: string;
  email: string;
}

/**
 * The throttle keys of an attempt, as HMAC-SHA256 so Redis key names hold no email or address (and,
 * the key being secret, cannot be reversed by hashing a list of likely emails). Pure.
 */
export function signInThrottleKeys(attempt: SignInAttempt, hashKey: string | Buffer): { perAddress: string; perAccount: string } {
  const email = attempt.email.trim().toLowerCase();
  const mac = (text: string) => createHmac('sha256', hashKey).update(text).digest('base64url');
  return { perAddress: mac(`address-account\n${attempt.address}\n${email}`), perAccount: mac(`account\n${email}`) };
}

export interface SignInLimitsOptions {
  /** Failures for one account from one address (default 10 per 15 minutes). */
  perAddress: SignInThrottle;
  /**
   * Failures for one account from all addresses together: a guesser with many addresses is limited
   * too. Higher than the per-address limit, as reaching it locks the account's owner out as well
   * until the window passes.
   */
  perAccount: SignInThrottle;
  /** The HMAC key of the throttle keys; every web instance must use the same one. */
  hashKey: string | Buffer;
}

/** Both limits on a sign-in attempt. */
export class SignInLimits {
  constructor(private readonly o: SignInLimitsOptions) {}

  async check(attempt: SignInAttempt): Promise<void> {
    const keys = signInThrottleKeys(attempt, this.o.hashKey);
    await this.o.perAddress.check(keys.perAddress);
    await this.o.perAccount.check(keys.perAccount);
  }

  async fail(attempt: SignInAttempt): Promise<void> {
    const keys = signInThrottleKeys(attempt, this.o.hashKey);
    await Promise.all([this.o.perAddress.fail(keys.perAddress), this.o.perAccount.fail(keys.perAccount)]);
  }

  /**
   * Clears the address's count only: the account's count runs out with its window, or a guesser
   * could let the owner's next sign-in reset the limit on guesses spread over many addresses.
   */
  async succeed(attempt: SignInAttempt): Promise<void> {
    await this.o.perAddress.succeed(signInThrottleKeys(attempt, this.o.hashKey).perAddress);
  }
}

/** In one process (tests, tools): memory throttles with the defaults. */
export function memorySignInLimits(hashKey: string | Buffer, options: { perAddress?: SignInThrottleOptions; perAccount?: SignInThrottleOptions } = {}): SignInLimits {
  return new SignInLimits({
    perAddress: new MemorySignInThrottle(options.perAddress),
    perAccount: new MemorySignInThrottle({ max: DEFAULT_ACCOUNT_MAX, ...options.perAccount }),
    hashKey,
  });
}

/** Failures per account over all addresses within the window (15 minutes) before 429. */
export const DEFAULT_ACCOUNT_MAX = 50;
