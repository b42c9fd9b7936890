import type { Redis } from 'ioredis';
import type { StoredActivity } from '../../crm';

export interface ActivityBatch {
  conversationId: string;
  activities: StoredActivity[];
  watermark: number;
}

type Listener = (batch: ActivityBatch) => void;

/**
 * Fans new transcript activities out to every instance over Redis pub/sub, so a browser streaming
 * from instance B sees what instance A stored. One Redis subscription per conversation with local listeners.
 */
export class TranscriptBus {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly prefix: string;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    options: { channelPrefix?: string } = {},
  ) {
    this.prefix = options.channelPrefix ?? 'concierge:dl:';
    this.subscriber.on('message', (channel: string, payload: string) => {
      if (!channel.startsWith(this.prefix)) return;
      const set = this.listeners.get(channel.slice(this.prefix.length));
      if (!set) return;
      let batch: ActivityBatch;
      try {
        batch = JSON.parse(payload) as ActivityBatch;
      } catch {
        return;
      }
      for (const l of set) l(batch);
    });
  }

  /**
   * Never fails the turn: the activities are stored already, and streams read the transcript while
   * their subscription is down (DirectLineStream), so a lost push only delays them.
   */
  async publish(batch: ActivityBatch): Promise<void> {
    await this.publisher.publish(this.prefix + batch.conversationId, JSON.stringify(batch)).catch(() => undefined);
  }

  /** Whether pushes arrive now (the subscription connection is up). */
  get live(): boolean {
    return this.subscriber.status === 'ready';
  }

  /** Resolves once the Redis subscription is active; the returned function unsubscribes. */
  async subscribe(conversationId: string, listener: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(conversationId);
    if (!set) {
      set = new Set();
      this.listeners.set(conversationId, set);
    }
    set.add(listener);
    // Subscribe every time: it is idempotent, and waiting on it guarantees delivery from now on.
    await this.subscriber.subscribe(this.prefix + conversationId);
    return async () => {
      const current = this.listeners.get(conversationId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(conversationId);
        await this.subscriber.unsubscribe(this.prefix + conversationId).catch(() => undefined);
      }
    };
  }
}
