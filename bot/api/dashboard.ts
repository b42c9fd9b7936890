/**
 * The supervisor dashboard's API (`/api/dashboard/...`) and page (`/dashboard/`): the ranking of a
 * scored period with every agent's breakdown, one agent's trend and the evidence behind a score,
 * queue health, CSAT distribution, sentiment and volume trends, the ranking as CSV, "evaluate
 * now", and the recommendation model versions (list, activate and pin one, unpin, train now). Supervisors and admins only (no session 401, agents 403). Registered on the console's
 * ApiRegistry, so the routes share its session, validation and OpenAPI document.
 */
import type { Router } from 'express';
import { NotFoundError } from '../../crm';
import type { SessionService } from '../../crm/users';
import type { ModelPin, ModelVersion, RecommendationModelAdmin } from '../../crm/recommendations';
import type { AgentEvaluationService, Period } from '../../crm/scores';
import { rankingCsv, type SupportReports } from '../../crm/reports';
import { lastDays, localDay } from '../../crm/calendar';
import { periodFor, type EvaluationGranularity } from '../../workers/agentEvaluationJob';
import { HttpError, notFound } from '../errors';
import type { ApiRegistry } from './registry';
import { dashboardStatic, DASHBOARD_ROLES } from './dashboardStatic';
import {
  agentParams,
  agentTrendQuery,
  agentTrendSchema,
  csatSchema,
  activateModelResponseSchema,
  evaluateBody,
  evaluateResponseSchema,
  explainSchema,
  modelsSchema,
  modelVersionParams,
  periodQueryIn,
  periodsSchema,
  queueHealthQuery,
  queueHealthSchema,
  rankingSchema,
  sentimentSchema,
  teamTrendQuery,
  teamTrendSchema,
  trainNowResponseSchema,
  trendQueryIn,
  unpinModelResponseSchema,
  volumeSchema,
} from './dashboardSchemas';

export interface DashboardDeps {
  reports: SupportReports;
  scores: Pick<AgentEvaluationService, 'explain' | 'tickets' | 'history'>;
  sessions: SessionService;
  /** Queues the agent-evaluation job (workers' `requestAgentEvaluation` on the queue); without it, 501. */
  requestEvaluation?: (o: { granularity: EvaluationGranularity; period: Period }) => Promise<string>;
  /** Recommendation model versions (crm/recommendations RecommendationModelAdmin); without it, 501. */
  models?: Pick<RecommendationModelAdmin, 'versions' | 'activate' | 'unpin'>;
  /** Queues a recommendation training now (workers' `requestRecommendationTrainingNow`); without it, 501. */
  requestTraining?: () => Promise<{ jobId: string; alreadyPending: boolean }>;
  clock?: () => Date;
}


function modelPinOut(p: ModelPin) {
  return { versionId: p.versionId, pinnedAt: p.pinnedAt.toISOString(), pinnedBy: p.pinnedBy };
}

/** A stored version as the dashboard shows it (no snapshot bytes). */
function modelVersionOut(v: ModelVersion) {
  return {
    versionId: v.versionId,
    algorithm: v.algorithm,
    active: v.active,
    pinned: v.pin !== null,
    trainedAt: v.trainedAt.toISOString(),
    activatedAt: v.activatedAt?.toISOString() ?? null,
    sizes: { customers: v.customers, items: v.items, interactions: v.interactions },
    metrics: v.metrics,
    params: v.params,
    trainingMs: v.trainingMs,
    modelBytes: v.modelBytes,
    snapshotBytes: v.snapshotBytes,
  };
}

const modelsUnavailable = () => new HttpError(501, 'recommendations_unavailable', 'recommendation models are not available in this deployment');

const given = (q: { start?: Date; end?: Date }): Period | undefined => (q.start && q.end ? { start: q.start, end: q.end } : undefined);

/** Registers the dashboard's routes and page on the console's registry (see consoleRoutes' `extensions`). */
export function dashboardRoutes(deps: DashboardDeps): (api: ApiRegistry) => void {
  const clock = deps.clock ?? (() => new Date());
  const access = DASHBOARD_ROLES;
  const tag = 'dashboard';
  const page: Router = dashboardStatic(deps.sessions);
  // Days, weeks and months are the support team's (SUPPORT_TIME_ZONE), as the reports count them.
  const timeZone = deps.reports.timeZone;
  const periodQuery = periodQueryIn(timeZone);
  const trendQuery = trendQueryIn(timeZone);

  return (api) => {
    api.router.use(page);
    api.add({
      method: 'get',
      path: '/api/dashboard/periods',
      tag,
      summary: 'Evaluated score periods, latest first (for the period picker), and the time zone their days are in',
      access,
      response: periodsSchema,
      handler: async () => ({ timeZone, periods: await deps.reports.scorePeriods() }),
    });
    api.add({
      method: 'get',
      path: '/api/dashboard/ranking',
      tag,
      summary: "Agents ranked by composite score, with each component's points and the figures",
      description: 'The latest evaluated period, or exactly the one given by start and end. Agents without a composite come last, without a rank.',
      access,
      query: periodQuery,
      response: rankingSchema,
      handler: async ({ query }) => deps.reports.ranking(given(query)),
    });
    api.add({
      method: 'get',
      path: '/api/dashboard/ranking.csv',
      tag,
      summary: 'The ranking as CSV (text/csv, RFC 4180 quoting)',
      access,
      query: periodQuery,
      produces: 'text/csv',
      handler: async ({ query, res }) => {
        const ranking = await deps.reports.ranking(given(query));
        const name = ranking.period ? `agent-ranking-${localDay(ranking.period.start, timeZone)}_${localDay(ranking.period.end, timeZone)}.csv` : 'agent-ranking.csv';
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
        res.type('text/csv; charset=utf-8').send(rankingCsv(ranking));
      },
    });
    api.add({
      method: 'get',
      path: '/api/dashboard/score-trend',
      tag,
      summary: "Every agent's composite over the last daily (or weekly) evaluations",
      access,
      query: teamTrendQuery,
      response: teamTrendSchema,
      handler: async ({ query }) => deps.reports.teamScoreTrend(query),
    });
    api.add({
      method: 'get',
      path: '/api/dashboard/agents/:id/trend',
      tag,
      summary: "One agent's scores and figures over time, oldest first",
      access,
      params: agentParams,
      query: agentTrendQuery,
      errors: [404],
      response: agentTrendSchema,
      handler: async ({ params, query }) => {
        const trend = await deps.reports.agentTrend(params.id, query);
        if (!trend) throw notFound('no such agent', 'unknown_agent');
        return trend;
      },
    });
    api.add({
      method: 'get',
      path: '/api/dashboard/agents/:id/explain',
      tag,
      summary: "How an agent's score was formed, and the handled tickets behind its figures",
      description: "The given period, or the agent's latest evaluated one.",
      access,
      params: agentParams,
      query: periodQuery,
      errors: [404],
      response: explainSchema,
      handler: async ({ params, query }) => {
        let period = given(query);
        if (!period) {
          const [last] = await deps.scores.history(params.id, { limit: 1 });
          if (!last) throw notFound('this agent has no evaluated score yet', 'not_evaluated');
          period = { start: last.periodStart, end: last.periodEnd };
        }
        const explained = await deps.scores.explain(params.id, period);
        if (!explained) throw notFound('no score for this agent and period', 'not_evaluated');
        const tickets = await deps.scores.tickets(params.id, period, { asOf: explained.score.asOf });
        const { score } = explained;
        return { period, composite: score.composite, lines: explained.lines, components: score.components, figures: score.figures, tickets };
      },
    });
    api.add({
      method: 'get',
      path: '/api/dashboard/queues',
      tag,
      summary: 'Queue health now: backlog, waiting, SLA at risk and breached, oldest waiting, online agents and free capacity',
      access,
      query: queueHealthQuery,
      response: queueHealthSchema,
      handler: async ({ query }) => deps.reports.queueHealth({ horizonMinutes: query.horizonMinutes }),
    });
    api.add({
      method: 'get',
      path: '/api/dashboard/csat',
      tag,
      summary: 'CSAT distribution (ratings 1–5) and response rate, overall and per agent',
      access,
      query: trendQuery,
      response: csatSchema,
      handler: async ({ query }) => deps.reports.csatDistribution(given(query) ?? lastDays(clock(), query.days, timeZone)),
    });
    api.add({
      method: 'get',
      path: '/api/dashboard/sentiment',
      tag,
      summary: "Per day (in the support time zone): resolved conversations' first and last customer sentiment and the mean change",
      access,
      query: trendQuery,
      response: sentimentSchema,
      handler: async ({ query }) => deps.reports.sentimentTrend(given(query) ?? lastDays(clock(), query.days, timeZone)),
    });
    api.add({
      method: 'get',
      path: '/api/dashboard/volume',
      tag,
      summary: 'Per day (in the support time zone): tickets created and resolved',
      access,
      query: trendQuery,
      response: volumeSchema,
      handler: async ({ query }) => deps.reports.volumeTrend(given(query) ?? lastDays(clock(), query.days, timeZone)),
    });
    api.add({
      method: 'post',
      path: '/api/dashboard/evaluate',
      tag,
      summary: 'Evaluate agents now: queues the agent-evaluation job for a period (default: the previous day in the support time zone)',
      description: 'Idempotent per period: the job id names the period, and the evaluation replaces the period\'s scores.',
      access,
      body: evaluateBody,
      status: 202,
      errors: [501],
      response: evaluateResponseSchema,
      handler: async ({ body }) => {
        if (!deps.requestEvaluation) throw new HttpError(501, 'evaluation_unavailable', 'the job queue is not available in this deployment');
        const period = body.start && body.end ? { start: new Date(body.start), end: new Date(body.end) } : periodFor({ granularity: body.granularity }, clock(), timeZone);
        const jobId = await deps.requestEvaluation({ granularity: body.granularity, period });
        return { jobId, period };
      },
    });
    api.add({
      method: 'get',
      path: '/api/dashboard/recommendations/models',
      tag,
      summary: 'Stored recommendation model versions, newest first: algorithm, training time, sizes, offline metrics, which one is active',
      access,
      errors: [501],
      response: modelsSchema,
      handler: async () => {
        if (!deps.models) throw modelsUnavailable();
        const versions = await deps.models.versions();
        const pin = versions.find((v) => v.pin)?.pin ?? null;
        return { activeVersionId: versions.find((v) => v.active)?.versionId ?? null, pin: pin && modelPinOut(pin), versions: versions.map(modelVersionOut) };
      },
    });
    api.add({
      method: 'post',
      path: '/api/dashboard/recommendations/models/:versionId/activate',
      tag,
      summary: 'Serve a stored model version (roll back or forward) and pin it: activated in one transaction, then every web process is told to load it',
      description:
        'Pins the version for the signed-in user: while pinned, trainings store new versions with their metrics but do not activate them (until `…/models/unpin`). Activating another version moves the pin. Idempotent: activating the active version answers 200 with `changed: false` (it is pinned if it was not; an existing pin is kept).',
      access,
      params: modelVersionParams,
      errors: [404, 501],
      response: activateModelResponseSchema,
      handler: async ({ params, auth }) => {
        if (!deps.models) throw modelsUnavailable();
        try {
          const out = await deps.models.activate(params.versionId, { actor: `agent:${auth.user.id}`, name: auth.user.displayName });
          return { version: modelVersionOut(out.version), changed: out.changed, announced: out.announced, pin: out.version.pin && modelPinOut(out.version.pin) };
        } catch (err) {
          if (err instanceof NotFoundError) throw notFound('no stored model version with this id', 'unknown_model_version');
          throw err;
        }
      },
    });
    api.add({
      method: 'post',
      path: '/api/dashboard/recommendations/models/unpin',
      tag,
      summary: 'Remove the pin: the active version stays served until the next training, which activates its result again',
      description: 'Idempotent: without a pin answers 200 with `changed: false`.',
      access,
      errors: [501],
      response: unpinModelResponseSchema,
      handler: async () => {
        if (!deps.models) throw modelsUnavailable();
        const out = await deps.models.unpin();
        return { changed: out.changed, previous: out.previous && modelPinOut(out.previous) };
      },
    });
    api.add({
      method: 'post',
      path: '/api/dashboard/recommendations/train',
      tag,
      summary: 'Train a recommendation model now: queues the training job for the data as it is',
      description: 'While a training waits or runs, answers with that job (`alreadyPending: true`) and adds none. While a version is pinned the result is stored, not activated.',
      access,
      status: 202,
      errors: [501],
      response: trainNowResponseSchema,
      handler: async () => {
        if (!deps.requestTraining) throw new HttpError(501, 'training_unavailable', 'the job queue is not available in this deployment');
        return deps.requestTraining();
      },
    });
  };
}
