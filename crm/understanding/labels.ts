/**
 * Learned intent labels (table intent_labels, owner of it): an agent's "the bot misunderstood this",
 * a ticket's corrected category, a customer's clarification choice (written by the bot's turn). One
 * label per (message, source); labelling a message again from the same source replaces the label.
 * The retraining reads them all, the latest per message winning (nlp/retraining.ts).
 *
 * Messages and their understandings are read here (the text, the conversation, what the bot
 * understood) but written by their owners.
 */
import { createHash } from 'node:crypto';
import { desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db';
import { CrmError, NotFoundError } from '../errors';
import { queryRows } from '../commerce/rows';
import { intentLabels, messages, messageUnderstandings, type IntentLabelSource } from '../schema';
import { redactSensitive } from '../privacy';
import { detectLanguage, normalizeText } from '../../nlp/text';
import { isBuiltInIntent } from '../../nlp/intents';
import type { LearnedLabel } from '../../nlp/retraining';

export interface IntentLabelView {
  id: string;
  messageId: string | null;
  ticketId: string | null;
  text: string;
  language: string;
  intent: string;
  source: IntentLabelSource;
  previousIntent: string | null;
  labelledBy: string;
  createdAt: Date;
}

/** A customer message that can be labelled: its text, conversation and what the bot understood. */
export interface LabellableMessage {
  id: string;
  channel: string;
  conversationId: string;
  text: string;
  createdAt: Date;
  understood: { intent: string; language: string; confidence: number; outcome: string | null } | null;
}

/** The message is not one a customer wrote (only inbound messages teach the model). */
export class NotACustomerMessageError extends CrmError {
  constructor() {
    super('only customer messages can be labelled', 'not_a_customer_message');
  }
}

export class UnknownIntentError extends CrmError {
  constructor(intent: string) {
    super(`unknown intent ${intent}`, 'unknown_intent');
  }
}

export interface LabelRequest {
  messageId: string;
  intent: string;
  source: IntentLabelSource;
  /** 'customer', or `agent:<user id>`. */
  labelledBy: string;
  ticketId?: string | null;
}

export class IntentLabelStore {
  constructor(private readonly db: Db) {}

  /** An inbound message with the bot's understanding of it, or null when there is no such message. */
  async message(messageId: string, db: DbOrTx = this.db): Promise<(LabellableMessage & { direction: string }) | null> {
    const rows = await db
      .select({
        id: messages.id,
        channel: messages.channel,
        conversationId: messages.conversationId,
        direction: messages.direction,
        text: messages.text,
        createdAt: messages.createdAt,
        intent: messageUnderstandings.intent,
        language: messageUnderstandings.language,
        confidence: messageUnderstandings.confidence,
        outcome: messageUnderstandings.outcome,
      })
      .from(messages)
      .leftJoin(messageUnderstandings, eq(messageUnderstandings.messageId, messages.id))
      .where(eq(messages.id, messageId));
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id, channel: r.channel, conversationId: r.conversationId, direction: r.direction, text: r.text, createdAt: r.createdAt,
      understood: r.intent === null ? null : { intent: r.intent, language: r.language!, confidence: r.confidence!, outcome: r.outcome },
    };
  }

  /**
   * Labels a customer message (insert, or replace this source's earlier label of it); the text,
   * language and the intent the bot had understood are taken from the message and its understanding.
   */
  async label(req: LabelRequest, db: DbOrTx = this.db): Promise<IntentLabelView> {
    if (!isBuiltInIntent(req.intent)) throw new UnknownIntentError(req.intent);
    const m = await this.message(req.messageId, db);
    if (!m) throw new NotFoundError(`message ${req.messageId}`);
    if (m.direction !== 'inbound') throw new NotACustomerMessageError();
    const language = m.understood?.language ?? detectLanguage(normalizeText(m.text)).language;
    const values = {
      // The stored message is masked already; rows from before masking existed are masked here.
      text: redactSensitive(m.text),
      language,
      intent: req.intent,
      source: req.source,
      messageId: m.id,
      ticketId: req.ticketId ?? null,
      previousIntent: m.understood?.intent ?? null,
      labelledBy: req.labelledBy,
      createdAt: new Date(),
    };
    const [row] = await db
      .insert(intentLabels)
      .values(values)
      .onConflictDoUpdate({ target: [intentLabels.messageId, intentLabels.source], set: { intent: values.intent, labelledBy: values.labelledBy, ticketId: values.ticketId, previousIntent: values.previousIntent, createdAt: values.createdAt } })
      .returning();
    return row;
  }

  /** What the bot understood of these messages (those it stored an understanding for). */
  async understandingsOf(messageIds: readonly string[]) {
    if (messageIds.length === 0) return [];
    return this.db.select().from(messageUnderstandings).where(inArray(messageUnderstandings.messageId, [...messageIds]));
  }

  /** Every label of these messages, latest first. */
  async forMessages(messageIds: readonly string[]): Promise<IntentLabelView[]> {
    if (messageIds.length === 0) return [];
    return this.db.select().from(intentLabels).where(inArray(intentLabels.messageId, [...messageIds])).orderBy(desc(intentLabels.createdAt));
  }

  /**
   * The customer message a ticket's category came from: in the ticket's conversation, up to its
   * creation, the latest one the bot understood as the category, else the latest one. Null when the
   * conversation has none (a ticket opened without a chat).
   */
  async ticketSourceMessage(t: { channel: string; conversationId: string; createdAt: Date; category: string }, db: DbOrTx = this.db): Promise<string | null> {
    const [row] = await queryRows<{ id: string }>(
      db,
      sql`select m.id from messages m left join message_understandings u on u.message_id = m.id
          where m.channel = ${t.channel} and m.conversation_id = ${t.conversationId} and m.direction = 'inbound'
            and m.created_at <= ${t.createdAt.toISOString()}::timestamptz and length(trim(m.text)) > 0
          order by coalesce(u.intent = ${t.category}, false) desc, m.created_at desc, m.id desc
          limit 1`,
    );
    return row?.id ?? null;
  }

  /** The labels the retraining learns from: every label of a message that still exists (an erased message's label is not trained on). */
  async learnedLabels(): Promise<LearnedLabel[]> {
    const rows = await this.db
      .select({ key: intentLabels.messageId, text: intentLabels.text, intent: intentLabels.intent, language: intentLabels.language, source: intentLabels.source, at: intentLabels.createdAt })
      .from(intentLabels)
      .where(isNotNull(intentLabels.messageId))
      .orderBy(intentLabels.createdAt, intentLabels.id);
    return rows.map((r) => ({ ...r, key: r.key! }));
  }

  /** A fingerprint of the labels (count, latest change, content): a training request per stamp is one job. */
  async stamp(): Promise<string> {
    const [row] = await queryRows<{ n: number; latest: string | null; digest: string | null }>(
      this.db,
      sql`select count(*)::int as n, max(created_at)::text as latest,
                 md5(string_agg(coalesce(message_id::text, id::text) || ':' || source || ':' || intent, ',' order by id)) as digest
          from intent_labels where message_id is not null`,
    );
    return createHash('sha256').update(JSON.stringify(row)).digest('hex').slice(0, 16);
  }

  /** Counts by source (for the dashboard). */
  async counts(): Promise<Record<string, number>> {
    const rows = await this.db
      .select({ source: intentLabels.source, n: sql<number>`count(*)::int` })
      .from(intentLabels)
      .where(isNotNull(intentLabels.messageId))
      .groupBy(intentLabels.source);
    return Object.fromEntries(rows.map((r) => [r.source, r.n]));
  }
}
