/** Request and response schemas of the supervisor dashboard API (zod 4); they also build its OpenAPI entries. */
import { z } from 'zod';
import { startOfDay } from '../../crm/calendar';
import { COMPONENT_KEYS } from '../../crm/scores';

/** An instant (`2026-11-30T00:00:00Z`) or a day (`2026-11-30`, meaning its midnight in the support team's zone). */
const instantIn = (timeZone: string) =>
  z
    .union([z.iso.datetime({ offset: true }), z.iso.date()])
    .transform((s) => (s.length === 10 ? startOfDay(s, timeZone) : new Date(s)))
    .describe(`ISO instant, or a day (YYYY-MM-DD) meaning its midnight in ${timeZone}`);

type MaybePeriod = { start?: Date; end?: Date };
const bothOrNeither = (q: MaybePeriod) => (q.start === undefined) === (q.end === undefined);
const endAfterStart = (q: MaybePeriod) => !q.start || !q.end || q.end.getTime() > q.start.getTime();

/** Both ends or neither; the end after the start. */
const withPeriod = <T extends z.ZodRawShape>(timeZone: string, shape: T) =>
  z
    .strictObject({ start: instantIn(timeZone).optional(), end: instantIn(timeZone).optional(), ...shape })
    .refine((q) => bothOrNeither(q as MaybePeriod), { message: 'give both start and end, or neither', path: ['end'] })
    .refine((q) => endAfterStart(q as MaybePeriod), { message: 'end must be after start', path: ['end'] });

/** The period parameters: their days are read in the support team's zone (config SUPPORT_TIME_ZONE). */
export const periodQueryIn = (timeZone: string) => withPeriod(timeZone, {});
export const trendQueryIn = (timeZone: string) =>
  withPeriod(timeZone, {
    days: z.coerce.number().int().min(1).max(366).default(28).describe(`without start/end: the last N days in ${timeZone}, today included`),
  });
export const agentParams = z.object({ id: z.uuid().describe('agent (user) id') });
export const agentTrendQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(400).default(90),
  kind: z.enum(['day', 'week', 'month', 'custom']).optional().describe('only evaluations of this kind (a day, ISO week or month in the support time zone)'),
});
export const queueHealthQuery = z.strictObject({
  horizonMinutes: z.coerce.number().int().min(1).max(7 * 24 * 60).default(30).describe('an open ticket due within this many minutes is at risk'),
});
export const evaluateBody = z
  .strictObject({
    granularity: z.enum(['day', 'week', 'month']).default('day').describe('without start/end: the previous day, ISO week (Monday to Monday) or month in the support time zone'),
    start: z.iso.datetime({ offset: true }).optional(),
    end: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((b) => (b.start === undefined) === (b.end === undefined), { message: 'give both start and end, or neither', path: ['end'] })
  .refine((b) => !b.start || !b.end || Date.parse(b.end) > Date.parse(b.start), { message: 'end must be after start', path: ['end'] })
  .refine((b) => !b.start || !b.end || Date.parse(b.end) - Date.parse(b.start) <= 92 * 86_400_000, { message: 'a period is at most 92 days', path: ['end'] });

const period = z.object({ start: z.iso.datetime(), end: z.iso.datetime() }).meta({ id: 'Period' });
const nullableNumber = z.number().nullable();

const component = z
  .object({
    key: z.enum(COMPONENT_KEYS),
    label: z.string(),
    value: nullableNumber,
    included: z.boolean(),
    reason: z.string().nullable(),
    subscore: nullableNumber,
    weight: z.number(),
    effectiveWeight: z.number(),
    points: z.number().describe('100 × effectiveWeight × subscore; the points add up to the composite'),
  })
  .meta({ id: 'ScoreComponent' });
const figures = z.record(z.string(), nullableNumber).describe('AgentFigures (crm/scores/README.md)').meta({ id: 'AgentFigures' });

export const rankingSchema = z.object({
  period: period.nullable(),
  agents: z.array(
    z
      .object({
        rank: z.number().int().nullable(),
        agentId: z.uuid(),
        displayName: z.string(),
        email: z.string().nullable(),
        composite: nullableNumber,
        components: z.array(component),
        figures,
      })
      .meta({ id: 'RankedAgent' }),
  ),
});
export const periodsSchema = z.object({
  timeZone: z.string().describe('the support team\'s IANA time zone (SUPPORT_TIME_ZONE): days, weeks and months are in it; show times in it'),
  periods: z.array(z.object({ start: z.iso.datetime(), end: z.iso.datetime(), agents: z.number().int(), kind: z.enum(['day', 'week', 'month', 'custom']) })),
});
export const agentTrendSchema = z.object({
  agent: z.object({ agentId: z.uuid(), displayName: z.string(), email: z.string().nullable() }),
  points: z.array(z.object({ period, composite: nullableNumber, components: z.array(component), figures })),
});
export const explainSchema = z.object({
  period,
  composite: nullableNumber,
  lines: z.array(z.string()).describe('one sentence per figure and per component, then the total'),
  components: z.array(component),
  figures,
  tickets: z.array(z.record(z.string(), z.unknown())).describe('the handled tickets behind the figures (TicketFacts)'),
});
const queueHealth = z
  .object({
    queueId: z.string(),
    name: z.string(),
    backlog: z.number().int(),
    waiting: z.number().int(),
    assigned: z.number().int(),
    slaAtRisk: z.number().int(),
    slaBreached: z.number().int(),
    oldestWaitingSeconds: nullableNumber,
    onlineAgents: z.number().int(),
    capacity: z.number().int(),
    activeTickets: z.number().int(),
    freeCapacity: z.number().int(),
    level: z.enum(['ok', 'warning', 'critical']),
  })
  .meta({ id: 'QueueHealth' });
export const queueHealthSchema = z.object({ at: z.iso.datetime(), horizonMinutes: z.number().int(), queues: z.array(queueHealth), totals: queueHealth.omit({ queueId: true, name: true, level: true }) });
const csatSummary = {
  counts: z.array(z.number().int()).length(5).describe('ratings 1, 2, 3, 4, 5'),
  ratings: z.number().int(),
  average: nullableNumber,
  requested: z.number().int(),
  responded: z.number().int(),
  responseRate: nullableNumber,
};
export const csatSchema = z.object({ period, overall: z.object(csatSummary), agents: z.array(z.object({ agentId: z.uuid(), displayName: z.string(), ...csatSummary })) });
export const sentimentSchema = z.object({
  period,
  days: z.array(
    z.object({
      day: z.iso.date(),
      resolved: z.number().int(),
      conversations: z.number().int(),
      firstMean: nullableNumber,
      lastMean: nullableNumber,
      changeConversations: z.number().int(),
      changeMean: nullableNumber,
    }),
  ),
});
export const volumeSchema = z.object({ period, days: z.array(z.object({ day: z.iso.date(), created: z.number().int(), resolved: z.number().int() })) });
export const evaluateResponseSchema = z.object({ jobId: z.string().describe('one job per period: asking again while it is kept returns the same job'), period });
export const teamTrendQuery = z.strictObject({
  kind: z.enum(['day', 'week']).default('day'),
  limit: z.coerce.number().int().min(1).max(120).default(28).describe('the last N evaluations of that kind'),
});
export const teamTrendSchema = z.object({
  kind: z.enum(['day', 'week']),
  periods: z.array(period),
  agents: z.array(z.object({ agentId: z.uuid(), displayName: z.string(), composites: z.array(nullableNumber).describe('aligned on periods; null: not scored then') })),
});

// Recommendation model versions (crm/recommendations store).
export const modelVersionParams = z.object({
  versionId: z
    .string()
    .max(64)
    .regex(/^[a-z][a-z0-9-]*-[0-9a-f]{12}$/, 'a model version id: <algorithm>-<12 hex digits>')
    .describe('model version id, e.g. ease-3f2a9c0b1d4e'),
});
const modelMetrics = z
  .object({
    evaluatedCustomers: z.number().int().describe('customers whose latest purchased item was held out'),
    k: z.number().int(),
    hitRate: z.number().describe('share of them with the held-out item in the top k (HR@k)'),
    popularityHitRate: z.number().describe('the same for "popular right now" alone: the baseline'),
    coverage: z.number().describe("share of the catalogue's items recommended to at least one of them"),
  })
  .partial()
  .describe('leave-last-out figures of the training run; empty when the shop was too small or too large to evaluate')
  .meta({ id: 'RecommendationModelMetrics' });
const modelPin = z
  .object({
    versionId: z.string(),
    pinnedAt: z.iso.datetime(),
    pinnedBy: z.object({ actor: z.string().describe('`agent:<user id>`'), name: z.string().describe('display name when pinned') }),
  })
  .describe('a supervisor activated this version: trainings store new versions with their metrics but do not activate them')
  .meta({ id: 'RecommendationModelPin' });
const modelVersion = z
  .object({
    versionId: z.string(),
    algorithm: z.string(),
    active: z.boolean().describe('the version every web process serves'),
    pinned: z.boolean().describe('held by a supervisor (see `pin`)'),
    trainedAt: z.iso.datetime(),
    activatedAt: z.iso.datetime().nullable().describe('when it last became the active one'),
    sizes: z.object({ customers: z.number().int(), items: z.number().int(), interactions: z.number().int() }),
    metrics: modelMetrics,
    params: z.record(z.string(), z.unknown()),
    trainingMs: z.number(),
    modelBytes: z.number().int(),
    snapshotBytes: z.number().int(),
  })
  .meta({ id: 'RecommendationModelVersion' });
export const modelsSchema = z.object({
  activeVersionId: z.string().nullable(),
  pin: modelPin.nullable(),
  versions: z.array(modelVersion).describe('newest first'),
});
export const activateModelResponseSchema = z.object({
  version: modelVersion,
  changed: z.boolean().describe('false: it was the active version already (idempotent, nothing announced)'),
  announced: z.boolean().describe('web processes were told over Redis; otherwise they load it on their next poll'),
  pin: modelPin.nullable().describe('the pin now on the version (null only when unpinned meanwhile)'),
});
export const unpinModelResponseSchema = z.object({
  changed: z.boolean().describe('false: nothing was pinned (idempotent)'),
  previous: modelPin.nullable().describe('the pin removed'),
});
export const trainNowResponseSchema = z.object({
  jobId: z.string(),
  alreadyPending: z.boolean().describe('a training was waiting or running already: its job, none added'),
});
