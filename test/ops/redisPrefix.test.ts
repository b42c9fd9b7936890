import { Redis } from 'ioredis';
import { startInProcessApp } from '../support/apps';
import { createScratchDatabase } from '../support/database';
import { openTicket } from '../workers/fixtures/helpers';
import { redisNamespace } from '../../bot/redis';

/**
 * Two installs on ONE Redis database, told apart by REDIS_PREFIX: each instance's queues, keys and
 * channels are under its own prefix, so neither takes the other's jobs (an instance that took the
 * other's follow-up found no such ticket in its own database and dropped the survey as `no_ticket`).
 */
describe('REDIS_PREFIX', () => {
  it('keeps two instances on one Redis database apart: jobs and keys', async () => {
    const run = process.env.REDIS_PREFIX ?? 'concierge';
    const prefixA = `${run}.a`;
    const prefixB = `${run}.b`;
    const otherDatabase = await createScratchDatabase(process.env.TEST_RUN_ID!, { template: process.env.TEST_TEMPLATE_DATABASE });
    const a = await startInProcessApp({ REDIS_PREFIX: prefixA, CSAT_SURVEY_DELAY_SECONDS: '0' }, 'all');
    const b = await startInProcessApp({ REDIS_PREFIX: prefixB, DATABASE_URL: otherDatabase.url }, 'all');
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    try {
      const ticket = await openTicket(a);
      await a.workers!.relay.drained();
      const jobId = `sla/first_response/${ticket.id}`;
      expect((await a.workers!.queues.slaTimers.getJob(jobId))?.data).toEqual({ ticketId: ticket.id, kind: 'first_response' });
      expect(await b.workers!.queues.slaTimers.getJob(jobId)).toBeUndefined();
      expect(a.workers!.queues.slaTimers.opts.prefix).toBe(`{${prefixA}}`);

      // A failed sign-in counts under A's prefix.
      expect((await fetch(`${a.url}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong password' }) })).status).toBe(401);

      // Every key naming A's ticket, and every key A wrote, is under A's prefix; none under the default.
      const keysOf = async (pattern: string) => {
        const found: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          found.push(...batch);
        } while (cursor !== '0');
        return found;
      };
      const ticketKeys = await keysOf(`*${ticket.id}*`);
      expect(ticketKeys.length).toBeGreaterThan(0);
      expect(ticketKeys.every((k) => k.startsWith(`{${prefixA}}:`))).toBe(true);
      // The failed sign-in counted per address and per account.
      expect((await keysOf(`${prefixA}:signin-failures:*`)).map((k) => k.split(':').at(-2)).sort()).toEqual(['account', 'address']);
      const aKeys = await keysOf(`*${prefixA}*`);
      expect(aKeys.every((k) => k.startsWith(`{${prefixA}}:`) || k.startsWith(`${prefixA}:`))).toBe(true);
      expect(await keysOf(`{concierge}:*${ticket.id}*`)).toEqual([]);
    } finally {
      redis.disconnect();
      await b.stop();
      await a.stop();
      await otherDatabase.drop();
    }
  });

  it('names every key prefix and pub/sub channel under the prefix', () => {
    const names = Object.values(redisNamespace('shop-eu'));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(name.startsWith('shop-eu:') || name === '{shop-eu}').toBe(true);
  });
});
