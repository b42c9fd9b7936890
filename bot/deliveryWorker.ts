/**
 * The consumer of the `deliveries` queue, in web processes (roles `all` and `web`): sends what
 * follow-up jobs ask for through the delivery port (Direct Line transcript + push, or a Bot Connector
 * proactive message) and records it (crm `deliveries`).
 *
 * Idempotent per delivery id: a delivery already recorded sends nothing; on Direct Line the activity
 * is stored once per delivery id (the transcript's client-activity key), so a job retried after a
 * crash between the send and the record still shows the customer one copy. The Bot Connector has no
 * such key: there a crash in that window can repeat a message (at least once), never lose it.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { ConversationReferenceStore, DeliveryLog } from '../crm';
import { logWorkerProblems, workerOptions, isDeliveryRequest, QUEUE_NAMES, type DeliveryRequest, type QueueConnection } from '../workers';
import type { Delivery } from './delivery';
import type { FollowUpRenderer } from './followUpCards';

export type DeliveryOutcome = { outcome: 'delivered' | 'already_delivered'; deliveryId: string; activityIds: string[] };

export interface DeliveryWorkerOptions {
  delivery: Pick<Delivery, 'send' | 'sendUnstored'>;
  references: Pick<ConversationReferenceStore, 'get'>;
  deliveries: DeliveryLog;
  renderer: FollowUpRenderer;
  log: Logger;
}

export class DeliveryWorker {
  constructor(private readonly o: DeliveryWorkerOptions) {}

  async deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
    if (request.erasedConversation) {
      // Nothing recorded: a delivery record would name the erased conversation again. A retry may repeat the message.
      const { reference, afterSeq } = request.erasedConversation;
      const activityIds = await this.o.delivery.sendUnstored(reference, this.o.renderer.render(request.message, request.deliveryId), afterSeq);
      this.o.log.info({ deliveryId: request.deliveryId, kind: request.message.kind, channel: request.channel }, 'delivered to an erased conversation');
      return { outcome: 'delivered', deliveryId: request.deliveryId, activityIds };
    }
    const done = await this.o.deliveries.get(request.deliveryId);
    if (done) return { outcome: 'already_delivered', deliveryId: done.id, activityIds: done.activityIds };
    const reference = await this.o.references.get(request.channel, request.conversationId);
    if (!reference) throw new UnrecoverableError(`no conversation reference for ${request.channel} ${request.conversationId}`);
    const activityIds = await this.o.delivery.send(reference, this.o.renderer.render(request.message, request.deliveryId));
    await this.o.deliveries.record({ id: request.deliveryId, kind: request.message.kind, channel: request.channel, conversationId: request.conversationId, ticketId: request.ticketId, activityIds });
    this.o.log.info({ deliveryId: request.deliveryId, kind: request.message.kind, channel: request.channel }, 'delivered');
    return { outcome: 'delivered', deliveryId: request.deliveryId, activityIds };
  }
}

export function startDeliveryWorker(o: DeliveryWorkerOptions & QueueConnection & { concurrency?: number; lockDurationMs?: number; stalledIntervalMs?: number }): Worker<DeliveryRequest, DeliveryOutcome> {
  const deliverer = new DeliveryWorker(o);
  const worker = new Worker<DeliveryRequest, DeliveryOutcome>(
    QUEUE_NAMES.deliveries,
    async (job: Job<DeliveryRequest, DeliveryOutcome>) => {
      if (!isDeliveryRequest(job.data)) throw new UnrecoverableError(`invalid delivery request: ${JSON.stringify(job.data)}`);
      return deliverer.deliver(job.data);
    },
    // Short jobs: a job whose worker died, or whose lock was lost while Redis was away, runs again within
    // about 10 s (a rerun is harmless: the follow-ups decide under the ticket's lock, deliveries by id).
    workerOptions(o, { concurrency: 8, lockDurationMs: 10_000, stalledIntervalMs: 10_000 }),
  );
  logWorkerProblems(worker, o.log, 'delivery');
  return worker;
}
