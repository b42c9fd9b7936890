import type { AgentStatus, TicketPriority, TicketStatus, UserRole } from '../schema';

export type { AgentStatus, TicketPriority, TicketStatus, UserRole };

/** What the bot knows when it asks for a person. */
export interface HandoffRequest {
  customerId: string;
  channel: string;
  conversationId: string;
  /** NLP intent that led here (becomes the category), e.g. `billing`; `general` if unknown. */
  intent: string;
  language: string;
  /** Customer sentiment in [-1, 1]. */
  sentiment: number;
  /** The customer's recent words, newest last (used for the subject, summary and urgency cues). */
  recentMessages: string[];
  entities: Array<{ type: string; text: string; value?: unknown }>;
  /** Why the bot hands over: asked for a person, complaint, strong negative sentiment, unresolved, a language the bot does not speak, a problem reported (a double charge). */
  trigger: 'asked_for_person' | 'complaint' | 'negative_sentiment' | 'unresolved' | 'other_language' | 'reported_problem';
  /** The customer's words that state the problem (the ticket's subject); default: the latest of `recentMessages`. */
  subject?: string;
}

export interface TicketView {
  id: string;
  number: number;
  customerId: string;
  channel: string;
  conversationId: string;
  queueId: string;
  category: string;
  priority: TicketPriority;
  priorityScore: number;
  language: string;
  sentiment: number;
  subject: string;
  summary: string;
  entities: Array<Record<string, unknown>>;
  status: TicketStatus;
  assignedAgentId: string | null;
  routing: { reason: string; [k: string]: unknown };
  createdAt: Date;
  updatedAt: Date;
  assignedAt: Date | null;
  firstResponseAt: Date | null;
  firstResponseDueAt: Date;
  resolutionDueAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
  reopenCount: number;
}

export interface AgentView {
  userId: string;
  displayName: string;
  email: string;
  skills: string[];
  languages: string[];
  maxConcurrent: number;
  status: AgentStatus;
  activeTickets: number;
  queues: string[];
}

/** Live events for consoles (fanned out to every instance through Redis). */
export type LiveEvent =
  | { type: 'ticket.changed'; ticketId: string; queueId: string; assignedAgentId: string | null; status: TicketStatus }
  | { type: 'ticket.message'; ticketId: string; queueId: string; assignedAgentId: string | null; direction: 'inbound' | 'outbound'; author: string; text: string; at: string }
  | { type: 'agent.changed'; userId: string; status: AgentStatus; activeTickets: number }
  /**
   * An SLA is about to be missed (`sla.warning`, before the due time) or was missed (`sla.breached`):
   * for the assigned agent (or the queue when unassigned) and, when `notifySupervisors`, supervisors.
   */
  | { type: 'sla.warning' | 'sla.breached'; ticketId: string; queueId: string; assignedAgentId: string | null; kind: SlaKind; priority: TicketPriority; dueAt: string; notifySupervisors: boolean };

/** Which SLA a timer watches: the first agent response or the resolution. */
export type SlaKind = 'first_response' | 'resolution';

/** Publishes live events; the bot edge and workers implement it on Redis. */
export interface LiveEventPublisher {
  publish(event: LiveEvent): Promise<void>;
}
