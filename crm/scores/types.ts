/**
 * Agent performance scores: the figures per agent and period, and how the composite 0–100 is formed.
 * Definitions of every figure: crm/scores/README.md.
 */

/** A half-open interval [start, end). */
export interface Period {
  start: Date;
  end: Date;
}

/** The measured figures of one agent in one period. Times are in seconds; rates are in [0, 1]. */
export interface AgentFigures {
  /** Distinct tickets with a `resolved` event by the agent in the period (the "handled" tickets). */
  ticketsHandled: number;
  /** Handled tickets with a first response at or after their assignment (the first-response sample). */
  firstResponseSamples: number;
  /** firstResponseAt − assignedAt, median and 90th percentile (linear interpolation), seconds. */
  firstResponseMedianSeconds: number | null;
  firstResponseP90Seconds: number | null;
  /** Agent's resolution − ticket createdAt over handled tickets, seconds. */
  resolutionMedianSeconds: number | null;
  resolutionP90Seconds: number | null;
  resolutionMeanSeconds: number | null;
  /** Handled tickets that met the first-response target, the resolution target, and both. */
  slaFirstResponseMet: number;
  slaResolutionMet: number;
  slaMet: number;
  /** slaMet / ticketsHandled. */
  slaCompliance: number | null;
  /** Handled tickets rated by the customer for this agent, and the sum and mean of those ratings (1–5). */
  csatRatings: number;
  csatSum: number;
  csatAverage: number | null;
  /** Handled tickets where the agent's CSAT was requested, and how many of those were answered. */
  csatRequested: number;
  csatResponded: number;
  /** csatResponded / csatRequested. */
  csatResponseRate: number | null;
  /** Handled tickets reopened after the agent's resolution. */
  reopened: number;
  /** reopened / ticketsHandled. */
  reopenRate: number | null;
  /** Distinct tickets the agent held during the period (assigned, transferred to or from, or resolved). */
  ticketsHeld: number;
  /** Distinct tickets transferred away from the agent during the period. */
  transferredAway: number;
  /** transferredAway / ticketsHeld. */
  transferRate: number | null;
  /** Handled tickets with at least two customer messages up to the agent's resolution. */
  sentimentConversations: number;
  /** Mean over those tickets of (last − first customer-message sentiment), in [-2, 2]. */
  sentimentChangeAverage: number | null;
}

export const COMPONENT_KEYS = ['firstResponse', 'resolution', 'slaCompliance', 'csat', 'csatResponseRate', 'reopenRate', 'transferRate', 'sentimentChange'] as const;
export type ComponentKey = (typeof COMPONENT_KEYS)[number];

/** How one figure enters the composite: a linear ramp from `worst` (subscore 0) to `best` (subscore 1). */
export interface ComponentOptions {
  /** Relative weight (weights need not sum to 100; they are normalised over the components with data). */
  weight: number;
  /** Figure value that earns the full subscore (1); values beyond it are clamped. */
  best: number;
  /** Figure value that earns nothing (0); values beyond it are clamped. `best` may be lower (lower is better). */
  worst: number;
  /** Fewer samples than this and the component counts as missing (its weight is redistributed). */
  minSamples: number;
}

export interface ScoreOptions {
  components: Record<ComponentKey, ComponentOptions>;
  /** An agent who handled fewer tickets than this gets no composite (null), only figures. */
  minTicketsHandled: number;
}

/** One component of the composite, with everything needed to explain it. */
export interface ScoreComponent {
  key: ComponentKey;
  label: string;
  /** The figure it reads (a key of AgentFigures). */
  figure: keyof AgentFigures;
  value: number | null;
  samples: number;
  minSamples: number;
  best: number;
  worst: number;
  weight: number;
  /** False when the figure is missing, under-sampled or weighted 0: then `reason` says which. */
  included: boolean;
  reason: string | null;
  /** clamp((value − worst) / (best − worst), 0, 1), or null when excluded. */
  subscore: number | null;
  /** weight / (sum of the included components' weights), 0 when excluded. */
  effectiveWeight: number;
  /** 100 × effectiveWeight × subscore: this component's share of the composite. */
  points: number;
}

export interface CompositeResult {
  /** Sum of the components' points, rounded to 2 decimals; null without enough data. */
  composite: number | null;
  components: ScoreComponent[];
  /** Why the composite is null, when it is. */
  reason: string | null;
}

/** A stored score. */
export interface AgentScore {
  agentId: string;
  periodStart: Date;
  periodEnd: Date;
  figures: AgentFigures;
  components: ScoreComponent[];
  composite: number | null;
  options: ScoreOptions;
  version: number;
  /** Events at or after this instant were not considered. */
  asOf: Date;
  computedAt: Date;
}

/** A stored score with a readable account of how every number was formed. */
export interface ScoreExplanation {
  score: AgentScore;
  /** One sentence per figure (its definition and value) and one per component, then the total. */
  lines: string[];
}
