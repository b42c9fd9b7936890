/**
 * Pure routing decisions: a ticket's queue and priority, the order of a queue, and which agent takes
 * a ticket. No I/O: the assignment service feeds these with rows it has locked.
 */
import { TICKET_PRIORITIES, type TicketPriority } from '../schema';
import type { RoutingConfig } from './routingConfig';

export interface PriorityInput {
  category: string;
  sentiment: number;
  texts: string[];
  customerSegment?: string | null;
}

export interface PriorityDecision {
  priority: TicketPriority;
  score: number;
  reasons: string[];
}

const raise = (p: TicketPriority, levels = 1): TicketPriority =>
  TICKET_PRIORITIES[Math.min(TICKET_PRIORITIES.length - 1, TICKET_PRIORITIES.indexOf(p) + levels)];

/** Priority from sentiment, urgency cues, the category and the customer's value, with its reasons. */
export function decidePriority(input: PriorityInput, config: RoutingConfig): PriorityDecision {
  const rules = config.priority;
  const reasons: string[] = [];
  let priority: TicketPriority = 'normal';
  let score = 0;
  if (rules.highCategories.includes(input.category)) {
    priority = 'high';
    reasons.push(`category ${input.category} starts high`);
  }
  if (input.sentiment <= rules.negativeSentimentUrgent) {
    priority = 'urgent';
    reasons.push(`very negative sentiment (${input.sentiment.toFixed(2)})`);
  } else if (input.sentiment <= rules.negativeSentimentHigh) {
    if (TICKET_PRIORITIES.indexOf(priority) < TICKET_PRIORITIES.indexOf('high')) priority = 'high';
    else priority = raise(priority);
    reasons.push(`negative sentiment (${input.sentiment.toFixed(2)})`);
  } else if (input.sentiment <= -0.15) {
    reasons.push(`somewhat negative sentiment (${input.sentiment.toFixed(2)}): ahead of neutral tickets of its level`);
  }
  if (input.sentiment < 0) score += Math.round(-input.sentiment * rules.weights.negativeSentiment);
  const text = input.texts.join(' \n ').toLowerCase();
  const cue = rules.urgencyCues.find((c) => text.includes(c.toLowerCase()));
  if (cue) {
    priority = raise(priority);
    score += rules.weights.urgencyCue;
    reasons.push(`urgency cue "${cue}"`);
  }
  if (input.customerSegment && rules.valuedSegments.includes(input.customerSegment)) {
    priority = raise(priority);
    score += rules.weights.valuedCustomer;
    reasons.push(`valued customer (${input.customerSegment})`);
  }
  if (reasons.length === 0) reasons.push('no urgency signals');
  return { priority, score: rules.weights.base[priority] + score, reasons };
}

export function queueForCategory(category: string, config: RoutingConfig): string {
  const queue = config.queues.find((q) => q.categories.includes(category)) ?? config.queues.find((q) => q.default)!;
  return queue.id;
}

export function slaDueTimes(priority: TicketPriority, from: Date, config: RoutingConfig): { firstResponseDueAt: Date; resolutionDueAt: Date } {
  const sla = config.sla[priority];
  return {
    firstResponseDueAt: new Date(from.getTime() + sla.firstResponseMinutes * 60_000),
    resolutionDueAt: new Date(from.getTime() + sla.resolutionMinutes * 60_000),
  };
}

export interface AgentCandidate {
  userId: string;
  skills: string[];
  languages: string[];
  status: 'online' | 'away' | 'offline';
  activeTickets: number;
  maxConcurrent: number;
  lastAssignedAt: Date | null;
}

export interface AgentChoice {
  agent: AgentCandidate;
  reason: string;
}

/**
 * Among online agents with the skill (category), the language and spare capacity: the least loaded
 * (fewest open tickets), then round-robin (longest since their last assignment). Language is
 * preferred, not required, when no agent speaks it.
 */
export function chooseAgent(ticket: { category: string; language: string }, candidates: AgentCandidate[]): AgentChoice | null {
  const eligible = candidates.filter((a) => a.status === 'online' && a.activeTickets < a.maxConcurrent && a.skills.includes(ticket.category));
  if (eligible.length === 0) return null;
  const speakers = eligible.filter((a) => a.languages.includes(ticket.language));
  const pool = speakers.length > 0 ? speakers : eligible;
  const sorted = [...pool].sort(
    (a, b) =>
      a.activeTickets - b.activeTickets ||
      (a.lastAssignedAt?.getTime() ?? 0) - (b.lastAssignedAt?.getTime() ?? 0) ||
      a.userId.localeCompare(b.userId),
  );
  const agent = sorted[0];
  const tie = sorted.filter((a) => a.activeTickets === agent.activeTickets).length;
  const reason =
    `online, skill ${ticket.category}` +
    (speakers.length > 0 ? `, speaks ${ticket.language}` : `, no online agent speaks ${ticket.language}`) +
    `, least loaded (${agent.activeTickets}/${agent.maxConcurrent} open)` +
    (tie > 1 ? `, round-robin among ${tie} equally loaded` : '');
  return { agent, reason };
}
