import { z } from 'zod';
import { COMPONENT_KEYS, type ComponentKey, type ComponentOptions, type ScoreOptions } from './types';

/** Bump when the definition of a figure or of the composite changes (stored with every score). */
export const SCORING_VERSION = 1;

/**
 * Default weights and normalisation targets (rationale in crm/scores/README.md). Weights sum to 100
 * so that each reads as "points out of 100 when every figure is present".
 */
export const DEFAULT_SCORE_OPTIONS: ScoreOptions = {
  components: {
    firstResponse: { weight: 15, best: 60, worst: 1800, minSamples: 1 },
    resolution: { weight: 15, best: 3600, worst: 172800, minSamples: 1 },
    slaCompliance: { weight: 20, best: 1, worst: 0.5, minSamples: 1 },
    csat: { weight: 20, best: 5, worst: 1, minSamples: 1 },
    csatResponseRate: { weight: 5, best: 0.5, worst: 0, minSamples: 1 },
    reopenRate: { weight: 10, best: 0, worst: 0.2, minSamples: 1 },
    transferRate: { weight: 5, best: 0, worst: 0.3, minSamples: 1 },
    sentimentChange: { weight: 10, best: 0.5, worst: -0.5, minSamples: 1 },
  },
  minTicketsHandled: 1,
};

const componentPatch = z
  .object({
    weight: z.number().finite().min(0),
    best: z.number().finite(),
    worst: z.number().finite(),
    minSamples: z.number().int().min(1),
  })
  .partial()
  .strict();

const componentsShape = Object.fromEntries(COMPONENT_KEYS.map((k) => [k, componentPatch.optional()])) as Record<ComponentKey, z.ZodOptional<typeof componentPatch>>;

/** A partial ScoreOptions, as it may come from a configuration file section (e.g. `scores:` in JSON/YAML). */
export const scoreOptionsSchema = z
  .object({
    components: z.object(componentsShape).strict().optional(),
    minTicketsHandled: z.number().int().min(1).optional(),
  })
  .strict();

export type ScoreOptionsInput = z.input<typeof scoreOptionsSchema>;

export class ScoreOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid score options:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ScoreOptionsError';
  }
}

/**
 * Merges a partial configuration over DEFAULT_SCORE_OPTIONS and validates the result: every weight
 * ≥ 0 with at least one positive, and best ≠ worst for every component. Throws ScoreOptionsError.
 */
export function resolveScoreOptions(input: unknown = {}): ScoreOptions {
  const parsed = scoreOptionsSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ScoreOptionsError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  const components = {} as Record<ComponentKey, ComponentOptions>;
  for (const key of COMPONENT_KEYS) {
    components[key] = { ...DEFAULT_SCORE_OPTIONS.components[key], ...(parsed.data.components?.[key] ?? {}) };
  }
  const options: ScoreOptions = { components, minTicketsHandled: parsed.data.minTicketsHandled ?? DEFAULT_SCORE_OPTIONS.minTicketsHandled };
  const problems: string[] = [];
  for (const key of COMPONENT_KEYS) {
    if (components[key].best === components[key].worst) problems.push(`components.${key}: best and worst must differ`);
  }
  if (!COMPONENT_KEYS.some((k) => components[k].weight > 0)) problems.push('components: at least one weight must be positive');
  if (problems.length) throw new ScoreOptionsError(problems);
  return options;
}

/**
 * Reads score options from the environment variable SCORES_OPTIONS (a JSON object shaped like
 * ScoreOptionsInput), for the nightly job's process. Unset or empty: the defaults.
 */
export function scoreOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ScoreOptions {
  const raw = env.SCORES_OPTIONS;
  if (!raw || !raw.trim()) return resolveScoreOptions({});
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ScoreOptionsError([`SCORES_OPTIONS: not valid JSON (${(err as Error).message})`]);
  }
  return resolveScoreOptions(json);
}
