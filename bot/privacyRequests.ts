import { TurnContext } from 'botbuilder';
import type { ConversationReferenceStore } from '../crm';
import type { Language, PrivacyRequestKind, PrivacyRequestPort, PrivacyRequestReceipt } from '../dialogs';
import type { PrivacyService } from '../crm/privacy';
import { afterTurn } from './turnEnd';

/**
 * How a request is named to the customer, on the dashboard and to the team: the first eight
 * characters of its id, which are enough to tell requests apart and to find one.
 */
export function privacyRequestReference(request: { id: string }): string {
  return `#${request.id.slice(0, 8).toUpperCase()}`;
}

export interface ChatPrivacyRequestsOptions {
  service: Pick<PrivacyService, 'requestErasure' | 'requestExport' | 'requests'>;
  /**
   * Where the "done" notice is sent: the customer's latest conversation. The proof merged this chat's
   * visitor into the customer after the turn had stored its reference under the visitor, so the
   * reference is stored again under the customer, making this chat theirs and the latest.
   */
  references?: Pick<ConversationReferenceStore, 'save'>;
  /**
   * Queues the request's processing (workers/privacyRequestJob.ts). Started when the turn is over:
   * an erasure removes this very conversation, which must not happen while its reply is being stored.
   */
  enqueue?: (requestId: string) => Promise<unknown>;
  /** A request stored but not queued stays pending; the workers queue open requests at their next start. */
  onEnqueueError?: (err: unknown, requestId: string) => void;
}

/**
 * The privacy-request port: files the proven customer's request with crm/privacy (source "chat",
 * requested by the customer themself). The service keeps one open request per kind, so a repeat
 * gets the open one back: it is told as such, and not queued again.
 */
export class ChatPrivacyRequests implements PrivacyRequestPort {
  constructor(private readonly o: ChatPrivacyRequestsOptions) {}

  async request(context: TurnContext, r: { customerId: string; kind: PrivacyRequestKind; language: Language }): Promise<PrivacyRequestReceipt> {
    const open = await this.o.service.requests.openFor(r.customerId, r.kind);
    const filed = r.kind === 'erasure' ? await this.o.service.requestErasure(r.customerId, 'chat', null) : await this.o.service.requestExport(r.customerId, 'chat', null);
    const alreadyOpen = open?.id === filed.id;
    const conversationId = context.activity.conversation?.id;
    if (this.o.references && conversationId) {
      const reference = JSON.parse(JSON.stringify(TurnContext.getConversationReference(context.activity))) as Record<string, unknown>;
      // Proactive messages must not reply to a message the client may never have seen (as the timeline stores it).
      delete reference.activityId;
      await this.o.references.save(context.activity.channelId, conversationId, reference, r.customerId);
    }
    const enqueue = this.o.enqueue;
    if (enqueue && !alreadyOpen) afterTurn(context, () => enqueue(filed.id).catch((err: unknown) => this.o.onEnqueueError?.(err, filed.id)));
    return { reference: privacyRequestReference(filed), dueAt: filed.dueAt, alreadyOpen };
  }
}
