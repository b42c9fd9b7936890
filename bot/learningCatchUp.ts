/**
 * Learning that survives a crash: a web process learns each customer message on its turn, and this
 * catch-up learns the ones a turn stored but never learned (the process died in between, PostgreSQL
 * blipped, the store write failed). It runs at start and every `periodMs`, in every process that has
 * the NLP, and takes only messages stored more than `graceMs` ago (younger ones are still being learned
 * on their turn). Customers are claimed with `for update skip locked`, so several processes share the
 * work; each message is marked learned in the transaction that writes the profile, so a message
 * learned here and on its turn at once counts once.
 */
import type { Logger } from 'pino';
import type { StoredMessage, Timeline } from '../crm';
import type { LearnedProfileStore } from '../crm/identity';
import type { MessageObserver } from './conversationLearning';

export interface LearningCatchUpOptions {
  timeline: Pick<Timeline, 'customersWithUnlearned'>;
  learned: Pick<LearnedProfileStore, 'learnPending'>;
  observer: MessageObserver;
  /** Only messages stored at least this long ago. */
  graceMs: number;
  /** Time between passes. */
  periodMs: number;
  log: Logger;
  /** Customers per query (default 100) and messages per customer per transaction (default 100). */
  customersPerBatch?: number;
  messagesPerCustomer?: number;
  clock?: () => Date;
}

export interface CatchUpPassResult {
  learned: number;
  /** Customers left for the next pass because another transaction held them. */
  busy: number;
  /** Customers whose messages could not be learned this pass (logged; they stay for the next). */
  failed: number;
}

export class LearningCatchUp {
  private timer?: NodeJS.Timeout;
  private pass?: Promise<unknown>;
  private running = false;

  constructor(private readonly o: LearningCatchUpOptions) {}

  /**
   * Learns every message that is due now. One customer's failure does not stop the others; throws
   * only when the due customers cannot be listed (what is not learned stays for the next pass).
   */
  async runOnce(): Promise<CatchUpPassResult> {
    const storedBefore = new Date((this.o.clock?.() ?? new Date()).getTime() - this.o.graceMs);
    const batch = this.o.customersPerBatch ?? 100;
    const result: CatchUpPassResult = { learned: 0, busy: 0, failed: 0 };
    for (;;) {
      const customers = await this.o.timeline.customersWithUnlearned(storedBefore, batch);
      let progress = 0;
      let busy = 0;
      let failed = 0;
      for (const customerId of customers) {
        try {
          const step = await this.o.learned.learnPending(customerId, storedBefore, (messages) => this.observeAll(messages), this.o.messagesPerCustomer);
          if (step === 'busy') busy += 1;
          else progress += step.learned;
        } catch (err) {
          failed += 1;
          this.o.log.warn({ err, customerId }, 'could not learn from the messages of a customer; they stay for the next pass');
        }
      }
      result.learned += progress;
      // Another round only while it gets somewhere: busy and failed customers wait for the next pass.
      if (customers.length < batch || progress === 0) {
        Object.assign(result, { busy, failed });
        return result;
      }
    }
  }

  /** A pass now, then one every period, until stop(). */
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

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.pass = this.runOnce()
        .then(({ learned, busy, failed }) => {
          if (learned > 0) this.o.log.info({ learned, busy, failed }, 'learned from customer messages left unlearned');
        })
        .catch((err: unknown) => this.o.log.warn({ err }, 'learning catch-up pass failed; the messages stay for the next pass'))
        .finally(() => {
          if (this.running) this.schedule(this.o.periodMs);
        });
    }, delayMs);
  }

  // The messages' own time: a late message takes its place among the customer's recent ones.
  private observeAll(messages: StoredMessage[]) {
    return Promise.all(messages.map((m) => this.o.observer.observe({ customerId: m.customerId, channel: m.channel, conversationId: m.conversationId, activityId: m.activityId, text: m.text, at: m.createdAt })));
  }
}
