/**
 * Closing a resolved ticket once the reopen window has passed (`followup.close_resolved`, written by
 * `TicketService.resolve` at resolve + REOPEN_WINDOW_SECONDS, also for a hand-back, which never
 * reopens). Obsolete if the ticket was reopened or moved meanwhile.
 */
import { UnrecoverableError } from 'bullmq';
import { FOLLOW_UP_TOPICS, type CloseResolvedPayload, type FollowUpOutcome, type FollowUpService } from '../crm/support';

export const CLOSE_RESOLVED_TOPIC = FOLLOW_UP_TOPICS.closeResolved;

export function isCloseResolvedPayload(data: unknown): data is CloseResolvedPayload {
  const d = data as Partial<CloseResolvedPayload> | null;
  return !!d && typeof d.ticketId === 'string' && Number.isInteger(d.resolution);
}

export class ResolvedCloseJob {
  constructor(private readonly o: { followUps: FollowUpService }) {}

  async run(payload: unknown): Promise<FollowUpOutcome> {
    if (!isCloseResolvedPayload(payload)) throw new UnrecoverableError(`invalid close payload: ${JSON.stringify(payload)}`);
    return this.o.followUps.closeResolved(payload);
  }
}
