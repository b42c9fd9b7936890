/** Supervisor reports: what the dashboard shows, as plain data (definitions: crm/reports/README.md). */
import type { AgentFigures, ComponentKey, Period, ScoreComponent } from '../scores';

export type { Period };

/** One queue's state right now. Ages in seconds. */
export interface QueueHealth {
  queueId: string;
  name: string;
  /** Open tickets (new, assigned, pending customer, reopened). */
  backlog: number;
  /** Open tickets nobody holds (new or reopened, unassigned). */
  waiting: number;
  /** Open tickets held by an agent. */
  assigned: number;
  /** Open tickets not breached whose pending due time is within the horizon, or that were warned. */
  slaAtRisk: number;
  /** Open tickets past a pending due time (or with a breach recorded). */
  slaBreached: number;
  /** How long the longest-waiting unassigned ticket has waited (since creation or its latest reopen); null when none waits. */
  oldestWaitingSeconds: number | null;
  /** Online agents who are members of the queue, their total capacity and open tickets, and the room left. */
  onlineAgents: number;
  capacity: number;
  activeTickets: number;
  freeCapacity: number;
  /** `critical` with breaches or more waiting than free room; `warning` with tickets at risk or waiting; else `ok`. */
  level: 'ok' | 'warning' | 'critical';
}

export interface QueueHealthReport {
  at: Date;
  horizonMinutes: number;
  queues: QueueHealth[];
  totals: Omit<QueueHealth, 'queueId' | 'name' | 'level'>;
}

/** Counts of ratings 1..5 (index 0 is rating 1). */
export type RatingCounts = [number, number, number, number, number];

export interface CsatSummary {
  counts: RatingCounts;
  ratings: number;
  average: number | null;
  /** CSAT requests in the period, how many of them the customer answered (so far), and the share. */
  requested: number;
  responded: number;
  responseRate: number | null;
}

export interface CsatDistribution {
  period: Period;
  overall: CsatSummary;
  agents: Array<CsatSummary & { agentId: string; displayName: string }>;
}

/** One day (in the support team's time zone) of resolved conversations and their customers' sentiment. */
export interface SentimentDay {
  /** `YYYY-MM-DD`, a calendar day in the support team's time zone. */
  day: string;
  /** Tickets whose last resolution in the period fell on this day. */
  resolved: number;
  /** Of those, conversations with at least one customer message carrying a sentiment. */
  conversations: number;
  firstMean: number | null;
  lastMean: number | null;
  /** Conversations with at least two such messages, and the mean of (last − first). */
  changeConversations: number;
  changeMean: number | null;
}

export interface SentimentTrend {
  period: Period;
  days: SentimentDay[];
}

/** Tickets created and resolved per day (in the support team's time zone). */
export interface VolumeDay {
  day: string;
  created: number;
  resolved: number;
}

export interface VolumeTrend {
  period: Period;
  days: VolumeDay[];
}

/** A stored evaluation period and how many agents it scored. */
export interface ScorePeriod extends Period {
  agents: number;
  /** `day`, `week` (ISO, from Monday) or `month` when it is exactly one in the support team's time zone, else `custom`. */
  kind: 'day' | 'week' | 'month' | 'custom';
}

/** One line of the ranking table. */
export interface RankedAgent {
  /** 1-based; agents without a composite share no rank (null). */
  rank: number | null;
  agentId: string;
  displayName: string;
  email: string | null;
  composite: number | null;
  components: Array<Pick<ScoreComponent, 'key' | 'label' | 'value' | 'included' | 'reason' | 'subscore' | 'weight' | 'effectiveWeight' | 'points'>>;
  figures: AgentFigures;
}

export interface Ranking {
  period: Period | null;
  agents: RankedAgent[];
}

/** One agent's scores over time, oldest first. */
export interface AgentTrend {
  agent: { agentId: string; displayName: string; email: string | null };
  points: Array<{ period: Period } & Pick<RankedAgent, 'composite' | 'components' | 'figures'>>;
}

/** Every agent's composite over recent periods of one kind, aligned on `periods` (null: not scored then). */
export interface TeamScoreTrend {
  kind: 'day' | 'week';
  periods: Period[];
  agents: Array<{ agentId: string; displayName: string; composites: Array<number | null> }>;
}

export type { ComponentKey };
