import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db';
import { Timeline, type InboundMessageKey, type StoredMessage } from '../customers';
import { queryRows } from '../commerce/rows';
import { personalisationAllowedFor } from './consent';
import { learnFrom, parseLearnedProfile, type LearnedProfile, type LearningOptions, type MessageObservation } from './learning';

/** What a catch-up step did for one customer: messages learned, or `busy` (another transaction holds the customer). */
export type PendingLearning = { learned: number } | 'busy';

/**
 * Storage of what the bot learned from conversations: `customers.attributes.learned` (the shape of
 * learning.ts, validated on read), and customers.language when the detected language of most messages
 * differs from it (the page locale is only a first guess). One row lock per message, so concurrent
 * turns of one customer never lose an update. Merges carry it like every customer attribute.
 *
 * Consent: while the customer has withdrawn consent to personalisation (crm/identity/consent.ts),
 * nothing is folded; their messages are only marked, so the catch-up does not pick them again and a
 * later grant does not learn what was said without consent.
 *
 * Each timeline message is learned once: its `learned_at` is set in the transaction that writes the
 * profile, and a message already marked is skipped. Lock order is the customer row, then its
 * messages (as in merges), so inline learning, the catch-up and merges never deadlock.
 */
export class LearnedProfileStore {
  constructor(
    private readonly db: Db,
    private readonly options: LearningOptions = {},
    private readonly timeline: Pick<Timeline, 'markLearned' | 'unlearnedOf'> = new Timeline(db),
  ) {}

  /** Folds one observation that names no stored message (nothing to mark); returns the new profile (null: no such customer). */
  async record(customerId: string, observation: MessageObservation): Promise<LearnedProfile | null> {
    return this.db.transaction(async (tx) => {
      const current = await this.lockCustomer(tx, customerId);
      if (!current) return null;
      if (!current.personalisationAllowed) return parseLearnedProfile(current.attributes?.learned);
      return this.write(tx, customerId, current, [observation]);
    });
  }

  /**
   * Folds observations of the customer's stored inbound messages (each named by its source), in the
   * order given, and marks those messages learned in the same transaction. Messages already learned
   * (inline and catch-up racing, a redelivery) or no longer this customer's count for nothing.
   * An observation with nothing in it (an empty text) only marks its message.
   */
  async recordMessages(customerId: string, observations: readonly MessageObservation[], db: DbOrTx = this.db): Promise<{ learned: number; profile: LearnedProfile | null }> {
    return db.transaction(async (tx) => {
      const current = await this.lockCustomer(tx, customerId);
      if (!current) return { learned: 0, profile: null };
      const markedNow = new Set((await this.timeline.markLearned(customerId, observations.map((o) => o.source), tx)).map(keyOf));
      // Each marked message once, in the order given (a key repeated in the input counts once).
      const unfolded = new Set(markedNow);
      const fresh = current.personalisationAllowed ? observations.filter((o) => unfolded.delete(keyOf(o.source)) && !isEmpty(o)) : [];
      const profile = fresh.length > 0 ? await this.write(tx, customerId, current, fresh) : parseLearnedProfile(current.attributes?.learned);
      return { learned: markedNow.size, profile };
    });
  }

  /**
   * The catch-up's step for one customer: with their row locked (`skip locked`: a customer another
   * transaction holds is left for the next pass), up to `limit` inbound messages still unlearned and
   * stored before `storedBefore` are observed, oldest first, folded and marked, all in one transaction.
   */
  async learnPending(
    customerId: string,
    storedBefore: Date,
    observe: (messages: StoredMessage[]) => Promise<MessageObservation[]>,
    limit = 100,
  ): Promise<PendingLearning> {
    return this.db.transaction(async (tx) => {
      if (!(await this.claimCustomer(tx, customerId))) return 'busy' as const;
      const pending = await this.timeline.unlearnedOf(customerId, storedBefore, limit, tx);
      if (pending.length === 0) return { learned: 0 };
      const { learned } = await this.recordMessages(customerId, await observe(pending), tx);
      return { learned };
    });
  }

  /**
   * The catch-up's step for one message on its own (when the customer's batch failed, so that one
   * message that cannot be learned does not hold up the others): with the customer row locked
   * (`skip locked`, as learnPending), the message is observed, folded and marked in one transaction.
   * A message learned or given up meanwhile counts for nothing.
   */
  async learnMessage(customerId: string, message: StoredMessage, observe: (messages: StoredMessage[]) => Promise<MessageObservation[]>): Promise<PendingLearning> {
    return this.db.transaction(async (tx) => {
      if (!(await this.claimCustomer(tx, customerId))) return 'busy' as const;
      const { learned } = await this.recordMessages(customerId, await observe([message]), tx);
      return { learned };
    });
  }

  async get(customerId: string): Promise<LearnedProfile | null> {
    if (!/^[0-9a-f-]{36}$/i.test(customerId)) return null;
    const rows = await queryRows<{ learned: unknown }>(this.db, sql`select attributes -> 'learned' as learned from customers where id = ${customerId}`);
    return rows.length ? parseLearnedProfile(rows[0].learned) : null;
  }

  /** False when another transaction holds the customer row (it is left for the next pass). */
  private async claimCustomer(tx: DbOrTx, customerId: string): Promise<boolean> {
    const claimed = await queryRows<{ id: string }>(tx, sql`select id from customers where id = ${customerId} for update skip locked`);
    return claimed.length > 0;
  }

  /** Locks the customer row; with it, whether their consent allows learning (read under the lock, so a withdrawal committed before counts). */
  private async lockCustomer(tx: DbOrTx, customerId: string): Promise<{ attributes: Record<string, unknown>; language: string | null; personalisationAllowed: boolean } | null> {
    const rows = await queryRows<{ attributes: Record<string, unknown>; language: string | null }>(
      tx,
      sql`select attributes, language from customers where id = ${customerId} for update`,
    );
    const row = rows[0];
    return row ? { ...row, personalisationAllowed: await personalisationAllowedFor(tx, customerId) } : null;
  }

  private async write(tx: DbOrTx, customerId: string, current: { attributes: Record<string, unknown>; language: string | null }, observations: readonly MessageObservation[]): Promise<LearnedProfile> {
    let next = parseLearnedProfile(current.attributes?.learned);
    for (const o of observations) next = learnFrom(next, o, this.options);
    const learned = next!;
    const detected = learned.language.value;
    // 'zh-CN' already says zh: keep the more precise tag; switch only when the primary language differs.
    const language = detected && (!current.language || current.language.split('-')[0].toLowerCase() !== detected) ? detected : current.language;
    await tx.execute(sql`update customers set attributes = jsonb_set(coalesce(attributes, '{}'::jsonb), '{learned}', ${JSON.stringify(learned)}::jsonb),
      language = ${language}, updated_at = now() where id = ${customerId}`);
    return learned;
  }
}

const keyOf = (k: InboundMessageKey) => `${k.channel}\u0000${k.conversationId}\u0000${k.activityId}`;

/** Nothing to fold: no language, no score, no preference (an empty message). */
function isEmpty(o: MessageObservation): boolean {
  return o.language === null && o.sentiment === null && o.preferences.length === 0;
}
