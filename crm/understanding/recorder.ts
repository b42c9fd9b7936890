import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { intentLabels, messages, messageUnderstandings, type UnderstandingOutcome } from '../schema';
import { redactSensitive } from '../privacy';

export type { UnderstandingOutcome } from '../schema';

/** What the bot understood of one stored inbound message (a row of message_understandings). */
export interface MessageUnderstandingRecord {
  /** The stored inbound message (messages.id). */
  messageId: string;
  channel: string;
  conversationId: string;
  language: string;
  intent: string;
  confidence: number;
  ranking: Array<{ name: string; confidence: number }>;
  outOfScope: boolean;
  sentiment: { label: 'negative' | 'neutral' | 'positive'; score: number };
  modelVersion: string;
  /** What the bot did with the message, when the turn has decided it (written with the row: one statement). */
  outcome?: UnderstandingOutcome | null;
  outcomeReason?: string | null;
}

export type StoredUnderstanding = typeof messageUnderstandings.$inferSelect;
export type StoredIntentLabel = typeof intentLabels.$inferSelect;

/** A customer's answer to "Did you mean … or …?": the intent they meant, for the message asked about. */
export interface ClarificationLabel {
  messageId: string;
  text: string;
  language: string;
  intent: string;
  /** The model's top intent for that message (what the choice confirms or corrects). */
  previousIntent: string | null;
}

/**
 * Owner of message_understandings and intent_labels: the understanding of every inbound message,
 * recorded on its turn and then its outcome, and the labelled examples learned from use.
 */
export class UnderstandingRecorder {
  constructor(private readonly db: Db) {}

  /** The language of the customer's latest understood message (what to write to them in), if any. */
  async latestLanguageOf(customerId: string): Promise<string | null> {
    const [row] = await this.db
      .select({ language: messageUnderstandings.language })
      .from(messageUnderstandings)
      .innerJoin(messages, eq(messages.id, messageUnderstandings.messageId))
      .where(eq(messages.customerId, customerId))
      .orderBy(desc(messages.createdAt))
      .limit(1);
    return row?.language ?? null;
  }

  /** Records a message's understanding; false when it was recorded before (a re-run turn writes once). */
  async record(r: MessageUnderstandingRecord): Promise<boolean> {
    const inserted = await this.db
      .insert(messageUnderstandings)
      .values({
        messageId: r.messageId,
        channel: r.channel,
        conversationId: r.conversationId,
        language: r.language,
        intent: r.intent,
        confidence: finite(r.confidence),
        ranking: r.ranking.map((x) => ({ name: x.name, confidence: finite(x.confidence) })),
        outOfScope: r.outOfScope,
        sentimentLabel: r.sentiment.label,
        sentimentScore: finite(r.sentiment.score),
        modelVersion: r.modelVersion,
        ...(r.outcome ? { outcome: r.outcome, outcomeReason: r.outcomeReason ?? null } : {}),
      })
      .onConflictDoNothing()
      .returning({ messageId: messageUnderstandings.messageId });
    return inserted.length > 0;
  }

  /**
   * What the bot did with the message, once the turn decided; the first decision stays (a re-run
   * turn changes nothing). False when the message has no understanding or already has an outcome.
   */
  async recordOutcome(messageId: string, outcome: UnderstandingOutcome, reason?: string | null): Promise<boolean> {
    const updated = await this.db
      .update(messageUnderstandings)
      .set({ outcome, outcomeReason: reason ?? null })
      .where(and(eq(messageUnderstandings.messageId, messageId), isNull(messageUnderstandings.outcome)))
      .returning({ messageId: messageUnderstandings.messageId });
    return updated.length > 0;
  }

  /** The customer's clarification choice as a labelled example; a later choice for the same message replaces it. */
  async recordClarification(input: ClarificationLabel): Promise<void> {
    // Labelled examples are kept for training: never with a card number in them.
    const label = { ...input, text: redactSensitive(input.text) };
    await this.db
      .insert(intentLabels)
      .values({ ...label, source: 'clarification', labelledBy: 'customer' })
      .onConflictDoUpdate({
        target: [intentLabels.messageId, intentLabels.source],
        set: { text: label.text, language: label.language, intent: label.intent, previousIntent: label.previousIntent, labelledBy: 'customer', createdAt: sql`now()` },
      });
  }

  async forMessage(messageId: string): Promise<StoredUnderstanding | null> {
    const rows = await this.db.select().from(messageUnderstandings).where(eq(messageUnderstandings.messageId, messageId)).limit(1);
    return rows[0] ?? null;
  }

  async forConversation(channel: string, conversationId: string): Promise<StoredUnderstanding[]> {
    return this.db
      .select()
      .from(messageUnderstandings)
      .where(and(eq(messageUnderstandings.channel, channel), eq(messageUnderstandings.conversationId, conversationId)))
      .orderBy(messageUnderstandings.createdAt);
  }

  async labelsOf(messageId: string): Promise<StoredIntentLabel[]> {
    return this.db.select().from(intentLabels).where(eq(intentLabels.messageId, messageId));
  }
}

/** A NaN or an infinity from a broken model would poison every average the analytics take. */
function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}
