/**
 * CSAT survey (`followup.csat` outbox topic → `followups` queue), written by `TicketService.resolve`
 * at resolve + CSAT_SURVEY_DELAY_SECONDS. Obsolete when the ticket was reopened or already rated;
 * otherwise records `csat_requested` {agentId} and enqueues the survey card for the customer, in one
 * transaction (crm/support/followups.ts): a worker killed mid-job leaves nothing, the retry does it,
 * the deterministic delivery id (`csat-<ticketId>-<n>`) keeps it to one card.
 */
import { UnrecoverableError, type Queue } from 'bullmq';
import { FOLLOW_UP_TOPICS, type CsatSurveyPayload, type FollowUpOutcome, type FollowUpService } from '../crm/support';
import { sendThrough } from './deliveries';

export const CSAT_SURVEY_TOPIC = FOLLOW_UP_TOPICS.csatSurvey;
export const CSAT_SURVEY_JOB_NAME = FOLLOW_UP_TOPICS.csatSurvey;

export function isCsatSurveyPayload(data: unknown): data is CsatSurveyPayload {
  const d = data as Partial<CsatSurveyPayload> | null;
  return !!d && typeof d.ticketId === 'string' && Number.isInteger(d.resolution) && (d.resolution ?? 0) >= 1;
}

export class CsatSurveyJob {
  constructor(private readonly o: { followUps: FollowUpService; deliveries: Queue }) {}

  async run(payload: unknown): Promise<FollowUpOutcome> {
    if (!isCsatSurveyPayload(payload)) throw new UnrecoverableError(`invalid CSAT survey payload: ${JSON.stringify(payload)}`);
    return this.o.followUps.requestCsat(payload, sendThrough(this.o.deliveries));
  }
}
