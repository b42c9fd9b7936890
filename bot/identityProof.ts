import type { TurnContext } from 'botbuilder';
import type { Redis } from 'ioredis';
import type { CustomerDirectory, CustomerRecord } from '../crm';
import type { IdentityLinker } from '../crm/identity';
import type { IdentityProof, IdentityProofOutcome, IdentityProofPort } from '../dialogs';
import type { ConversationOrigins } from './conversationOrigins';
import { CUSTOMER_KEY } from './timelineMiddleware';

/** Attempts per key within a window, counted where every instance sees them. */
export interface AttemptLimiter {
  /** Counts one attempt; false when the key already used up its attempts in the current window. */
  tryAcquire(key: string): Promise<boolean>;
}

/**
 * A fixed window per key in Redis, opened by the key's first attempt: INCR and PEXPIRE NX in one
 * MULTI, so concurrent attempts on several instances are all counted and the window never extends.
 */
export class RedisAttemptLimiter implements AttemptLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly o: { max: number; windowMs: number; keyPrefix?: string },
  ) {}

  async tryAcquire(key: string): Promise<boolean> {
    const k = `${this.o.keyPrefix ?? 'concierge:identity-proof:'}${key}`;
    const replies = await this.redis.multi().incr(k).pexpire(k, this.o.windowMs, 'NX').exec();
    const [err, count] = replies?.[0] ?? [new Error('no reply from Redis'), 0];
    if (err) throw err;
    return Number(count) <= this.o.max;
  }
}

export interface ChatIdentityProofOptions {
  linker: Pick<IdentityLinker, 'linkByOrderProof'>;
  customers: Pick<CustomerDirectory, 'get'>;
  /** IDENTITY_PROOF_MAX_ATTEMPTS per conversation per hour (RedisAttemptLimiter). */
  limiter: AttemptLimiter;
  /**
   * Attempts per email and per order number, whatever the conversation: opening new conversations
   * must not reset the count of guesses at one customer's email or order.
   */
  subjectLimiter?: AttemptLimiter;
  /**
   * Attempts per client address (the hashed origin the website conversation was opened from), whatever
   * the conversation: guessing pairs of email and order from many fresh conversations is bounded too.
   * Conversations without a known origin (Teams, expired) are limited by the other two only.
   */
  origin?: { origins: ConversationOrigins; limiter: AttemptLimiter };
  onError?: (err: unknown) => void;
}

/**
 * The identity-proof port: rate-limited per conversation, per client address and per email and order number, then crm/identity's order proof. On a match
 * the chat's customer (the anonymous web visitor) is merged into the order's owner, so every identity,
 * message and ticket of this chat now belongs to them; the turn continues as that customer.
 */
export class ChatIdentityProof implements IdentityProofPort {
  constructor(private readonly o: ChatIdentityProofOptions) {}

  async prove(context: TurnContext, proof: IdentityProof): Promise<IdentityProofOutcome> {
    const customer = context.turnState.get(CUSTOMER_KEY) as CustomerRecord | undefined;
    const conversationId = context.activity.conversation?.id;
    if (!customer || !conversationId) return { status: 'unavailable' };
    try {
      // Counted before checking, match or not: the limit is on guesses.
      if (!(await this.o.limiter.tryAcquire(`${context.activity.channelId}:${conversationId}`))) return { status: 'rate_limited' };
      if (this.o.origin) {
        const origin = await this.o.origin.origins.originOf(conversationId);
        if (origin && !(await this.o.origin.limiter.tryAcquire(`origin:${origin}`))) return { status: 'rate_limited' };
      }
      if (this.o.subjectLimiter) {
        const subjects = [`email:${proof.email.trim().toLowerCase()}`, ...new Set(proof.orderNumbers.map((n) => `order:${n.trim().toUpperCase()}`))];
        const allowed = await Promise.all(subjects.map((k) => this.o.subjectLimiter!.tryAcquire(k)));
        if (allowed.includes(false)) return { status: 'rate_limited' };
      }
      for (const orderNumber of proof.orderNumbers) {
        const result = await this.o.linker.linkByOrderProof({ customerId: customer.id, email: proof.email, orderNumber });
        if (!result.linked && result.reason === 'order_not_found') continue; // another spelling of the number may exist
        if (!result.linked) return { status: 'mismatch' };
        const owner = (await this.o.customers.get(result.customerId)) ?? { ...customer, id: result.customerId };
        // The rest of this turn (replies stored in the timeline) belongs to the proven customer.
        context.turnState.set(CUSTOMER_KEY, owner);
        return { status: 'linked', customerId: owner.id, displayName: owner.displayName, alreadyLinked: result.alreadyLinked };
      }
      return { status: 'mismatch' };
    } catch (err) {
      this.o.onError?.(err);
      return { status: 'unavailable' };
    }
  }
}
