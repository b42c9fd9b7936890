import { randomUUID } from 'node:crypto';
import type { Db } from '../../crm';
import { Timeline } from '../../crm';
import { messages, messageUnderstandings, type UnderstandingOutcome } from '../../crm/schema';
import { and, eq } from 'drizzle-orm';

/**
 * What the bot's turn records (another part writes it in production): a customer message in the
 * timeline and the bot's understanding of it, straight into the real database.
 */
export interface UnderstoodMessage {
  customerId: string;
  channel?: string;
  conversationId: string;
  text: string;
  intent: string;
  confidence?: number;
  language?: string;
  outcome?: UnderstandingOutcome | null;
  reason?: string | null;
  modelVersion?: string;
  at?: Date;
  ranking?: Array<{ name: string; confidence: number }>;
}

export async function recordUnderstood(db: Db, m: UnderstoodMessage): Promise<string> {
  const channel = m.channel ?? 'directline';
  const activityId = `act-${randomUUID()}`;
  const at = m.at ?? new Date();
  await new Timeline(db).record({ customerId: m.customerId, channel, conversationId: m.conversationId, direction: 'inbound', author: 'customer', text: m.text, activityId, at });
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.channel, channel), eq(messages.conversationId, m.conversationId), eq(messages.activityId, activityId)));
  const confidence = m.confidence ?? 0.8;
  await db.insert(messageUnderstandings).values({
    messageId: row.id,
    channel,
    conversationId: m.conversationId,
    language: m.language ?? (/[\u4e00-\u9fff]/.test(m.text) ? 'zh' : 'en'),
    intent: m.intent,
    confidence,
    ranking: m.ranking ?? [{ name: m.intent, confidence }],
    outOfScope: m.intent === 'out_of_scope',
    sentimentLabel: 'neutral',
    sentimentScore: 0,
    modelVersion: m.modelVersion ?? 'intent-test-model',
    outcome: m.outcome === undefined ? 'answered' : m.outcome,
    outcomeReason: m.reason ?? null,
    createdAt: at,
  });
  return row.id;
}

/** A bot reply in the conversation (outbound, not labellable). */
export async function recordBotReply(db: Db, o: { customerId: string; channel?: string; conversationId: string; text: string; at?: Date }): Promise<string> {
  const channel = o.channel ?? 'directline';
  const activityId = `bot-${randomUUID()}`;
  await new Timeline(db).record({ customerId: o.customerId, channel, conversationId: o.conversationId, direction: 'outbound', author: 'bot', text: o.text, activityId, at: o.at ?? new Date() });
  const [row] = await db.select({ id: messages.id }).from(messages).where(and(eq(messages.conversationId, o.conversationId), eq(messages.activityId, activityId)));
  return row.id;
}
