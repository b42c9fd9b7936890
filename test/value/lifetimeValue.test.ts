import { estimateCustomerValue, probabilityAlive, type Order } from '../../crm/value';

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const day = (d: number): Date => new Date(START + d * DAY);

describe('estimateCustomerValue', () => {
  // A: three orders of 1000 on days 0, 100, 200; B: one order of 3000 on day 100; asOf = day 200.
  const orders: Order[] = [
    { customerId: 'A', orderId: 'a1', at: day(0), amountMinor: 1000 },
    { customerId: 'A', orderId: 'a2', at: day(100), amountMinor: 1000 },
    { customerId: 'A', orderId: 'a3', at: day(200), amountMinor: 1000 },
    { customerId: 'B', orderId: 'b1', at: day(100), amountMinor: 3000 },
  ];

  it('matches the documented formula on hand-computed numbers', () => {
    // λ_pop = 2 repeats / 300 observed days; λ_A = (2+1)/(200+150); λ_B = (0+1)/(100+150).
    // μ = 1/365; active days in a 365-day horizon = (1 − e^{−1})·365 = 230.724.
    const [a, b] = estimateCustomerValue(orders, { expectedLifetimeDays: 365, horizonDays: 365 });
    expect(a.customerId).toBe('A');
    expect(a.purchaseRatePerDay).toBeCloseTo(3 / 350, 12);
    expect(a.pAlive).toBe(1);
    expect(a.averageOrderMinor).toBe(1000);
    expect(a.expectedPurchases).toBeCloseTo(1.97763, 4);
    expect(a.ltvMinor).toBe(1978);
    expect(a.churnRisk).toBe(false);

    expect(b.purchaseRatePerDay).toBeCloseTo(1 / 250, 12);
    expect(b.recencyDays).toBe(100);
    expect(b.pAlive).toBeCloseTo(0.718874, 5);
    expect(b.expectedPurchases).toBeCloseTo(0.663446, 5);
    expect(b.ltvMinor).toBe(1990);
    expect(b.churnRisk).toBe(false);
  });

  it('flags a frequent buyer who went silent as churn risk, but not a steady one', () => {
    const rows: Order[] = [];
    for (let i = 0; i < 10; i++) {
      rows.push({ customerId: 'stopped', orderId: `s${i}`, at: day(i * 10), amountMinor: 500 });
      rows.push({ customerId: 'steady', orderId: `t${i}`, at: day(200 + i * 10), amountMinor: 500 });
    }
    const byId = Object.fromEntries(estimateCustomerValue(rows).map((v) => [v.customerId, v]));
    expect(byId.stopped.recencyDays).toBe(200);
    expect(byId.stopped.churnRisk).toBe(true);
    expect(byId.stopped.pAlive).toBeLessThan(0.5);
    expect(byId.steady.churnRisk).toBe(false);
    expect(byId.steady.ltvMinor).toBeGreaterThan(byId.stopped.ltvMinor);
  });

  it('uses the churn threshold option', () => {
    const [, b] = estimateCustomerValue(orders, { expectedLifetimeDays: 365, churnThreshold: 0.8 });
    expect(b.churnRisk).toBe(true);
  });
});

describe('probabilityAlive', () => {
  it('is 1 right after a purchase, falls with silence, and never goes below 0', () => {
    expect(probabilityAlive(0.01, 0.001, 0)).toBe(1);
    const p30 = probabilityAlive(0.01, 0.001, 30);
    const p300 = probabilityAlive(0.01, 0.001, 300);
    expect(p30).toBeLessThan(1);
    expect(p300).toBeLessThan(p30);
    expect(probabilityAlive(5, 0.001, 10_000)).toBe(0);
  });
});
