/**
 * The Redis side of an erasure: the keys written for the customer's conversations (the hashed origin,
 * identity proof attempt counters) and their queued bullmq jobs (CSAT surveys, reminders, closes, SLA
 * timers, deliveries to them). A job being worked on cannot be removed; it finds its ticket anonymised.
 */
import type { Redis } from 'ioredis';
import type { Job, Queue } from 'bullmq';
import type { CustomerRedisPurger, RedisPurgeTarget } from './erasure';

export interface RedisKeyPrefixes {
  conversationOrigin: string;
  identityProof: string;
  identityProofSubject: string;
}

/** The Redis key prefixes that hold a customer's conversations' data, under an instance's REDIS_PREFIX (bot/redis.ts uses these). */
export function customerRedisKeyPrefixes(prefix: string): RedisKeyPrefixes {
  return {
    identityProof: `${prefix}:identity-proof:`,
    identityProofSubject: `${prefix}:identity-proof-subject:`,
    conversationOrigin: `${prefix}:conversation-origin:`,
  };
}

const QUEUED_STATES = ['delayed', 'waiting', 'prioritized', 'paused', 'waiting-children', 'failed'] as const;

/** Does the job's payload name one of the customer's tickets or conversations (pure)? */
export function jobConcerns(data: unknown, target: RedisPurgeTarget): boolean {
  const d = (data ?? {}) as { ticketId?: unknown; channel?: unknown; conversationId?: unknown };
  if (typeof d.ticketId === 'string' && target.ticketIds.includes(d.ticketId)) return true;
  return typeof d.conversationId === 'string' && target.conversations.some((c) => c.conversationId === d.conversationId && (d.channel === undefined || d.channel === c.channel));
}

export class RedisCustomerPurge implements CustomerRedisPurger {
  constructor(private readonly o: { redis: Redis; keys: RedisKeyPrefixes; queues: ReadonlyArray<Pick<Queue, 'getJobs'>> }) {}

  async purge(target: RedisPurgeTarget): Promise<{ keys: number; jobs: number }> {
    const keys = [
      ...target.conversations.map((c) => `${this.o.keys.conversationOrigin}${c.conversationId}`),
      ...target.conversations.map((c) => `${this.o.keys.identityProof}${c.channel}:${c.conversationId}`),
      ...target.emails.map((e) => `${this.o.keys.identityProofSubject}email:${e.trim().toLowerCase()}`),
    ];
    const removedKeys = keys.length ? await this.o.redis.del(...keys) : 0;
    let jobs = 0;
    if (target.ticketIds.length || target.conversations.length) {
      for (const queue of this.o.queues) {
        const queued = (await queue.getJobs([...QUEUED_STATES])) as Array<Job | undefined>;
        for (const job of queued) {
          if (!job || !jobConcerns(job.data, target)) continue;
          try {
            await job.remove();
            jobs++;
          } catch {
            // Taken by a worker meanwhile (locked): it runs against the anonymised rows and finds nothing to send.
          }
        }
      }
    }
    return { keys: removedKeys, jobs };
  }
}
