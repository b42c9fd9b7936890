/**
 * "A new model version is active": the training job publishes it on Redis, every web process that
 * serves recommendations reloads. A missed message is caught by the service's poll on the active id.
 */
import type { Redis } from 'ioredis';

export const MODEL_ACTIVATED_CHANNEL = 'concierge:recommendations:activated';

export interface ModelActivationNotifier {
  modelActivated(versionId: string): Promise<void>;
}

export class RedisModelActivations implements ModelActivationNotifier {
  private subscribed?: Promise<unknown>;
  private readonly listeners = new Set<(versionId: string) => void>();

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber?: Redis,
    private readonly channel = MODEL_ACTIVATED_CHANNEL,
  ) {}

  async modelActivated(versionId: string): Promise<void> {
    await this.publisher.publish(this.channel, versionId);
  }

  /** Resolves once subscribed; the returned function removes the listener. */
  async subscribe(listener: (versionId: string) => void): Promise<() => void> {
    if (!this.subscriber) throw new Error('RedisModelActivations: no subscriber connection');
    if (!this.subscribed) {
      this.subscriber.on('message', (channel: string, versionId: string) => {
        if (channel !== this.channel) return;
        for (const l of this.listeners) l(versionId);
      });
      this.subscribed = this.subscriber.subscribe(this.channel);
    }
    await this.subscribed;
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
