import type { Logger } from 'pino';
import type { StoredActivity, TranscriptStore } from '../../crm';
import type { DirectLineService } from './service';

export interface UnansweredTurnSweepOptions {
  transcripts: Pick<TranscriptStore, 'claimUnhandled'>;
  /** Runs the claimed turns (one conversation's one at a time) and holds their leases. */
  directLine: Pick<DirectLineService, 'runStoredTurn' | 'turnLeaseMs'>;
  log: Logger;
  /** Time between the end of a pass and the next (default 2 s). */
  intervalMs?: number;
  /** Messages claimed per pass (default 20). */
  batchSize?: number;
}

export const DEFAULT_TURN_SWEEP_INTERVAL_MS = 2_000;

export interface SweepPassResult {
  claimed: number;
  answered: number;
  failed: number;
}

/**
 * Answers website messages that were stored but whose turn nobody is running: the process that stored
 * or claimed them died or stalled, and their lease ran out. Every web process runs one; the claim is
 * atomic in PostgreSQL, so each message is answered by one process, a few seconds after its lease ends
 * (not only at the next start, as before).
 */
export class UnansweredTurnSweep {
  private timer?: NodeJS.Timeout;
  private pass?: Promise<unknown>;
  private running = false;

  constructor(private readonly o: UnansweredTurnSweepOptions) {}

  /** Claims what is due and runs those turns; resolves when they have ended. Throws only when the claim fails. */
  async runOnce(): Promise<SweepPassResult> {
    const claimed = await this.o.transcripts.claimUnhandled(this.o.directLine.turnLeaseMs, this.o.batchSize ?? 20);
    // Started in claim order (oldest first); runStoredTurn serialises each conversation's turns.
    const outcomes = await Promise.allSettled(claimed.map((activity) => this.runTurn(activity)));
    const failed = outcomes.filter((x) => x.status === 'rejected').length;
    return { claimed: claimed.length, answered: claimed.length - failed, failed };
  }

  /** A pass now, then one every interval, until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** No new pass; resolves when the one in progress (if any) has ended. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.pass;
  }

  private async runTurn(activity: StoredActivity): Promise<void> {
    try {
      await this.o.directLine.runStoredTurn(activity);
    } catch (err) {
      // Its lease runs out and a later pass (here or elsewhere) tries again.
      this.o.log.warn({ err, activityId: activity.id }, 'could not answer a message left unanswered; it is tried again once its lease has passed');
      throw err;
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.pass = this.runOnce()
        .then(({ answered, failed }) => {
          if (answered > 0 || failed > 0) this.o.log.info({ answered, failed }, 'answered messages left unanswered (their turn did not finish where they were stored)');
        })
        .catch((err: unknown) => this.o.log.warn({ err }, 'unanswered-message sweep failed; the next pass tries again'))
        .finally(() => {
          this.pass = undefined;
          if (this.running) this.schedule(this.o.intervalMs ?? DEFAULT_TURN_SWEEP_INTERVAL_MS);
        });
    }, delayMs);
    // A sweep alone never keeps the process alive (a stop() that was forgotten, a CLI).
    this.timer.unref();
  }
}
