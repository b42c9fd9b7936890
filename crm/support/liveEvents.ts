import type { Redis } from 'ioredis';
import type { LiveEvent, LiveEventPublisher } from './types';

export type LiveEventListener = (event: LiveEvent) => void;

/**
 * Live events over Redis pub/sub: any process publishes (web instances, workers), every web instance
 * receives them all and forwards to the consoles connected to it.
 */
export class RedisLiveEvents implements LiveEventPublisher {
  private readonly listeners = new Set<LiveEventListener>();
  private subscribed?: Promise<unknown>;

  private failures = 0;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber?: Redis,
    private readonly channel = 'concierge:live',
  ) {}

  /**
   * Never fails the change it announces: PostgreSQL holds the change, and a console that missed the
   * push sees it on its next load or refresh.
   */
  async publish(event: LiveEvent): Promise<void> {
    try {
      await this.publisher.publish(this.channel, JSON.stringify(event));
    } catch {
      this.failures += 1;
    }
  }

  /** Pushes that could not be published (Redis unreachable) since the start. */
  get missedPublishes(): number {
    return this.failures;
  }

  /** Resolves once the subscription is active; the returned function unsubscribes the listener. */
  async subscribe(listener: LiveEventListener): Promise<() => void> {
    if (!this.subscriber) throw new Error('RedisLiveEvents: no subscriber connection');
    if (!this.subscribed) {
      this.subscriber.on('message', (channel: string, payload: string) => {
        if (channel !== this.channel) return;
        let event: LiveEvent;
        try {
          event = JSON.parse(payload) as LiveEvent;
        } catch {
          return;
        }
        for (const l of this.listeners) l(event);
      });
      this.subscribed = this.subscriber.subscribe(this.channel);
    }
    await this.subscribed;
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
