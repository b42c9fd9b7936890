/** crm/scores: agent performance scores (figures per agent and period, composite 0–100, storage). See README.md. */
export * from './types';
export { DEFAULT_SCORE_OPTIONS, SCORING_VERSION, resolveScoreOptions, scoreOptionsFromEnv, scoreOptionsSchema, ScoreOptionsError } from './options';
export type { ScoreOptionsInput } from './options';
export { computeComposite, normalise, round2, COMPONENT_SOURCES } from './composite';
export { aggregateAgentFigures, agentTicketFacts } from './evaluation';
export type { TicketFacts } from './evaluation';
export { explainScore, FIGURE_DEFINITIONS } from './explain';
export { AgentEvaluationService, assertPeriod } from './service';
export type { EvaluateOptions } from './service';
