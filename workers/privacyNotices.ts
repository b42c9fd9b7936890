/**
 * Telling a customer in chat that the request they made there is done, through the delivery port.
 *
 * An erasure deletes the conversation's reference and transcript, so where to write is read before
 * it runs (the customer's latest conversation, the last activity the browser can have seen, the
 * language they last wrote in) and travels only in the queued delivery, which bullmq removes once it
 * has run. The message is sent after the erasure has committed, so it is true when it is read, and
 * the send stores nothing. An export's "ready" goes as any follow-up does (the conversation is there).
 */
import type { Queue } from 'bullmq';
import type { ConversationReferenceDocument, ConversationReferenceStore, TranscriptStore, UnderstandingRecorder } from '../crm';
import type { PrivacyRequest, PrivacyService } from '../crm/privacy';
import { DELIVERY_JOB_NAME, deliveryJobId, enqueueDelivery, type DeliveryRequest } from './deliveries';
import { withTimeout } from './queues';

/**
 * Seqs left free after the last stored activity, so the notice follows replies still being stored
 * when the erasure started (the browser shows only activities past what it already has).
 */
export const NOTICE_SEQ_MARGIN = 100;

/** Where and how to tell the customer, read before the erasure. */
export interface PrivacyNoticeTarget {
  reference: ConversationReferenceDocument;
  channel: string;
  conversationId: string;
  afterSeq: number | null;
  language: string;
}

export interface PrivacyNoticeOptions {
  references: Pick<ConversationReferenceStore, 'latestForCustomer'>;
  transcripts: Pick<TranscriptStore, 'lastSeq'>;
  understanding: Pick<UnderstandingRecorder, 'latestLanguageOf'>;
  deliveries: Queue;
}

/** How a request is named to the customer (the same as bot/privacyRequests.ts tells it). */
export function privacyNoticeReference(requestId: string): string {
  return `#${requestId.slice(0, 8).toUpperCase()}`;
}

export class PrivacyNotices {
  constructor(private readonly o: PrivacyNoticeOptions) {}

  /** The customer's latest conversation, or null when they never chatted (nobody to tell). */
  async target(customerId: string): Promise<PrivacyNoticeTarget | null> {
    const reference = await this.o.references.latestForCustomer(customerId);
    const channel = reference?.channelId;
    const conversationId = reference?.conversation?.id;
    if (!reference || !channel || !conversationId) return null;
    const last = channel === 'directline' ? await this.o.transcripts.lastSeq(conversationId) : null;
    const language = (await this.o.understanding.latestLanguageOf(customerId)) ?? 'en';
    return { reference, channel, conversationId, afterSeq: last === null ? null : last + NOTICE_SEQ_MARGIN, language };
  }

  /** After the erasure: the "done" message, carried with its way back; removed from Redis once run. */
  async erased(target: PrivacyNoticeTarget, requestId: string): Promise<void> {
    const delivery: DeliveryRequest = {
      deliveryId: `privacy-${requestId}`,
      channel: target.channel,
      conversationId: target.conversationId,
      ticketId: null,
      message: { kind: 'privacy_erased', language: target.language, request: privacyNoticeReference(requestId) },
      erasedConversation: { reference: target.reference, afterSeq: target.afterSeq },
    };
    await withTimeout(
      this.o.deliveries.add(DELIVERY_JOB_NAME, delivery, { jobId: deliveryJobId(delivery.deliveryId), removeOnComplete: true, removeOnFail: true }),
      5000,
      `enqueueing the erasure notice of ${requestId}`,
    );
  }

  /** After an export: "your copy is ready", in the customer's latest conversation. */
  async exported(target: PrivacyNoticeTarget, requestId: string): Promise<void> {
    await enqueueDelivery(this.o.deliveries, {
      deliveryId: `privacy-${requestId}`,
      channel: target.channel,
      conversationId: target.conversationId,
      ticketId: null,
      message: { kind: 'privacy_export_ready', language: target.language, request: privacyNoticeReference(requestId) },
    });
  }
}

/**
 * The privacy service's processing with the chat notice around it, for requests the customer made in
 * chat: the target is read before the run, the notice queued after it completed. A notice that could
 * not be queued fails the job; its retry finds the request completed and sends none (at most once).
 */
export function processWithNotices(privacy: Pick<PrivacyService, 'process' | 'requests'>, notices: PrivacyNotices): Pick<PrivacyService, 'process'> {
  return {
    async process(requestId: string): Promise<PrivacyRequest> {
      const before = await privacy.requests.get(requestId);
      const tell = before && before.source === 'chat' && before.customerId && (before.status === 'pending' || before.status === 'in_progress');
      const target = tell ? await notices.target(before.customerId!) : null;
      const done = await privacy.process(requestId);
      if (target && done.status === 'completed') {
        if (done.kind === 'erasure') await notices.erased(target, done.id);
        else await notices.exported(target, done.id);
      }
      return done;
    },
  };
}
