/**
 * Chat throughput and reply latency through the Direct Line endpoint on real PostgreSQL and Redis.
 * The app runs in its own process (as in production); this process plays N concurrent customers,
 * each sending messages over HTTP and receiving replies on the WebSocket stream. Two phases:
 *  - paced: each customer writes one message every --pace-ms (default 2000 ms, a fast typist), so
 *    latency is measured under a steady load below saturation;
 *  - saturation: each customer sends its next message as soon as the reply arrives (closed loop),
 *    which gives the maximum throughput (latency there is just N / throughput).
 *
 *   npm run bench:chat -- [--conversations 50] [--turns 20] [--url http://host:port (an app already running)]
 */
import { parseArgs } from 'node:util';
import { spawnApp } from '../test/support/apps';
import { createScratchDatabase } from '../test/support/database';
import { DirectLineClient } from '../test/support/directLineClient';

const { values } = parseArgs({
  options: { conversations: { type: 'string', default: '50' }, turns: { type: 'string', default: '20' }, url: { type: 'string' }, 'pace-ms': { type: 'string', default: '2000' } },
});
const N = Number(values.conversations);
const TURNS = Number(values.turns);
const PACE_MS = Number(values['pace-ms']);
const MESSAGES = ['hello', 'help', 'Orders', 'thanks', 'what is the weather like on mars'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const database = values.url ? undefined : await createScratchDatabase('concierge_bench');
  const app = database
    ? await spawnApp({ DATABASE_URL: database.url, DIRECTLINE_SECRET: 'bench-directline-secret-0123456789abcdef', LOG_LEVEL: 'warn' }, 'web')
    : { url: values.url!, stop: async () => null };
  try {
    const clients = await Promise.all(Array.from({ length: N }, () => DirectLineClient.open(app.url)));
    const phase = async (name: string, paceMs: number) => {
      const latencies: number[] = [];
      const started = performance.now();
      await Promise.all(
        clients.map(async (c, i) => {
          // Stagger the customers so a paced load arrives evenly, not in bursts.
          if (paceMs > 0) await new Promise((r) => setTimeout(r, (i * paceMs) / N));
          for (let t = 0; t < TURNS; t++) {
            const sentAt = performance.now();
            const id = await c.say(MESSAGES[(i + t) % MESSAGES.length]);
            await c.replyTo(id);
            const took = performance.now() - sentAt;
            latencies.push(took);
            if (paceMs > took) await new Promise((r) => setTimeout(r, paceMs - took));
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      const turns = latencies.length;
      console.log(
        `${name.padEnd(11)} turns ${turns} in ${seconds.toFixed(1)} s = ${(turns / seconds).toFixed(1)} turns/s; reply latency ms p50 ${percentile(latencies, 50).toFixed(1)}  p95 ${percentile(latencies, 95).toFixed(1)}  p99 ${percentile(latencies, 99).toFixed(1)}  max ${latencies[turns - 1].toFixed(1)}`,
      );
    };
    console.log(`chat benchmark: ${N} concurrent conversations x ${TURNS} turns per phase (Direct Line HTTP post + WebSocket reply, PostgreSQL + Redis)`);
    await phase(`paced ${PACE_MS / 1000}s`, PACE_MS);
    await phase('saturation', 0);
    for (const c of clients) c.close();
  } finally {
    await app.stop();
    await database?.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
