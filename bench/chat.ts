/**
 * Chat throughput and reply latency through the Direct Line endpoint on real PostgreSQL and Redis,
 * beside the ceiling the hardware allows. The app runs in its own process (as in production); this
 * process plays N concurrent customers, each sending messages over HTTP and receiving replies on the
 * WebSocket stream. Phases:
 *  - ceiling: a minimal server that stores the message and the reply (two INSERTs) and answers over
 *    HTTP (bench/lib/ceilingServer.ts), same load shape, same database server, a few rounds (median);
 *  - paced: each customer writes one message every --pace-ms (default 2000 ms, a fast typist), so
 *    latency is measured under a steady load below saturation;
 *  - saturation: each customer sends its next message as soon as the reply arrives (closed loop),
 *    which gives the maximum throughput. Over this phase the web process's CPU time, SQL statements
 *    and commits are counted (bench/lib/statementCounter.mjs wraps the pg driver in that process).
 *
 *   npm run bench:chat -- [--conversations 50] [--turns 20] [--rounds 3] [--by-statement (statements per turn by their opening words)] [--url http://host:port (an app already running; no counts)]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, spawnApp } from '../test/support/apps';
import { createScratchDatabase } from '../test/support/database';
import { DirectLineClient } from '../test/support/directLineClient';
import { COUNTER_HOOK, percentile, readWebCounters } from './lib/webCounters';

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '50' },
    turns: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    url: { type: 'string' },
    'pace-ms': { type: 'string', default: '2000' },
    'by-statement': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(values.rounds);
const N = Number(values.conversations);
const TURNS = Number(values.turns);
const PACE_MS = Number(values['pace-ms']);
const MESSAGES = ['hello', 'help', 'Orders', 'thanks', 'what is the weather like on mars'];

interface PhaseResult {
  turns: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function summarise(latencies: number[], seconds: number): PhaseResult {
  latencies.sort((a, b) => a - b);
  const turns = latencies.length;
  return { turns, seconds, perSecond: turns / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies[turns - 1] };
}

function line(name: string, r: PhaseResult): string {
  return `${name.padEnd(11)} turns ${r.turns} in ${r.seconds.toFixed(1)} s = ${r.perSecond.toFixed(1)} turns/s; reply latency ms p50 ${r.p50.toFixed(1)}  p95 ${r.p95.toFixed(1)}  p99 ${r.p99.toFixed(1)}  max ${r.max.toFixed(1)}`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The ceiling server in a child process, on the same database server. */
async function startCeiling(databaseUrl: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bench', 'lib', 'ceilingServer.ts')], { cwd: repoRoot, env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`ceiling server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** The same closed loop against the ceiling server: each conversation posts its next message when the reply is in. */
async function ceilingRound(url: string): Promise<PhaseResult> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const conversationId = `ceiling-${i}-${Math.random().toString(36).slice(2)}`;
      for (let t = 0; t < TURNS; t++) {
        const sentAt = performance.now();
        const res = await fetch(`${url}/turn`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversationId, text: MESSAGES[(i + t) % MESSAGES.length] }) });
        if (res.status !== 200) throw new Error(`ceiling: HTTP ${res.status}`);
        await res.json();
        latencies.push(performance.now() - sentAt);
      }
    }),
  );
  return summarise(latencies, (performance.now() - started) / 1000);
}

async function main() {
  const database = values.url ? undefined : await createScratchDatabase('concierge_bench');
  const countsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-chat-')), 'counts.json');
  const spawned = database
    ? await spawnApp({ DATABASE_URL: database.url, DIRECTLINE_SECRET: 'bench-directline-secret-0123456789abcdef', LOG_LEVEL: 'warn', BENCH_COUNTS_FILE: countsFile }, 'web', { direct: true, nodeArgs: COUNTER_HOOK })
    : undefined;
  const app = spawned ?? { url: values.url!, stop: async () => null };
  try {
    console.log(`chat benchmark: ${N} concurrent conversations x ${TURNS} turns per phase (Direct Line HTTP post + WebSocket reply, PostgreSQL + Redis); ${os.cpus().length} cores`);
    let ceiling: { perSecond: number; p99: number } | undefined;
    if (database) {
      const server = await startCeiling(database.url);
      try {
        await ceilingRound(server.url); // warm-up
        const rounds: PhaseResult[] = [];
        for (let r = 0; r < ROUNDS; r++) rounds.push(await ceilingRound(server.url));
        ceiling = { perSecond: median(rounds.map((r) => r.perSecond)), p99: median(rounds.map((r) => r.p99)) };
        console.log(`ceiling     ${ROUNDS} rounds (two INSERTs + HTTP, same database server): turns/s ${rounds.map((r) => r.perSecond.toFixed(0)).join(', ')} (median ${ceiling.perSecond.toFixed(0)}); p99 ms ${rounds.map((r) => r.p99.toFixed(1)).join(', ')} (median ${ceiling.p99.toFixed(1)})`);
      } finally {
        await server.stop();
      }
    }
    const clients = await Promise.all(Array.from({ length: N }, () => DirectLineClient.open(app.url)));
    const phase = async (paceMs: number): Promise<PhaseResult> => {
      const latencies: number[] = [];
      const started = performance.now();
      await Promise.all(
        clients.map(async (c, i) => {
          // Stagger the customers so a paced load arrives evenly, not in bursts.
          if (paceMs > 0) await new Promise((r) => setTimeout(r, (i * paceMs) / N));
          for (let t = 0; t < TURNS; t++) {
            const sentAt = performance.now();
            // As Web Chat does: every post carries its client activity id (a retry is stored once).
            const id = await c.say(MESSAGES[(i + t) % MESSAGES.length], { channelData: { clientActivityID: `${paceMs}-${i}-${t}` } });
            await c.replyTo(id);
            const took = performance.now() - sentAt;
            latencies.push(took);
            if (paceMs > took) await new Promise((r) => setTimeout(r, paceMs - took));
          }
        }),
      );
      return summarise(latencies, (performance.now() - started) / 1000);
    };
    console.log(line(`paced ${PACE_MS / 1000}s`, await phase(PACE_MS)));
    const pid = spawned?.process.pid;
    const before = pid ? await readWebCounters(pid, countsFile) : undefined;
    const saturation = await phase(0);
    const after = pid ? await readWebCounters(pid, countsFile) : undefined;
    console.log(line('saturation', saturation));
    if (before && after) {
      const turns = saturation.turns;
      console.log(
        `per turn    web-process CPU ${((after.cpuMicros - before.cpuMicros) / 1000 / turns).toFixed(2)} ms; SQL statements ${((after.statements - before.statements) / turns).toFixed(1)}; commits ${((after.commits - before.commits) / turns).toFixed(1)} (saturation phase, counted in the web process)`,
      );
    }
    if (before && after && values['by-statement']) {
      const rows = Object.entries(after.byStatement).map(([head, n]) => [head, (n - (before.byStatement[head] ?? 0)) / saturation.turns] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
      for (const [head, n] of rows) console.log(`  ${n.toFixed(2).padStart(5)}  ${head}`);
    }
    if (ceiling) {
      console.log(`vs ceiling  throughput ${((100 * saturation.perSecond) / ceiling.perSecond).toFixed(0)} % of the ceiling's; saturation p99 ${(saturation.p99 / ceiling.p99).toFixed(1)}x the ceiling's`);
    }
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
