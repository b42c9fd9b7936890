/**
 * A ticket waiting on the customer (`pending_customer`, set by an agent's "waiting on you" reply):
 * the reminder (`followup.pending_reminder`, at PENDING_REMINDER_SECONDS) reminds the customer and
 * schedules, in the same transaction, the auto-close (`followup.pending_auto_close`,
 * PENDING_AUTO_CLOSE_SECONDS after the reminder), which closes the ticket, frees the agent and tells
 * the customer. Both are obsolete once the customer answered, the status moved, or a later
 * "waiting on you" reply scheduled its own reminder.
 */
import { UnrecoverableError, type Queue } from 'bullmq';
import { FOLLOW_UP_TOPICS, type FollowUpOutcome, type FollowUpService, type PendingAutoClosePayload, type PendingReminderPayload } from '../crm/support';
import { sendThrough } from './deliveries';

export const PENDING_REMINDER_TOPIC = FOLLOW_UP_TOPICS.pendingReminder;
export const PENDING_AUTO_CLOSE_TOPIC = FOLLOW_UP_TOPICS.pendingAutoClose;

export function isPendingReminderPayload(data: unknown): data is PendingReminderPayload {
  const d = data as Partial<PendingReminderPayload> | null;
  return !!d && typeof d.ticketId === 'string' && typeof d.pendingSince === 'string' && !Number.isNaN(Date.parse(d.pendingSince));
}

export function isPendingAutoClosePayload(data: unknown): data is PendingAutoClosePayload {
  return isPendingReminderPayload(data) && typeof (data as Partial<PendingAutoClosePayload>).remindedAt === 'string';
}

export class PendingReminderJob {
  constructor(private readonly o: { followUps: FollowUpService; deliveries: Queue }) {}

  async remind(payload: unknown): Promise<FollowUpOutcome> {
    if (!isPendingReminderPayload(payload)) throw new UnrecoverableError(`invalid pending reminder payload: ${JSON.stringify(payload)}`);
    return this.o.followUps.remindPending(payload, sendThrough(this.o.deliveries));
  }

  async autoClose(payload: unknown): Promise<FollowUpOutcome> {
    if (!isPendingAutoClosePayload(payload)) throw new UnrecoverableError(`invalid auto-close payload: ${JSON.stringify(payload)}`);
    return this.o.followUps.autoClosePending(payload, sendThrough(this.o.deliveries));
  }
}
