/** Readable account of a stored score: what each figure is, its value, and how the composite was formed. */
import type { AgentFigures, AgentScore, ScoreComponent, ScoreExplanation } from './types';

/** One-line definitions of the figures (the full ones are in crm/scores/README.md). */
export const FIGURE_DEFINITIONS: Record<keyof AgentFigures, string> = {
  ticketsHandled: 'tickets with a resolution by the agent in the period',
  firstResponseSamples: 'handled tickets whose first response came at or after their assignment',
  firstResponseMedianSeconds: 'median of first response − assignment over handled tickets, seconds',
  firstResponseP90Seconds: '90th percentile of first response − assignment, seconds',
  resolutionMedianSeconds: "median of the agent's resolution − ticket creation, seconds",
  resolutionP90Seconds: "90th percentile of the agent's resolution − ticket creation, seconds",
  resolutionMeanSeconds: "mean of the agent's resolution − ticket creation, seconds",
  slaFirstResponseMet: 'handled tickets answered (or, unanswered, resolved) by their first-response due time',
  slaResolutionMet: 'handled tickets resolved by their resolution due time',
  slaMet: 'handled tickets that met both targets',
  slaCompliance: 'tickets meeting both targets ÷ tickets handled',
  csatRatings: "handled tickets with a customer rating (1–5) for the agent",
  csatSum: 'sum of those ratings (latest rating per ticket)',
  csatAverage: 'sum of ratings ÷ rated tickets',
  csatRequested: "handled tickets where the agent's rating was requested",
  csatResponded: 'of those, tickets the customer rated',
  csatResponseRate: 'rated requested tickets ÷ requested tickets',
  reopened: "handled tickets reopened after the agent's resolution",
  reopenRate: 'reopened ÷ tickets handled',
  ticketsHeld: 'tickets the agent held in the period (assigned, transferred to or from, or resolved)',
  transferredAway: 'tickets transferred from the agent to another in the period',
  transferRate: 'transferred away ÷ tickets held',
  sentimentConversations: "handled tickets with ≥ 2 customer messages up to the agent's resolution",
  sentimentChangeAverage: 'mean of (last − first customer-message sentiment) over those tickets',
};

function fmt(v: number | null): string {
  if (v === null) return 'none';
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 10000) / 10000);
}

function componentLine(c: ScoreComponent): string {
  if (!c.included) return `${c.label}: ${fmt(c.value)} — not counted (${c.reason}); its weight ${c.weight} goes to the others`;
  return (
    `${c.label}: ${fmt(c.value)} → subscore ${fmt(c.subscore)} (0 at ${c.worst}, 1 at ${c.best})` +
    ` × weight ${c.weight} (${fmt(100 * c.effectiveWeight)}% after re-weighting) = ${fmt(c.points)} points`
  );
}

export function explainScore(score: AgentScore): ScoreExplanation {
  const lines: string[] = [];
  lines.push(`Agent ${score.agentId}, period ${score.periodStart.toISOString()} – ${score.periodEnd.toISOString()} (events before ${score.asOf.toISOString()}, scoring version ${score.version})`);
  for (const key of Object.keys(FIGURE_DEFINITIONS) as Array<keyof AgentFigures>) {
    lines.push(`${key} = ${fmt(score.figures[key] as number | null)}: ${FIGURE_DEFINITIONS[key]}`);
  }
  for (const c of score.components) lines.push(componentLine(c));
  if (score.composite === null) {
    lines.push(`Composite: none (handled ${score.figures.ticketsHandled}, minimum ${score.options.minTicketsHandled}; components with data: ${score.components.filter((c) => c.included).length})`);
  } else {
    const parts = score.components.filter((c) => c.included).map((c) => fmt(c.points));
    lines.push(`Composite = ${parts.join(' + ')} = ${score.composite} (rounded to 2 decimals)`);
  }
  return { score, lines };
}
