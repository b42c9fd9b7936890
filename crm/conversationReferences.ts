import { eq, and, desc } from 'drizzle-orm';
import type { Db } from './db';
import { conversationReferences } from './schema';

/** Opaque to crm/: the channel layer's way back to a conversation (a Bot Framework ConversationReference). */
export type ConversationReferenceDocument = Record<string, unknown> & { channelId?: string; conversation?: { id: string } };

export class ConversationReferenceStore {
  constructor(private readonly db: Db) {}

  async save(channelId: string, conversationId: string, reference: ConversationReferenceDocument, customerId?: string): Promise<void> {
    await this.db
      .insert(conversationReferences)
      .values({ channelId, conversationId, reference, customerId: customerId ?? null })
      .onConflictDoUpdate({
        target: [conversationReferences.channelId, conversationReferences.conversationId],
        set: { reference, customerId: customerId ?? null, updatedAt: new Date() },
      });
  }

  async get(channelId: string, conversationId: string): Promise<ConversationReferenceDocument | null> {
    const rows = await this.db
      .select({ reference: conversationReferences.reference })
      .from(conversationReferences)
      .where(and(eq(conversationReferences.channelId, channelId), eq(conversationReferences.conversationId, conversationId)))
      .limit(1);
    return (rows[0]?.reference as ConversationReferenceDocument | undefined) ?? null;
  }

  /** The customer's most recently active conversation (where to reach them proactively). */
  async latestForCustomer(customerId: string): Promise<ConversationReferenceDocument | null> {
    const rows = await this.db
      .select({ reference: conversationReferences.reference })
      .from(conversationReferences)
      .where(eq(conversationReferences.customerId, customerId))
      .orderBy(desc(conversationReferences.updatedAt))
      .limit(1);
    return (rows[0]?.reference as ConversationReferenceDocument | undefined) ?? null;
  }
}
