/**
 * Learning that survives a crash: a web process learns each customer message on its turn, and this
 * catch-up learns the ones a turn stored but never learned (the process died in between, PostgreSQL
 * blipped, the store write failed). It runs at start and every `periodMs`, in every process that has
 * the NLP, and takes only messages stored more than `graceMs` ago (younger ones are still being learned
 * on their turn). Customers are claimed with `for update skip locked`, so several processes share the
 * work; each message is marked learned in the transaction that writes the profile, so a message
 * learned here and on its turn at once counts once.
 *
 * A customer's messages are learned in one transaction; when it fails, they are tried again one at a
 * time (oldest first) in the same pass, so one message that cannot be learned (the NLP chokes on it,
 * its profile write fails) does not hold up the customer's others. Each failure of a message on its
 * own is counted on the message (messages.learn_attempts, learn_error, written outside the rolled-back
 * transaction); at `maxAttempts` it is given up (learn_failed_at), logged once at error level, and
 * not picked again. A customer is tried at most once a pass, so a pass counts at most one attempt.
 * A failure counts only while the observer still learns a plain sentence (a canary, once a pass): when
 * learning fails on everything, nothing is held against the messages. What was given up can be put
 * back in the queue (`npm run crm -- learning retry`).
 */
import type { Logger } from 'pino';
import type { StoredMessage, Timeline } from '../crm';
import type { LearnedProfileStore } from '../crm/identity';
import type { MessageObserver } from './conversationLearning';

/** An ordinary customer sentence: if even this cannot be observed, the fault is not the message's. */
const CANARY_TEXT = 'Hello, where is my order?';

export interface LearningCatchUpOptions {
  timeline: Pick<Timeline, 'customersWithUnlearned' | 'unlearnedOf' | 'recordLearningFailure'>;
  learned: Pick<LearnedProfileStore, 'learnPending' | 'learnMessage'>;
  observer: MessageObserver;
  /** Only messages stored at least this long ago. */
  graceMs: number;
  /** Time between passes. */
  periodMs: number;
  log: Logger;
  /** Customers per query (default 100) and messages per customer per transaction (default 100). */
  customersPerBatch?: number;
  messagesPerCustomer?: number;
  /** Failed attempts at a message on its own (one a pass at most) before it is given up (default 5). */
  maxAttempts?: number;
  clock?: () => Date;
}

export interface CatchUpPassResult {
  learned: number;
  /** Customers left for the next pass because another transaction held them. */
  busy: number;
  /** Customers with a message that could not be learned this pass (logged; it stays for the next, unless given up). */
  failed: number;
  /** Messages given up this pass: their `maxAttempts`th attempt failed. */
  gaveUp: number;
}

/** What the pass did for one customer. */
interface CustomerStep {
  learned: number;
  busy: boolean;
  failed: boolean;
  gaveUp: number;
}

export class LearningCatchUp {
  private timer?: NodeJS.Timeout;
  private pass?: Promise<unknown>;
  private running = false;

  constructor(private readonly o: LearningCatchUpOptions) {}

  /**
   * Learns every message that is due now. One customer's failure does not stop the others, nor one
   * message's the customer's others; throws only when the due customers cannot be listed (what is
   * not learned stays for the next pass).
   */
  async runOnce(): Promise<CatchUpPassResult> {
    const storedBefore = new Date((this.o.clock?.() ?? new Date()).getTime() - this.o.graceMs);
    const batch = this.o.customersPerBatch ?? 100;
    const result: CatchUpPassResult = { learned: 0, busy: 0, failed: 0, gaveUp: 0 };
    // Tried once a pass: another round must not count a second attempt at the same failing message.
    const failedThisPass = new Set<string>();
    this.canary = undefined; // asked again each pass, at its first failure
    for (;;) {
      const customers = await this.o.timeline.customersWithUnlearned(storedBefore, batch);
      let progress = 0;
      let busy = 0;
      for (const customerId of customers) {
        if (failedThisPass.has(customerId)) continue;
        const step = await this.learnCustomer(customerId, storedBefore);
        progress += step.learned;
        result.gaveUp += step.gaveUp;
        if (step.busy) busy += 1;
        if (step.failed) failedThisPass.add(customerId);
      }
      result.learned += progress;
      // Another round only while it gets somewhere: busy and failed customers wait for the next pass.
      if (customers.length < batch || progress === 0) {
        Object.assign(result, { busy, failed: failedThisPass.size });
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
        .then(({ learned, busy, failed, gaveUp }) => {
          if (learned > 0 || failed > 0 || gaveUp > 0) this.o.log.info({ learned, busy, failed, gaveUp }, 'learning catch-up pass: customer messages left unlearned, learned now or failed');
        })
        .catch((err: unknown) => this.o.log.warn({ err }, 'learning catch-up pass failed; the messages stay for the next pass'))
        .finally(() => {
          if (this.running) this.schedule(this.o.periodMs);
        });
    }, delayMs);
  }

  /** The common path: the customer's pending messages in one transaction; one at a time when that fails. */
  private async learnCustomer(customerId: string, storedBefore: Date): Promise<CustomerStep> {
    try {
      const step = await this.o.learned.learnPending(customerId, storedBefore, (messages) => this.observeAll(messages), this.o.messagesPerCustomer);
      return step === 'busy' ? { learned: 0, busy: true, failed: false, gaveUp: 0 } : { learned: step.learned, busy: false, failed: false, gaveUp: 0 };
    } catch (batchError) {
      return this.learnOneByOne(customerId, storedBefore, batchError);
    }
  }

  /** Each pending message in its own transaction, oldest first; a failure is counted on its message. */
  private async learnOneByOne(customerId: string, storedBefore: Date, batchError: unknown): Promise<CustomerStep> {
    const step: CustomerStep = { learned: 0, busy: false, failed: false, gaveUp: 0 };
    let pending: StoredMessage[];
    try {
      pending = await this.o.timeline.unlearnedOf(customerId, storedBefore, this.o.messagesPerCustomer ?? 100);
    } catch (err) {
      this.o.log.warn({ err, batchError, customerId }, 'could not learn from the messages of a customer; they stay for the next pass');
      return { ...step, failed: true };
    }
    for (const message of pending) {
      try {
        const one = await this.o.learned.learnMessage(customerId, message, (messages) => this.observeAll(messages));
        // Another transaction took the customer meanwhile: the rest is its work or the next pass's.
        if (one === 'busy') return { ...step, busy: true };
        step.learned += one.learned;
      } catch (err) {
        step.failed = true;
        const counted = await this.countFailure(customerId, message.id, err);
        if (counted === 'not-counted') return step; // learning or the database is failing: the other messages would fail the same way
        if (counted === 'gave-up') step.gaveUp += 1;
      }
    }
    return step;
  }

  private async countFailure(customerId: string, messageId: string, err: unknown): Promise<'counted' | 'gave-up' | 'not-counted'> {
    const maxAttempts = this.o.maxAttempts ?? 5;
    // The fault is the message's only if learning works on an ordinary one: when the NLP fails on
    // everything (a broken release, a missing model) no message is counted, none is given up.
    if (!(await this.learningWorks())) {
      this.o.log.warn({ err, customerId, messageId }, 'could not learn from a customer message, nor from a plain test sentence: learning itself is failing; not counted against the message');
      return 'not-counted';
    }
    let failure: Awaited<ReturnType<Timeline['recordLearningFailure']>>;
    try {
      failure = await this.o.timeline.recordLearningFailure(messageId, err instanceof Error ? err.message : String(err), maxAttempts);
    } catch (countError) {
      this.o.log.warn({ err, countError, customerId, messageId }, 'could not learn from a customer message nor count the attempt; it stays for the next pass');
      return 'not-counted';
    }
    // Ids only in these lines: the customer's text stays in the timeline.
    if (!failure) {
      this.o.log.warn({ err, customerId, messageId }, 'could not learn from a customer message, which another process has learned or given up meanwhile');
      return 'counted';
    }
    if (failure.gaveUp) {
      this.o.log.error({ err, customerId, messageId, attempts: failure.attempts }, 'gave up learning from a customer message: every attempt failed');
      return 'gave-up';
    }
    this.o.log.warn({ err, customerId, messageId, attempts: failure.attempts, maxAttempts }, 'could not learn from a customer message; it is tried again next pass');
    return 'counted';
  }

  private canary?: Promise<boolean>;

  /** Whether the observer learns a plain sentence now (asked once a pass, at its first failure). */
  private learningWorks(): Promise<boolean> {
    this.canary ??= this.o.observer
      .observe({ customerId: '00000000-0000-0000-0000-000000000000', channel: 'catch-up', conversationId: 'canary', activityId: 'canary', text: CANARY_TEXT, at: new Date() })
      .then(
        () => true,
        () => false,
      );
    return this.canary;
  }

  // The messages' own time: a late message takes its place among the customer's recent ones.
  private observeAll(messages: StoredMessage[]) {
    return Promise.all(messages.map((m) => this.o.observer.observe({ customerId: m.customerId, channel: m.channel, conversationId: m.conversationId, activityId: m.activityId, text: m.text, at: m.createdAt })));
  }
}
