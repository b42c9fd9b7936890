import { sql } from 'drizzle-orm';
import type { Activity } from 'botbuilder';
import type { Logger } from 'pino';
import { openDatabase, TranscriptStore, type Database, type StoredActivity } from '../../crm';
import type { Application } from '../../bot/application';
import type { TranscriptBus } from '../../bot/directline/bus';
import { DirectLineService } from '../../bot/directline/service';
import { DirectLineTokens } from '../../bot/directline/tokens';
import { UnansweredTurnSweep } from '../../bot/directline/unansweredTurnSweep';
import { startInProcessApp, testDatabaseUrl } from '../support/apps';
import { DirectLineClient } from '../support/directLineClient';

/**
 * Website messages stored but not answered (the process running the turn died or stalled) are answered
 * by a sweep in any web process once the turn's lease has passed, or by the browser's retry of the same
 * post; never twice, with several processes on one database.
 */

const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quietLog } as unknown as Logger;
const noBus = { publish: async () => undefined } as unknown as TranscriptBus;
const tokens = new DirectLineTokens('unanswered-sweep-test-key-0123456789abcdef', 600);

/** Fails after `ms` unless the promise settled first: the bound on awaiting an event. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

let database: Database;
let transcripts: TranscriptStore;

beforeAll(async () => {
  // A second connection pool on the test file's database, as another process has.
  database = await openDatabase({ url: testDatabaseUrl(), poolSize: 6 });
  transcripts = new TranscriptStore(database.db);
});
afterAll(async () => {
  await database?.close();
});

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await database.db.execute(query)) as unknown as { rows: T[] }).rows;
}

/** Bot replies in the transcript per customer message id. */
async function repliesPerMessage(conversationIds: string[]): Promise<Map<string, number>> {
  const found = await rows<{ reply_to: string; n: number }>(sql`
    select activity->>'replyToId' as reply_to, count(*)::int as n from directline_activities
    where conversation_id in ${conversationIds} and activity->'from'->>'role' = 'bot' and activity->>'replyToId' is not null
    group by 1`);
  return new Map(found.map((r) => [r.reply_to, r.n]));
}

async function expireLease(activityId: string): Promise<void> {
  const seq = Number(activityId.slice(activityId.lastIndexOf('|') + 1));
  const conversationId = activityId.slice(0, activityId.lastIndexOf('|'));
  await database.db.execute(sql`update directline_activities set turn_lease_until = now() - interval '1 second' where conversation_id = ${conversationId} and seq = ${seq}`);
}

/**
 * A "process": a DirectLineService on the shared database whose turn answers with one bot reply
 * (appended like the adapter does) and counts its runs per message; `hold` keeps a turn from finishing.
 */
function webProcess(name: string, o: { turnLeaseMs: number; hold?: (activity: Partial<Activity>) => Promise<void> | undefined; crash?: boolean; serviceUrl?: string }) {
  const runs: string[] = [];
  const runTurn = async (activity: Partial<Activity>) => {
    runs.push(activity.id!);
    if (o.crash) throw new Error(`${name} died mid-turn`);
    await o.hold?.(activity);
    await transcripts.append(activity.conversation!.id, [{ type: 'message', text: `${name} answers ${activity.text}`, replyToId: activity.id, from: { id: 'bot', role: 'bot' } }]);
  };
  const service = new DirectLineService({ transcripts, bus: noBus, tokens, bot: { id: 'concierge-bot', name: 'Concierge' }, serviceUrl: o.serviceUrl ?? 'http://127.0.0.1:1', runTurn, turnLeaseMs: o.turnLeaseMs });
  return { service, runs };
}

async function newConversation(): Promise<{ conversationId: string; userId: string }> {
  const claims = { conversationId: `conv-${Math.random().toString(36).slice(2, 12)}`, userId: `dl_${Math.random().toString(36).slice(2, 12)}` };
  await transcripts.createConversation(claims.conversationId, claims.userId);
  return claims;
}

describe('in the application', () => {
  let app: Application & { url: string };
  beforeAll(async () => {
    app = await startInProcessApp({ TURN_SWEEP_INTERVAL_MS: '100', TURN_LEASE_MS: '10000' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('answers a message whose turn died in another process once its lease has passed, without a restart', async () => {
    const client = await DirectLineClient.open(app.url);
    try {
      // The process that stored the message died in its turn: the message is stored, unhandled, and nobody renews its 1 s lease.
      const crashed = webProcess('crashed', { turnLeaseMs: 1000, crash: true, serviceUrl: app.url });
      await expect(crashed.service.post({ conversationId: client.conversationId, userId: client.userId }, client.conversationId, { type: 'message', text: 'help' })).rejects.toThrow(/died/);
      const stored = (await client.poll()).activities.find((a) => a.text === 'help')!;
      expect(stored).toBeDefined();

      // The application's sweep answers it (the old code did only at a start, for messages older than 30 s).
      const reply = await within(8000, 'the sweep answers the message', client.replyTo(stored.id));
      expect(reply.text).toBe('What can I help you with?');
      const { activities } = await client.poll();
      expect(activities.filter((a) => a.replyToId === stored.id)).toHaveLength(1);
      const [row] = await rows<{ handled: boolean }>(sql`select handled_at is not null as handled from directline_activities where activity->>'id' = ${stored.id}`);
      expect(row.handled).toBe(true);
    } finally {
      client.close();
    }
  });
});

describe('a retried post (same clientActivityID)', () => {
  it('runs the turn of a message whose first attempt died, once its lease has passed, and answers the retry with it', async () => {
    const claims = await newConversation();
    const first = webProcess('first', { turnLeaseMs: 60_000, crash: true });
    const retrier = webProcess('retrier', { turnLeaseMs: 10_000 });
    const body = { type: 'message', text: 'where is my order?', channelData: { clientActivityID: 'web-1' } };
    await expect(first.service.post(claims, claims.conversationId, body)).rejects.toThrow(/died/);
    const [storedId] = first.runs;

    // The first attempt's lease still holds (it could be running): the retry is recognised and not run.
    expect(await retrier.service.post(claims, claims.conversationId, body)).toEqual({ id: storedId });
    expect(retrier.runs).toEqual([]);

    await expireLease(storedId);
    expect(await retrier.service.post(claims, claims.conversationId, body)).toEqual({ id: storedId });
    expect(retrier.runs).toEqual([storedId]);
    // The answer is in the transcript when the retry's POST returns.
    const page = await transcripts.since(claims.conversationId, null);
    expect(page.activities.filter((a) => a.replyToId === storedId).map((a) => a.text)).toEqual(['retrier answers where is my order?']);

    // Answered now: another retry, anywhere, runs nothing.
    expect(await first.service.post(claims, claims.conversationId, body)).toEqual({ id: storedId });
    expect(await retrier.service.post(claims, claims.conversationId, body)).toEqual({ id: storedId });
    expect(first.runs).toEqual([storedId]);
    expect(retrier.runs).toEqual([storedId]);
    expect(await repliesPerMessage([claims.conversationId])).toEqual(new Map([[storedId, 1]]));
  });

  it('does not run a message again while its first attempt is still running', async () => {
    const claims = await newConversation();
    const release = deferred();
    const started = deferred<string>();
    const first = webProcess('first', {
      turnLeaseMs: 10_000,
      hold: (activity) => {
        started.resolve(activity.id!);
        return release.promise;
      },
    });
    const other = webProcess('other', { turnLeaseMs: 10_000 });
    const body = { type: 'message', text: 'hello?', channelData: { clientActivityID: 'web-2' } };
    const firstPost = first.service.post(claims, claims.conversationId, body);
    const id = await within(5000, 'the first attempt starts its turn', started.promise);

    // The browser gave up waiting and retried, through another process and through the same one.
    expect(await other.service.post(claims, claims.conversationId, body)).toEqual({ id });
    expect(await first.service.post(claims, claims.conversationId, body)).toEqual({ id });
    release.resolve();
    expect(await firstPost).toEqual({ id });
    expect(first.runs).toEqual([id]);
    expect(other.runs).toEqual([]);
    expect(await repliesPerMessage([claims.conversationId])).toEqual(new Map([[id, 1]]));
  });
});

describe('two processes with their own sweeps on one database', () => {
  it('answer each unanswered message exactly once, a conversation’s in order', async () => {
    const conversations = await Promise.all(Array.from({ length: 6 }, () => newConversation()));
    // 24 messages left by processes that died: unhandled, nobody's lease (null), or a lease that has passed.
    const messageIds: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      for (const c of conversations) {
        const { activities } = await transcripts.append(c.conversationId, [{ type: 'message', text: `m${round}`, from: { id: c.userId, role: 'user' } }], { pendingTurn: true, turnLeaseMs: round % 2 ? 60_000 : undefined });
        if (round % 2) await expireLease(activities[0].id);
        messageIds.push(activities[0].id);
      }
    }
    const answered = new Set<string>();
    const allAnswered = deferred();
    // Turns take a little while, so the two sweeps' passes overlap.
    const hold = async (activity: Partial<Activity>) => {
      await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 20)));
      answered.add(activity.id!);
      if (answered.size === messageIds.length) queueMicrotask(() => allAnswered.resolve());
    };
    const a = webProcess('a', { turnLeaseMs: 5000, hold });
    const b = webProcess('b', { turnLeaseMs: 5000, hold });
    const sweeps = [a, b].map((p) => new UnansweredTurnSweep({ transcripts, directLine: p.service, log: quietLog, intervalMs: 10, batchSize: 4 }));
    sweeps.forEach((s) => s.start());
    try {
      await within(30_000, 'every message answered', allAnswered.promise);
    } finally {
      await Promise.all(sweeps.map((s) => s.stop()));
    }
    await Promise.all([a.service.drain(), b.service.drain()]);

    const runs = [...a.runs, ...b.runs];
    expect(runs.sort()).toEqual([...messageIds].sort());
    const replies = await repliesPerMessage(conversations.map((c) => c.conversationId));
    expect(messageIds.map((id) => replies.get(id) ?? 0)).toEqual(messageIds.map(() => 1));
    const unhandled = await rows<{ n: number }>(sql`select count(*)::int as n from directline_activities where handled_at is null and conversation_id in ${conversations.map((c) => c.conversationId)}`);
    expect(unhandled[0].n).toBe(0);
    // Each conversation's replies come in the order of its messages (one process at a time ran its turns).
    for (const c of conversations) {
      const page = await transcripts.since(c.conversationId, null);
      const replyOrder = page.activities.filter((x) => (x.from as { role: string }).role === 'bot').map((x) => x.replyToId);
      expect(replyOrder).toEqual(page.activities.filter((x) => (x.from as { role: string }).role === 'user').map((x) => x.id));
    }
  });

  it('leave a turn that runs longer than its lease to its process, which renews the lease', async () => {
    const claims = await newConversation();
    const release = deferred();
    const started = deferred<string>();
    const slow = webProcess('slow', {
      turnLeaseMs: 1000,
      hold: (activity) => {
        started.resolve(activity.id!);
        return release.promise;
      },
    });
    const other = webProcess('other', { turnLeaseMs: 1000 });
    const otherSweep = new UnansweredTurnSweep({ transcripts, directLine: other.service, log: quietLog });
    const post = slow.service.post(claims, claims.conversationId, { type: 'message', text: 'a long question' });
    const id = await within(5000, 'the slow turn starts', started.promise);
    // Passes of the other process's sweep over two and a half leases' time: it never gets the message (no event to wait for: time passing is the point).
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      expect(await otherSweep.runOnce()).toMatchObject({ claimed: 0 });
      await new Promise((r) => setTimeout(r, 25));
    }
    release.resolve();
    await post;
    expect(other.runs).toEqual([]);
    expect(slow.runs).toEqual([id]);
    expect(await repliesPerMessage([claims.conversationId])).toEqual(new Map([[id, 1]]));
  });
});

describe('UnansweredTurnSweep', () => {
  it('logs a failed pass and runs the next; stop() waits for the pass in progress', async () => {
    const warned: string[] = [];
    const log = { ...quietLog, warn: (_o: unknown, message: string) => warned.push(message), info: () => undefined } as unknown as Logger;
    const secondPass = deferred();
    const finishSecond = deferred<StoredActivity[]>();
    let calls = 0;
    const claiming = {
      claimUnhandled: async () => {
        calls += 1;
        if (calls === 1) throw new Error('database blipped');
        secondPass.resolve();
        return finishSecond.promise;
      },
    };
    const sweep = new UnansweredTurnSweep({ transcripts: claiming, directLine: { turnLeaseMs: 1000, runStoredTurn: async () => undefined }, log, intervalMs: 10 });
    sweep.start();
    await within(5000, 'a second pass after the failed one', secondPass.promise);
    expect(warned).toEqual(['unanswered-message sweep failed; the next pass tries again']);
    let stopped = false;
    const stopping = sweep.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    finishSecond.resolve([]);
    await stopping;
    expect(stopped).toBe(true);
    expect(calls).toBe(2);
  });
});
