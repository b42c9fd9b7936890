import { redisNamespace } from '../../bot/redis';

/** This run's Redis names (REDIS_PREFIX of test/support/globalSetup.ts): what the apps the tests start use. */
export function runRedisNames() {
  return redisNamespace(process.env.REDIS_PREFIX ?? 'concierge');
}

/** bullmq's prefix for this run's queues. */
export function runQueuePrefix(): string {
  return runRedisNames().queuePrefix;
}
