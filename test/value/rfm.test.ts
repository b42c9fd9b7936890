import { computeRfm, quintileScores, RFM_SEGMENT_RULES, segmentFor, summarizeCustomers, type Order, type Quintile } from '../../crm/value';

const DAY = 86_400_000;
const AS_OF = new Date('2024-01-31T00:00:00Z');
const daysAgo = (d: number): Date => new Date(AS_OF.getTime() - d * DAY);

/** Five customers built so each lands in a known quintile of every dimension. */
function orders(): Order[] {
  const out: Order[] = [];
  const add = (customerId: string, lastDaysAgo: number, count: number, totalMinor: number): void => {
    for (let i = 0; i < count; i++) {
      out.push({ customerId, orderId: `${customerId}-${i}`, at: daysAgo(lastDaysAgo + 20 * i), amountMinor: totalMinor / count });
    }
  };
  add('c1', 1, 5, 5000);
  add('c2', 10, 4, 4000);
  add('c3', 30, 3, 90);
  add('c4', 100, 2, 3000);
  add('c5', 300, 1, 200);
  return out;
}

describe('quintileScores', () => {
  it('gives tied values the score of the first member of their group (min rank)', () => {
    expect(quintileScores([1, 1, 1, 1, 1, 1, 2, 3, 4, 5], true)).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
  });

  it('scores lower-is-better metrics (recency) in reverse', () => {
    expect(quintileScores([0, 0, 5, 10], false)).toEqual([3, 3, 2, 1]);
  });

  it('does not depend on input order beyond the values themselves', () => {
    const values = [7, 3, 3, 9, 1, 3, 8];
    const scores = quintileScores(values, true);
    const permutation = [6, 2, 0, 5, 1, 4, 3];
    const permuted = quintileScores(permutation.map((i) => values[i]), true);
    expect(permuted).toEqual(permutation.map((i) => scores[i]));
  });
});

describe('segment rules', () => {
  it('map every (R, FM) pair to exactly one segment', () => {
    for (let r = 1; r <= 5; r++) {
      for (let fm = 1; fm <= 5; fm++) {
        const matches = RFM_SEGMENT_RULES.filter((x) => x.r.includes(r as Quintile) && x.fm.includes(fm as Quintile));
        expect(matches).toHaveLength(1);
      }
    }
  });

  it('names the corners as documented', () => {
    expect(segmentFor(5, 5)).toBe('Champions');
    expect(segmentFor(5, 1)).toBe('New');
    expect(segmentFor(4, 1)).toBe('Promising');
    expect(segmentFor(3, 3)).toBe('Need attention');
    expect(segmentFor(1, 5)).toBe("Can't lose them");
    expect(segmentFor(1, 1)).toBe('Lost');
  });
});

describe('computeRfm', () => {
  it('scores a hand-built population with known quintiles and segments', () => {
    const result = computeRfm(orders(), { asOf: AS_OF });
    const byId = Object.fromEntries(result.map((x) => [x.customerId, x]));
    expect(result.map((x) => x.customerId)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(byId.c1).toMatchObject({ r: 5, f: 5, m: 5, fm: 5, code: '555', segment: 'Champions', recencyDays: 1, orders: 5, monetaryMinor: 5000 });
    expect(byId.c2).toMatchObject({ r: 4, f: 4, m: 4, fm: 4, code: '444', segment: 'Loyal' });
    expect(byId.c3).toMatchObject({ r: 3, f: 3, m: 1, fm: 2, code: '331', segment: 'About to sleep' });
    expect(byId.c4).toMatchObject({ r: 2, f: 2, m: 3, fm: 3, code: '223', segment: 'At risk' });
    expect(byId.c5).toMatchObject({ r: 1, f: 1, m: 2, fm: 2, code: '112', segment: 'Hibernating' });
  });

  it('defaults asOf to the latest order, so results depend only on the data', () => {
    const result = computeRfm(orders());
    expect(result.find((x) => x.customerId === 'c1')!.recencyDays).toBe(0);
    expect(result.find((x) => x.customerId === 'c5')!.recencyDays).toBe(299);
  });

  it('is deterministic regardless of input order', () => {
    const a = computeRfm(orders(), { asOf: AS_OF });
    const b = computeRfm([...orders()].reverse(), { asOf: AS_OF });
    expect(b).toEqual(a);
  });
});

describe('summarizeCustomers', () => {
  it('sums order lines into one order, nets refunds, and skips customers who never purchased', () => {
    const rows: Order[] = [
      { customerId: 'a', orderId: 'o1', at: daysAgo(5), amountMinor: 300 },
      { customerId: 'a', orderId: 'o1', at: daysAgo(5), amountMinor: 200 },
      { customerId: 'a', orderId: 'o2', at: daysAgo(2), amountMinor: 1000 },
      { customerId: 'a', orderId: 'r1', at: daysAgo(1), amountMinor: -100 },
      { customerId: 'b', orderId: 'r2', at: daysAgo(1), amountMinor: -50 },
    ];
    const [a, ...rest] = summarizeCustomers(rows, { asOf: AS_OF });
    expect(rest).toHaveLength(0);
    expect(a).toMatchObject({ customerId: 'a', orders: 2, monetaryMinor: 1400, recencyDays: 2, observedDays: 5 });
    expect(a.lastAt).toEqual(daysAgo(2));
  });
});
