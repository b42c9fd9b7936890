/** Pure scoring math: figures + options → composite 0–100 with its breakdown. No storage, no clock. */
import { COMPONENT_KEYS, type AgentFigures, type ComponentKey, type CompositeResult, type ScoreComponent, type ScoreOptions } from './types';

/** Which figure each component reads, and which count is its sample size. */
export const COMPONENT_SOURCES: Record<ComponentKey, { label: string; figure: keyof AgentFigures; samples: keyof AgentFigures }> = {
  firstResponse: { label: 'First response time (median)', figure: 'firstResponseMedianSeconds', samples: 'firstResponseSamples' },
  resolution: { label: 'Resolution time (median)', figure: 'resolutionMedianSeconds', samples: 'ticketsHandled' },
  slaCompliance: { label: 'SLA compliance', figure: 'slaCompliance', samples: 'ticketsHandled' },
  csat: { label: 'CSAT average', figure: 'csatAverage', samples: 'csatRatings' },
  csatResponseRate: { label: 'CSAT response rate', figure: 'csatResponseRate', samples: 'csatRequested' },
  reopenRate: { label: 'Reopen rate', figure: 'reopenRate', samples: 'ticketsHandled' },
  transferRate: { label: 'Transfer rate', figure: 'transferRate', samples: 'ticketsHeld' },
  sentimentChange: { label: 'Customer sentiment change', figure: 'sentimentChangeAverage', samples: 'sentimentConversations' },
};

/** Linear ramp: 0 at `worst`, 1 at `best`, clamped to [0, 1]. Works whichever of the two is larger. */
export function normalise(value: number, best: number, worst: number): number {
  const s = (value - worst) / (best - worst);
  return Math.min(1, Math.max(0, s));
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * The composite score: Σ weightᵢ · subscoreᵢ / Σ weightᵢ over the components that have data, × 100,
 * rounded to 2 decimals. A component has no data when its figure is null (e.g. no CSAT rating), when
 * its sample is below `minSamples`, or when its weight is 0; its weight is then shared by the others
 * in proportion to their weights (re-weighting). Null when the agent handled fewer than
 * `minTicketsHandled` tickets or no component has data.
 */
export function computeComposite(figures: AgentFigures, options: ScoreOptions): CompositeResult {
  const partial = COMPONENT_KEYS.map((key) => {
    const source = COMPONENT_SOURCES[key];
    const opts = options.components[key];
    const value = figures[source.figure] as number | null;
    const samples = figures[source.samples] as number;
    let reason: string | null = null;
    if (value === null || value === undefined || !Number.isFinite(value)) reason = 'no data';
    else if (samples < opts.minSamples) reason = `fewer than ${opts.minSamples} samples (${samples})`;
    else if (opts.weight <= 0) reason = 'weight 0';
    return {
      key,
      label: source.label,
      figure: source.figure,
      value: value ?? null,
      samples,
      minSamples: opts.minSamples,
      best: opts.best,
      worst: opts.worst,
      weight: opts.weight,
      included: reason === null,
      reason,
      subscore: reason === null ? normalise(value as number, opts.best, opts.worst) : null,
    };
  });
  const totalWeight = partial.reduce((sum, c) => sum + (c.included ? c.weight : 0), 0);
  const enough = figures.ticketsHandled >= options.minTicketsHandled;
  const components: ScoreComponent[] = partial.map((c) => {
    const effectiveWeight = c.included && totalWeight > 0 ? c.weight / totalWeight : 0;
    return { ...c, effectiveWeight, points: c.included ? 100 * effectiveWeight * (c.subscore as number) : 0 };
  });
  if (!enough) {
    return { composite: null, components, reason: `handled ${figures.ticketsHandled} tickets, fewer than ${options.minTicketsHandled}` };
  }
  if (totalWeight <= 0) return { composite: null, components, reason: 'no component has data' };
  const weighted = partial.reduce((sum, c) => sum + (c.included ? c.weight * (c.subscore as number) : 0), 0);
  return { composite: round2((100 * weighted) / totalWeight), components, reason: null };
}
