/**
 * Outbox relay: moves rows of the transactional outbox (crm/schema `outbox`, written in the same
 * transaction as the domain change) to bullmq.
 *
 * Each pass locks a batch of unrelayed rows with `FOR UPDATE SKIP LOCKED` (several worker processes
 * relay at once without taking the same rows), adds each as a job whose id is the row's dedupe key
 * (bullmq ignores a job id it already holds, so a row relayed twice schedules one job) delayed until
 * `run_at`, and only then marks the rows relayed, in the same transaction. If Redis is unreachable
 * the add fails, the transaction rolls back and the rows wait for the next pass: nothing is lost.
 * Failing passes back off exponentially.
 */
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Db } from '../crm';
import { OutboxStore } from '../crm';
import { jobIdForKey, withTimeout } from './queues';

/** Where rows of one topic go: the queue and the job name. */
export interface OutboxRoute {
  queue: Queue;
  jobName: string;
}

export interface OutboxRelayOptions {
  db: Db;
  /** topic → queue. Rows of other topics are left for whoever relays them. */
  routes: Record<string, OutboxRoute>;
  log: Logger;
  /** Rows per transaction. Default 200. */
  batchSize?: number;
  /** Poll period when idle. Default 1000 ms. */
  pollMs?: number;
  /** First and largest wait after a failed pass. Default 500 ms and 5 s (a failing pass is one cheap query, and rows wait no longer than this once Redis is back). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** How long one batch may wait for Redis. Default 5000 ms. */
  addTimeoutMs?: number;
  clock?: () => Date;
}

export interface RelayPassResult {
  relayed: number;
}

export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private readonly topics: string[];
  /** Resolves the waiters of `drained()`. */
  private idleWaiters: Array<() => void> = [];

  private readonly store: OutboxStore;

  constructor(private readonly o: OutboxRelayOptions) {
    this.topics = Object.keys(o.routes);
    this.store = new OutboxStore(o.db);
  }

  /** Consecutive failed passes (0 when the last pass worked). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /**
   * One pass: relays up to one batch. Throws when the jobs could not be added (the rows stay).
   * Returns how many rows it relayed.
   */
  async relayOnce(): Promise<RelayPassResult> {
    const relayed = await this.store.relayBatch(this.topics, this.o.batchSize ?? 200, async (rows) => {
      const now = (this.o.clock?.() ?? new Date()).getTime();
      const byQueue = new Map<Queue, Array<{ name: string; data: Record<string, unknown>; opts: { jobId: string; delay: number } }>>();
      for (const row of rows) {
        const route = this.o.routes[row.topic];
        const jobs = byQueue.get(route.queue) ?? [];
        jobs.push({ name: route.jobName, data: row.payload, opts: { jobId: jobIdForKey(row.dedupeKey), delay: Math.max(0, row.runAt.getTime() - now) } });
        byQueue.set(route.queue, jobs);
      }
      // Added first, marked after (by the store, on return): a crash in between relays the rows again,
      // and the job ids dedupe them.
      for (const [queue, jobs] of byQueue) await withTimeout(queue.addBulk(jobs), this.o.addTimeoutMs ?? 5000, `adding ${jobs.length} jobs to ${queue.name}`);
    });
    return { relayed };
  }

  /** Relays until no row is left (or a pass fails, which throws). Returns the number relayed. */
  async relayAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const { relayed } = await this.relayOnce();
      total += relayed;
      if (relayed < (this.o.batchSize ?? 200)) return total;
    }
  }

  /** Starts polling. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Runs a pass now instead of at the next poll (e.g. right after writing outbox rows). */
  nudge(): void {
    this.wake?.();
  }

  /** Resolves after the next pass that found nothing left to relay (tests and shutdown). */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.nudge();
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let waitMs = this.o.pollMs ?? 1000;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      try {
        const relayed = await this.relayAll();
        if (this.failures > 0) this.o.log.info({ afterFailures: this.failures }, 'outbox relay recovered');
        this.failures = 0;
        if (relayed > 0) this.o.log.debug({ relayed }, 'outbox rows relayed');
        for (const w of waiters) w();
      } catch (err) {
        this.idleWaiters.unshift(...waiters);
        this.failures += 1;
        const min = this.o.backoffMinMs ?? 500;
        waitMs = Math.min(this.o.backoffMaxMs ?? 5_000, min * 2 ** (this.failures - 1));
        // A full jitter keeps several relays from retrying in lockstep.
        waitMs = Math.round(waitMs / 2 + (Math.random() * waitMs) / 2);
        const log = this.failures === 1 || this.failures % 10 === 0 ? this.o.log.warn.bind(this.o.log) : this.o.log.debug.bind(this.o.log);
        log({ err, failures: this.failures, retryInMs: waitMs }, 'outbox relay pass failed; rows stay in the outbox');
      }
      if (!this.running) break;
      if (this.idleWaiters.length > 0 && this.failures === 0) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(this.timer);
      this.wake = undefined;
    }
    for (const w of this.idleWaiters) w();
    this.idleWaiters = [];
  }
}
