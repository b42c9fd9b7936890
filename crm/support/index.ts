/** Tickets, routing and agents. */
import type { Db } from '../db';
import { AssignmentService } from './assignment';
import { AgentService, QueueService } from './agents';
import { TicketService } from './tickets';
import { FollowUpService, type FollowUpSettings } from './followups';
import type { RoutingConfig } from './routingConfig';
import type { LiveEventPublisher } from './types';

export * from './types';
export { AssignmentService, toTextArray } from './assignment';
export type { Assignment } from './assignment';
export { AgentService, QueueService } from './agents';
export type { AgentProfile } from './agents';
export { TicketService, InvalidTicketTransitionError } from './tickets';
export type { TicketFilter } from './tickets';
export * from './followups';
export { SLA_TOPIC, SlaTimerService, slaDedupeKey, slaTimerRows, isSlaPayload } from './slaTimers';
export type { SlaOutcome, SlaTimerPayload } from './slaTimers';
export { decidePriority, queueForCategory, slaDueTimes, chooseAgent } from './policy';
export type { AgentCandidate, PriorityDecision } from './policy';
export { defaultRoutingConfig, loadRoutingConfig, routingConfigSchema } from './routingConfig';
export type { RoutingConfig } from './routingConfig';

export interface Support {
  tickets: TicketService;
  agents: AgentService;
  queues: QueueService;
  assignment: AssignmentService;
  /** CSAT survey, pending reminder and auto-close, reopen (crm/support/followups.ts). */
  followUps: FollowUpService;
  config: RoutingConfig;
}

export function createSupport(o: { db: Db; config: RoutingConfig; live?: LiveEventPublisher; customerSegment?: (customerId: string) => Promise<string | null>; followUps?: Partial<FollowUpSettings> }): Support {
  const assignment = new AssignmentService(o.db, o.live);
  return {
    assignment,
    tickets: new TicketService({ db: o.db, config: o.config, assignment, live: o.live, customerSegment: o.customerSegment, followUps: o.followUps }),
    followUps: new FollowUpService({ db: o.db, assignment, live: o.live, settings: o.followUps, config: o.config }),
    agents: new AgentService(o.db, assignment, o.live),
    queues: new QueueService(o.db),
    config: o.config,
  };
}
export { RedisLiveEvents } from './liveEvents';
export type { LiveEventListener } from './liveEvents';
