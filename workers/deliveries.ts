/**
 * Delivery requests: how workers reach customers without importing bot/. A job puts a request on the
 * `deliveries` queue; a web process (bot/deliveryWorker.ts) renders it for the channel and sends it.
 * The request's `deliveryId` is deterministic (`csat-<ticketId>-<n>`): it is the bullmq job id (a
 * request enqueued twice is one job) and the idempotency key of the send (a retried job never shows
 * the customer a second copy).
 */
import type { Queue } from 'bullmq';
import type { ConversationReferenceDocument } from '../crm';
import type { FollowUpMessage, SendFollowUp } from '../crm/support';
import { jobIdForKey, withTimeout } from './queues';

export const DELIVERY_JOB_NAME = 'deliver';

/** What to say, rendered by the bot in the ticket's language (texts in dialogs/content.ts). */
export type DeliveryMessage =
  | { kind: 'csat_survey'; language: string; ticketId: string; ticketNumber: number; resolution: number }
  | { kind: 'pending_reminder'; language: string; ticketNumber: number }
  | { kind: 'auto_closed'; language: string; ticketNumber: number }
  | { kind: 'text'; text: string }
  /** A data-subject request done: {request} its reference as the customer was told it. */
  | { kind: 'privacy_erased'; language: string; request: string }
  | { kind: 'privacy_export_ready'; language: string; request: string };

export interface DeliveryRequest {
  deliveryId: string;
  channel: string;
  conversationId: string;
  ticketId: string | null;
  message: DeliveryMessage;
  /**
   * A conversation whose records are erased by the time this is sent: the way back travels with the
   * request (only in this queued job, removed once it ran), and the send stores nothing.
   */
  erasedConversation?: { reference: ConversationReferenceDocument; afterSeq: number | null };
}

export function isDeliveryRequest(data: unknown): data is DeliveryRequest {
  const d = data as Partial<DeliveryRequest> | null;
  return !!d && typeof d.deliveryId === 'string' && /^[\w.-]{1,200}$/.test(d.deliveryId) && typeof d.channel === 'string' && typeof d.conversationId === 'string' && !!d.message && typeof d.message.kind === 'string';
}

export function deliveryJobId(deliveryId: string): string {
  return jobIdForKey(`delivery:${deliveryId}`);
}

/** The request for a follow-up's message. */
export function deliveryRequestFor(m: FollowUpMessage): DeliveryRequest {
  const t = m.ticket;
  const base = { deliveryId: m.deliveryId, channel: t.channel, conversationId: t.conversationId, ticketId: t.id };
  if (m.kind === 'csat_survey') return { ...base, message: { kind: 'csat_survey', language: t.language, ticketId: t.id, ticketNumber: t.number, resolution: t.reopenCount + 1 } };
  return { ...base, message: { kind: m.kind, language: t.language, ticketNumber: t.number } };
}

/**
 * Enqueues a delivery (idempotent: the job id is the delivery id). Fails within `timeoutMs` when
 * Redis does not answer, so the caller's transaction rolls back and its job is retried.
 */
export async function enqueueDelivery(queue: Queue, request: DeliveryRequest, timeoutMs = 5000): Promise<void> {
  await withTimeout(queue.add(DELIVERY_JOB_NAME, request, { jobId: deliveryJobId(request.deliveryId) }), timeoutMs, `enqueueing delivery ${request.deliveryId}`);
}

/** How the follow-up jobs send: each message as its delivery request on the `deliveries` queue. */
export function sendThrough(queue: Queue): SendFollowUp {
  return (m) => enqueueDelivery(queue, deliveryRequestFor(m));
}
