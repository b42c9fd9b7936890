import type { TurnContext } from 'botbuilder';
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
    const enqueue = this.o.enqueue;
    if (enqueue && !alreadyOpen) afterTurn(context, () => enqueue(filed.id).catch((err: unknown) => this.o.onEnqueueError?.(err, filed.id)));
    return { reference: privacyRequestReference(filed), dueAt: filed.dueAt, alreadyOpen };
  }
}
