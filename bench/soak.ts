/**
 * The chat path under a steady load for a long time (default 10 minutes): 50 website conversations,
 * each writing every 2 s, against the app in its own process (real PostgreSQL and Redis). Every
 * minute: turns, reply latency, the web process's memory (RSS, heap) and event-loop delay (a hook in
 * that process, bench/lib/statementCounter.mjs). At the end, from the database: messages sent, stored
 * and answered (handled, with a bot reply): nothing may be lost.
 *
 *   npm run bench:soak -- [--minutes 10] [--conversations 50] [--pace-ms 2000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import { spawnApp } from '../test/support/apps';
import { createScratchDatabase } from '../test/support/database';
import { DirectLineClient } from '../test/support/directLineClient';
import { COUNTER_HOOK, percentile, readWebCounters } from './lib/webCounters';

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '10' }, conversations: { type: 'string', default: '50' }, 'pace-ms': { type: 'string', default: '2000' } },
});
const MINUTES = Number(values.minutes);
const N = Number(values.conversations);
const PACE_MS = Number(values['pace-ms']);
const MESSAGES = ['hello', 'help', 'Orders', 'thanks', 'what is the weather like on mars', 'where is my order A10042?', '我的订单什么时候到'];
const MB = 1024 * 1024;

async function main() {
  const database = await createScratchDatabase('concierge_soak');
  const countsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-soak-')), 'counts.json');
  const app = await spawnApp({ DATABASE_URL: database.url, DIRECTLINE_SECRET: 'bench-directline-secret-0123456789abcdef', LOG_LEVEL: 'warn', BENCH_COUNTS_FILE: countsFile }, 'web', { direct: true, nodeArgs: COUNTER_HOOK });
  const pid = app.process.pid!;
  try {
    const clients = await Promise.all(Array.from({ length: N }, () => DirectLineClient.open(app.url)));
    console.log(`soak: ${N} conversations, one message every ${PACE_MS} ms each, ${MINUTES} min; ${os.cpus().length} cores`);
    console.log('minute  turns  turns/s  p50 ms  p99 ms  max ms  rss MB  heap MB  loop p99 ms  loop max ms  errors');
    const start = performance.now();
    const end = start + MINUTES * 60_000;
    let sent = 0;
    let errors = 0;
    const sentIds: string[] = [];
    let minute: number[] = [];
    let minuteErrors = 0;
    const report = async (n: number) => {
      const c = await readWebCounters(pid, countsFile);
      const lat = minute.sort((a, b) => a - b);
      const cells = [
        String(n).padStart(6),
        String(lat.length).padStart(6),
        (lat.length / 60).toFixed(1).padStart(8),
        (lat.length ? percentile(lat, 50) : 0).toFixed(1).padStart(7),
        (lat.length ? percentile(lat, 99) : 0).toFixed(1).padStart(7),
        (lat.length ? lat[lat.length - 1] : 0).toFixed(1).padStart(7),
        (c.rssBytes / MB).toFixed(0).padStart(7),
        (c.heapUsedBytes / MB).toFixed(0).padStart(8),
        c.eventLoop.p99Ms.toFixed(1).padStart(12),
        c.eventLoop.maxMs.toFixed(1).padStart(12),
        String(minuteErrors).padStart(7),
      ];
      console.log(cells.join(' '));
      minute = [];
      minuteErrors = 0;
    };
    await readWebCounters(pid, countsFile); // resets the event-loop histogram
    // A report at each full minute, and one for the last part-minute.
    const reporter = (async () => {
      for (let n = 1; ; n++) {
        const at = start + n * 60_000;
        const wait = Math.min(at, end) - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (at > end + 1_000) {
          if (minute.length) await report(n);
          return;
        }
        await report(n);
        if (at >= end) return;
      }
    })();
    const customers = Promise.all(
      clients.map(async (c, i) => {
        await new Promise((r) => setTimeout(r, (i * PACE_MS) / N));
        for (let t = 0; performance.now() < end; t++) {
          const sentAt = performance.now();
          try {
            sent += 1;
            const id = await c.say(MESSAGES[(i + t) % MESSAGES.length], { channelData: { clientActivityID: `soak-${i}-${t}` } });
            sentIds.push(id);
            await c.replyTo(id);
            minute.push(performance.now() - sentAt);
          } catch (err) {
            errors += 1;
            minuteErrors += 1;
            if (errors <= 3) console.error(`turn failed: ${(err as Error).message}`);
          }
          const took = performance.now() - sentAt;
          if (PACE_MS > took) await new Promise((r) => setTimeout(r, PACE_MS - took));
        }
      }),
    );
    await customers;
    await reporter;
    for (const c of clients) c.close();

    // From the database: every accepted message stored, handled and answered.
    const pool = new Pool({ connectionString: database.url, max: 1 });
    const db = drizzle(pool);
    const conversations = clients.map((c) => c.conversationId);
    const rows = (await db.execute(sql`
      select
        count(*) filter (where a.activity->'from'->>'role' = 'user' and a.activity->>'type' = 'message')::int as stored,
        count(*) filter (where a.activity->'from'->>'role' = 'user' and a.activity->>'type' = 'message' and a.handled_at is not null)::int as handled,
        count(*) filter (where a.activity->'from'->>'role' = 'user' and a.activity->>'type' = 'message' and exists (
          select 1 from directline_activities r where r.conversation_id = a.conversation_id and r.activity->>'replyToId' = a.conversation_id || '|' || lpad(a.seq::text, 7, '0')
        ))::int as answered
      from directline_activities a where a.conversation_id in (${sql.join(conversations.map((c) => sql`${c}`), sql`, `)})
    `)) as unknown as { rows: Array<{ stored: number; handled: number; answered: number }> };
    await pool.end();
    const { stored, handled, answered } = rows.rows[0];
    const accepted = sentIds.length;
    console.log(`messages: sent ${sent}, accepted ${accepted}, stored ${stored}, handled ${handled}, answered ${answered}; lost ${accepted - answered}; failed posts ${errors}`);
  } finally {
    await app.stop();
    await database.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
