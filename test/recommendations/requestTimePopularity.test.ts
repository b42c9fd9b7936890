import type { Interaction } from '../../crm/recommendations';
import { evaluateRequestTimePopularity, type Split } from '../../bench/lib/recsEval';

const DAY = 86_400_000;
const at = (day: number): number => day * DAY + 12 * 3_600_000;

// OLD is bought by two customers on day 0, NEW by one on day 10; q and r each own one item.
function train(): Interaction[] {
  return [
    { customerId: 'c1', itemId: 'OLD', at: at(0) },
    { customerId: 'c2', itemId: 'OLD', at: at(0) },
    { customerId: 'r', itemId: 'R1', at: at(0) },
    { customerId: 'q', itemId: 'Q1', at: at(1) },
    { customerId: 'c3', itemId: 'NEW', at: at(10) },
  ];
}

function split(targets: Array<[string, string[], number]>): Split {
  return {
    train: train(),
    targets: new Map(targets.map(([c, items]) => [c, new Set(items)])),
    targetDay: new Map(targets.map(([c, , day]) => [c, day])),
    titles: new Map(),
  };
}

describe('evaluateRequestTimePopularity (bench diagnostic)', () => {
  const s = split([['q', ['OLD'], 5], ['r', ['NEW'], 11]]);

  it('ranks by popularity at each request day', () => {
    // Day 11, 7-day half-life: NEW 0.5^(1/7) = 0.91 beats OLD 2 · 0.5^(11/7) = 0.67, so r is a hit.
    expect(evaluateRequestTimePopularity(s, 1, 7)).toEqual({ hitRate: 1, ndcg: 1, coverage: 0.5, evaluated: 2 });
    // Without decay OLD (2 buyers) stays first on day 11: r misses.
    expect(evaluateRequestTimePopularity(s, 1, 0)).toMatchObject({ hitRate: 0.5, ndcg: 0.5 });
  });

  it('uses only events before the request day and never the customer\'s own items', () => {
    // On day 5 NEW has not been bought yet, and Q1 is q's own: q gets OLD and R1 only, and misses NEW.
    const early = split([['q', ['NEW'], 5]]);
    expect(evaluateRequestTimePopularity(early, 4, 7)).toEqual({ hitRate: 0, ndcg: 0, coverage: 2 / 4, evaluated: 1 });
  });
});
