import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Where a website conversation was opened from, so per-conversation limits cannot be escaped by
 * opening new conversations from the same client. Only a hash of the address is kept (an IP address
 * is personal data; the limit needs equality, not the address), in Redis with a TTL.
 */
export interface ConversationOrigins {
  /** Records (or refreshes) the client address a conversation was opened or resumed from. */
  remember(conversationId: string, clientAddress: string): Promise<void>;
  /** The hashed origin of a conversation, or null when unknown (Teams, server-issued tokens, expired). */
  originOf(conversationId: string): Promise<string | null>;
}

export interface RedisConversationOriginsOptions {
  /** How long an origin is remembered after the conversation was last opened or resumed (default 24 h). */
  ttlMs?: number;
  keyPrefix?: string;
}

export function hashClientAddress(address: string): string {
  return createHash('sha256').update(`concierge-origin\u0000${address}`).digest('hex').slice(0, 32);
}

export class RedisConversationOrigins implements ConversationOrigins {
  private readonly ttlMs: number;
  private readonly prefix: string;

  constructor(private readonly redis: Redis, o: RedisConversationOriginsOptions = {}) {
    this.ttlMs = o.ttlMs ?? 86_400_000;
    this.prefix = o.keyPrefix ?? 'concierge:conversation-origin:';
  }

  // Best effort: while Redis is away a conversation opens without its origin, and its proofs are
  // limited per conversation and per email and order only.
  async remember(conversationId: string, clientAddress: string): Promise<void> {
    await this.redis.set(`${this.prefix}${conversationId}`, hashClientAddress(clientAddress), 'PX', this.ttlMs).catch(() => undefined);
  }

  async originOf(conversationId: string): Promise<string | null> {
    return this.redis.get(`${this.prefix}${conversationId}`).catch(() => null);
  }
}
