import { and, asc, count, countDistinct, desc, eq, gte, isNotNull, isNull, lt, min, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from './db';
import { customers, identities, messages } from './schema';
import { redactSensitive } from './privacy/redaction';
import { ErasedCustomerError, Tombstones } from './privacy/tombstones';

export interface ChannelIdentity {
  /** Identity kind: `directline`, `msteams`, `email`, `phone`, … */
  kind: string;
  externalId: string;
  displayName?: string;
  language?: string;
}

export interface CustomerRecord {
  id: string;
  displayName: string | null;
  email: string | null;
  language: string | null;
}

/** Rollback signal when another transaction created the same identity first. */
class IdentityRace extends Error {}

/** Maps channel users to customers: one customer, created on first contact. */
export class CustomerDirectory {
  constructor(private readonly db: Db) {}

  async resolve(identity: ChannelIdentity): Promise<CustomerRecord> {
    const existing = await this.findByIdentity(identity.kind, identity.externalId);
    if (existing) return existing;
    // A handle of an erased person does not bring them back (crm/privacy tombstones).
    if (await new Tombstones(this.db).isErased(identity.kind, identity.externalId)) throw new ErasedCustomerError();
    try {
      return await this.db.transaction(async (tx) => {
        const [customer] = await tx
          .insert(customers)
          .values({ displayName: identity.displayName ?? null, language: identity.language ?? null })
          .returning();
        const linked = await tx
          .insert(identities)
          .values({ customerId: customer.id, kind: identity.kind, externalId: identity.externalId })
          .onConflictDoNothing()
          .returning({ id: identities.id });
        if (linked.length === 0) throw new IdentityRace();
        return toRecord(customer);
      });
    } catch (err) {
      if (!(err instanceof IdentityRace)) throw err;
      const winner = await this.findByIdentity(identity.kind, identity.externalId);
      if (!winner) throw new Error('identity vanished after a concurrent insert');
      return winner;
    }
  }

  async findByIdentity(kind: string, externalId: string, db: DbOrTx = this.db): Promise<CustomerRecord | null> {
    const rows = await db
      .select({ id: customers.id, displayName: customers.displayName, email: customers.email, language: customers.language })
      .from(identities)
      .innerJoin(customers, eq(customers.id, identities.customerId))
      .where(and(eq(identities.kind, kind), eq(identities.externalId, externalId)))
      .limit(1);
    return rows[0] ?? null;
  }

  async get(id: string): Promise<CustomerRecord | null> {
    const rows = await this.db.select().from(customers).where(eq(customers.id, id)).limit(1);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The channel handles that point at this customer, oldest first. */
  async identitiesOf(customerId: string): Promise<Array<{ kind: string; externalId: string; createdAt: Date }>> {
    return this.db
      .select({ kind: identities.kind, externalId: identities.externalId, createdAt: identities.createdAt })
      .from(identities)
      .where(eq(identities.customerId, customerId))
      .orderBy(asc(identities.createdAt), asc(identities.id));
  }
}

function toRecord(row: typeof customers.$inferSelect): CustomerRecord {
  return { id: row.id, displayName: row.displayName, email: row.email, language: row.language };
}

export interface TimelineMessage {
  customerId: string;
  channel: string;
  conversationId: string;
  direction: 'inbound' | 'outbound';
  author: string;
  text: string;
  activityId: string;
  at?: Date;
}

export type StoredMessage = typeof messages.$inferSelect;

/** An error kept on a message is for a person reading it: the start of it is enough. */
const LEARN_ERROR_MAX_LENGTH = 1000;

/** Inbound messages the learning catch-up still has to learn: not learned, not given up. */
const stillToLearn = () => and(eq(messages.direction, 'inbound'), isNull(messages.learnedAt), isNull(messages.learnFailedAt));
/** Inbound messages the learning catch-up gave up on (never learned). */
const givenUp = () => and(eq(messages.direction, 'inbound'), isNull(messages.learnedAt), isNotNull(messages.learnFailedAt));

/** An inbound message by its channel activity (unique per conversation): how learning names it. */
export interface InboundMessageKey {
  channel: string;
  conversationId: string;
  activityId: string;
}

/** A message as the timeline stores it: card numbers and IBANs masked, whoever wrote it (ingest masks too; this is the last line). */
function storedForm(message: TimelineMessage) {
  return { ...message, text: redactSensitive(message.text ?? ''), createdAt: message.at ?? new Date() };
}

/** The customer's message timeline. Recording is idempotent per channel activity. */
export class Timeline {
  constructor(private readonly db: Db) {}

  /** Returns true when the message was new, false when this activity was already recorded. */
  async record(message: TimelineMessage, db: DbOrTx = this.db): Promise<boolean> {
    const inserted = await db
      .insert(messages)
      .values(storedForm(message))
      .onConflictDoNothing()
      .returning({ id: messages.id });
    return inserted.length > 0;
  }

  /**
   * Records a message like `record` and returns its id, also when this activity was stored before (a
   * re-run turn): what the message's understanding and labels refer to.
   */
  async recordReturningId(message: TimelineMessage, db: DbOrTx = this.db): Promise<{ id: string; isNew: boolean }> {
    const inserted = await db
      .insert(messages)
      .values(storedForm(message))
      .onConflictDoNothing()
      .returning({ id: messages.id });
    if (inserted[0]) return { id: inserted[0].id, isNew: true };
    const [existing] = await db
      .select({ id: messages.id })
      .from(messages)
      .where(
        and(
          eq(messages.channel, message.channel),
          eq(messages.conversationId, message.conversationId),
          eq(messages.activityId, message.activityId),
          eq(messages.direction, message.direction),
        ),
      )
      .limit(1);
    return { id: existing.id, isNew: false };
  }

  async forCustomer(customerId: string, limit = 500): Promise<StoredMessage[]> {
    return this.db
      .select()
      .from(messages)
      .where(eq(messages.customerId, customerId))
      .orderBy(asc(messages.createdAt), asc(messages.id))
      .limit(limit);
  }

  /**
   * Customers with inbound messages still to learn (learned_at null, not given up) that were stored
   * before `storedBefore`, the one with the oldest such message first. Reads the partial index messages_unlearned_idx.
   */
  async customersWithUnlearned(storedBefore: Date, limit: number): Promise<string[]> {
    const rows = await this.db
      .select({ customerId: messages.customerId })
      .from(messages)
      .where(and(stillToLearn(), lt(messages.createdAt, storedBefore)))
      .groupBy(messages.customerId)
      .orderBy(min(messages.createdAt))
      .limit(limit);
    return rows.map((r) => r.customerId);
  }

  /** One customer's inbound messages still to learn (not learned, not given up), stored before `storedBefore`, oldest first. */
  async unlearnedOf(customerId: string, storedBefore: Date, limit: number, db: DbOrTx = this.db): Promise<StoredMessage[]> {
    return db
      .select()
      .from(messages)
      .where(and(eq(messages.customerId, customerId), stillToLearn(), lt(messages.createdAt, storedBefore)))
      .orderBy(asc(messages.createdAt), asc(messages.id))
      .limit(limit);
  }

  /**
   * Marks these inbound messages of the customer learned, and returns the ones marked now: a message
   * learned before, given up (recordLearningFailure) or moved to another customer by a merge is not returned. Used inside the
   * transaction that writes the learned profile, so "learned" and "marked" commit together.
   */
  async markLearned(customerId: string, keys: readonly InboundMessageKey[], db: DbOrTx = this.db): Promise<InboundMessageKey[]> {
    if (keys.length === 0) return [];
    return db
      .update(messages)
      // The clock with the customer row locked, not the transaction's start: a merge's undo compares it with the merge's created_at.
      .set({ learnedAt: sql`clock_timestamp()`, learnError: null })
      .where(
        and(
          eq(messages.customerId, customerId),
          // Given up is final: a late success (a process that still held it) does not half-revive it.
          stillToLearn(),
          or(...keys.map((k) => and(eq(messages.channel, k.channel), eq(messages.conversationId, k.conversationId), eq(messages.activityId, k.activityId)))),
        ),
      )
      .returning({ channel: messages.channel, conversationId: messages.conversationId, activityId: messages.activityId });
  }

  /**
   * Counts a failed attempt at learning this inbound message on its own, and gives it up (learn_failed_at
   * set: never picked again) at the `maxAttempts`th. Its own statement, outside the learning's
   * transaction, so the rollback of the failed learning does not undo the count. Null when the message
   * is no longer waiting (learned or given up meanwhile, e.g. by another process).
   */
  async recordLearningFailure(messageId: string, error: string, maxAttempts: number): Promise<{ attempts: number; gaveUp: boolean } | null> {
    const rows = await this.db
      .update(messages)
      .set({
        learnAttempts: sql`${messages.learnAttempts} + 1`,
        learnError: error.slice(0, LEARN_ERROR_MAX_LENGTH),
        learnFailedAt: sql`case when ${messages.learnAttempts} + 1 >= ${maxAttempts} then now() end`,
      })
      .where(and(eq(messages.id, messageId), stillToLearn()))
      .returning({ attempts: messages.learnAttempts, failedAt: messages.learnFailedAt });
    return rows[0] ? { attempts: rows[0].attempts, gaveUp: rows[0].failedAt !== null } : null;
  }

  /**
   * Learning the catch-up gave up on (learn_failed_at set, never learned): how many messages, and
   * the most common last errors, for an operator deciding whether to retry them.
   */
  async givenUpLearning(): Promise<{ messages: number; customers: number; errors: Array<{ error: string; messages: number }> }> {
    const [totals] = await this.db.select({ messages: count(), customers: countDistinct(messages.customerId) }).from(messages).where(givenUp());
    const errors = await this.db
      .select({ error: sql<string>`coalesce(${messages.learnError}, '')`, messages: count() })
      .from(messages)
      .where(givenUp())
      .groupBy(sql`1`)
      .orderBy(desc(count()))
      .limit(5);
    return { messages: totals.messages, customers: totals.customers, errors };
  }

  /**
   * Puts messages the catch-up gave up on back in its queue (attempts from zero), e.g. once the cause
   * is fixed: "given up" loses nothing for good. Only those given up at or after `since`, when set.
   */
  async retryGivenUpLearning(since?: Date): Promise<number> {
    const rows = await this.db
      .update(messages)
      .set({ learnFailedAt: null, learnAttempts: 0 })
      .where(and(givenUp(), since ? gte(messages.learnFailedAt, since) : undefined))
      .returning({ id: messages.id });
    return rows.length;
  }

  async forConversation(channel: string, conversationId: string): Promise<StoredMessage[]> {
    return this.db
      .select()
      .from(messages)
      .where(and(eq(messages.channel, channel), eq(messages.conversationId, conversationId)))
      .orderBy(asc(messages.createdAt), asc(messages.id));
  }
}
