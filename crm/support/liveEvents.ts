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

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber?: Redis,
    private readonly channel = 'concierge:live',
  ) {}

  async publish(event: LiveEvent): Promise<void> {
    await this.publisher.publish(this.channel, JSON.stringify(event));
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
