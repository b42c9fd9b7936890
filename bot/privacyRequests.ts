import type { TurnContext } from 'botbuilder';
import type { Language, PrivacyRequestKind, PrivacyRequestPort, PrivacyRequestReceipt } from '../dialogs';

/** What the chat needs of a filed request (crm/privacy's PrivacyRequest). */
export interface FiledPrivacyRequest {
  id: string;
  kind: PrivacyRequestKind;
  dueAt: Date;
}

/** The part of crm/privacy's PrivacyService the chat files with. */
export interface PrivacyRequestFiling {
  requestErasure(customerId: string, source: 'chat', requestedBy?: string | null): Promise<FiledPrivacyRequest>;
  requestExport(customerId: string, source: 'chat', requestedBy?: string | null): Promise<FiledPrivacyRequest>;
  readonly requests: { openFor(customerId: string, kind: PrivacyRequestKind): Promise<FiledPrivacyRequest | undefined> };
}

/**
 * How a request is named to the customer, on the dashboard and to the team: the first eight
 * characters of its id, which are enough to tell requests apart and to find one.
 */
export function privacyRequestReference(request: Pick<FiledPrivacyRequest, 'id'>): string {
  return `#${request.id.slice(0, 8).toUpperCase()}`;
}

/**
 * The privacy-request port: files the proven customer's request with crm/privacy (source "chat",
 * requested by the customer themself). The service keeps one open request per kind, so a repeat
 * gets the open one back: it is told as such.
 */
export class ChatPrivacyRequests implements PrivacyRequestPort {
  constructor(private readonly o: { service: PrivacyRequestFiling }) {}

  async request(_context: TurnContext, r: { customerId: string; kind: PrivacyRequestKind; language: Language }): Promise<PrivacyRequestReceipt> {
    const open = await this.o.service.requests.openFor(r.customerId, r.kind);
    const filed = r.kind === 'erasure' ? await this.o.service.requestErasure(r.customerId, 'chat', null) : await this.o.service.requestExport(r.customerId, 'chat', null);
    return { reference: privacyRequestReference(filed), dueAt: filed.dueAt, alreadyOpen: open?.id === filed.id };
  }
}
