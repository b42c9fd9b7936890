import {
  computeComposite,
  DEFAULT_SCORE_OPTIONS,
  normalise,
  resolveScoreOptions,
  scoreOptionsFromEnv,
  ScoreOptionsError,
  type AgentFigures,
} from '../../crm/scores';

/** Figures with every component present; tests override what they exercise. */
function figures(overrides: Partial<AgentFigures> = {}): AgentFigures {
  return {
    ticketsHandled: 10,
    firstResponseSamples: 10,
    firstResponseMedianSeconds: 930, // (930 − 1800) / (60 − 1800) = 0.5
    firstResponseP90Seconds: 1500,
    resolutionMedianSeconds: 3600, // best → 1
    resolutionP90Seconds: 7200,
    resolutionMeanSeconds: 4000,
    slaFirstResponseMet: 9,
    slaResolutionMet: 8,
    slaMet: 8,
    slaCompliance: 0.75, // (0.75 − 0.5) / 0.5 = 0.5
    csatRatings: 4,
    csatSum: 16,
    csatAverage: 4, // 0.75
    csatRequested: 10,
    csatResponded: 4,
    csatResponseRate: 0.4, // 0.8
    reopened: 1,
    reopenRate: 0.1, // 0.5
    ticketsHeld: 12,
    transferredAway: 0,
    transferRate: 0, // 1
    sentimentConversations: 8,
    sentimentChangeAverage: 0, // 0.5
    ...overrides,
  };
}

describe('normalise', () => {
  it('ramps linearly from worst (0) to best (1) in either direction and clamps', () => {
    expect(normalise(3, 5, 1)).toBe(0.5);
    expect(normalise(5, 5, 1)).toBe(1);
    expect(normalise(9, 5, 1)).toBe(1);
    expect(normalise(0, 5, 1)).toBe(0);
    // lower is better
    expect(normalise(0.1, 0, 0.2)).toBe(0.5);
    expect(normalise(-1, 0, 0.2)).toBe(1);
    expect(normalise(0.5, 0, 0.2)).toBe(0);
  });
});

describe('computeComposite', () => {
  it('weights the subscores with the documented defaults', () => {
    const result = computeComposite(figures(), DEFAULT_SCORE_OPTIONS);
    const sub = Object.fromEntries(result.components.map((c) => [c.key, c.subscore]));
    expect(sub).toEqual({
      firstResponse: 0.5,
      resolution: 1,
      slaCompliance: 0.5,
      csat: 0.75,
      csatResponseRate: 0.8,
      reopenRate: 0.5,
      transferRate: 1,
      sentimentChange: 0.5,
    });
    // 15·0.5 + 15·1 + 20·0.5 + 20·0.75 + 5·0.8 + 10·0.5 + 5·1 + 10·0.5 = 66.5 of 100
    expect(result.composite).toBe(66.5);
    expect(result.reason).toBeNull();
    expect(result.components.every((c) => c.included && c.effectiveWeight === c.weight / 100)).toBe(true);
    expect(result.components.find((c) => c.key === 'csat')!.points).toBe(15);
  });

  it('re-weights over the components that have data when CSAT is missing', () => {
    const result = computeComposite(figures({ csatRatings: 0, csatSum: 0, csatAverage: null, csatRequested: 0, csatResponded: 0, csatResponseRate: null }), DEFAULT_SCORE_OPTIONS);
    const csat = result.components.find((c) => c.key === 'csat')!;
    expect(csat).toMatchObject({ included: false, reason: 'no data', subscore: null, effectiveWeight: 0, points: 0 });
    expect(result.components.find((c) => c.key === 'csatResponseRate')!.included).toBe(false);
    // (7.5 + 15 + 10 + 5 + 5 + 5) / 75 = 47.5 / 75
    expect(result.composite).toBe(63.33);
    const sla = result.components.find((c) => c.key === 'slaCompliance')!;
    expect(sla.effectiveWeight).toBe(20 / 75);
    expect(result.components.reduce((s, c) => s + c.effectiveWeight, 0)).toBeCloseTo(1, 12);
  });

  it('treats an under-sampled component as missing', () => {
    const options = resolveScoreOptions({ components: { csat: { minSamples: 5 } } });
    const result = computeComposite(figures(), options);
    expect(result.components.find((c) => c.key === 'csat')).toMatchObject({ included: false, reason: 'fewer than 5 samples (4)' });
    // (66.5 − 15) / 80
    expect(result.composite).toBe(64.38);
  });

  it('gives no composite below the minimum of handled tickets or without any data', () => {
    expect(computeComposite(figures({ ticketsHandled: 2 }), resolveScoreOptions({ minTicketsHandled: 3 }))).toMatchObject({ composite: null, reason: 'handled 2 tickets, fewer than 3' });
    const empty = figures({
      firstResponseMedianSeconds: null,
      resolutionMedianSeconds: null,
      slaCompliance: null,
      csatAverage: null,
      csatResponseRate: null,
      reopenRate: null,
      transferRate: null,
      sentimentChangeAverage: null,
    });
    expect(computeComposite(empty, DEFAULT_SCORE_OPTIONS)).toMatchObject({ composite: null, reason: 'no component has data' });
  });

  it('follows configured weights and targets', () => {
    const options = resolveScoreOptions({
      components: {
        firstResponse: { weight: 0 },
        resolution: { weight: 0 },
        slaCompliance: { weight: 0 },
        csat: { weight: 1, best: 5, worst: 3 },
        csatResponseRate: { weight: 0 },
        reopenRate: { weight: 0 },
        transferRate: { weight: 0 },
        sentimentChange: { weight: 1 },
      },
    });
    const result = computeComposite(figures(), options);
    // csat (4 − 3)/2 = 0.5, sentiment 0.5 → 50
    expect(result.composite).toBe(50);
    expect(result.components.find((c) => c.key === 'reopenRate')).toMatchObject({ included: false, reason: 'weight 0' });
  });
});

describe('score options', () => {
  it('merges a partial configuration over the defaults', () => {
    const options = resolveScoreOptions({ components: { csat: { weight: 40 } }, minTicketsHandled: 5 });
    expect(options.components.csat).toEqual({ ...DEFAULT_SCORE_OPTIONS.components.csat, weight: 40 });
    expect(options.components.reopenRate).toEqual(DEFAULT_SCORE_OPTIONS.components.reopenRate);
    expect(options.minTicketsHandled).toBe(5);
    expect(resolveScoreOptions()).toEqual(DEFAULT_SCORE_OPTIONS);
    expect(Object.values(DEFAULT_SCORE_OPTIONS.components).reduce((s, c) => s + c.weight, 0)).toBe(100);
  });

  it('rejects unknown keys, negative weights, equal targets and all-zero weights', () => {
    expect(() => resolveScoreOptions({ components: { speed: { weight: 1 } } })).toThrow(ScoreOptionsError);
    expect(() => resolveScoreOptions({ components: { csat: { weight: -1 } } })).toThrow(/components\.csat\.weight/);
    expect(() => resolveScoreOptions({ components: { csat: { best: 1, worst: 1 } } })).toThrow(/best and worst must differ/);
    const zero = Object.fromEntries(Object.keys(DEFAULT_SCORE_OPTIONS.components).map((k) => [k, { weight: 0 }]));
    expect(() => resolveScoreOptions({ components: zero })).toThrow(/at least one weight/);
  });

  it('reads SCORES_OPTIONS from the environment', () => {
    expect(scoreOptionsFromEnv({})).toEqual(DEFAULT_SCORE_OPTIONS);
    expect(scoreOptionsFromEnv({ SCORES_OPTIONS: '{"components":{"transferRate":{"worst":0.5}}}' }).components.transferRate.worst).toBe(0.5);
    expect(() => scoreOptionsFromEnv({ SCORES_OPTIONS: '{oops' })).toThrow(/SCORES_OPTIONS: not valid JSON/);
  });
});
