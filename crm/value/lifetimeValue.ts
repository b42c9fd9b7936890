import { summarizeCustomers, type SummaryOptions } from './summary';
import type { CustomerSummary, CustomerValue, Order } from './types';

export interface LifetimeValueOptions extends SummaryOptions {
  /** Horizon of the estimate in days (default 365). */
  horizonDays?: number;
  /** Mean customer lifetime in days, i.e. churn rate μ = 1 / this (default 730). */
  expectedLifetimeDays?: number;
  /**
   * Weight, in pseudo-orders, of the population purchase rate in each customer's rate (default 1):
   * one-order customers get mostly the population's rate, frequent buyers mostly their own.
   */
  priorWeight?: number;
  /** churnRisk when pAlive is below this (default 0.5). */
  churnThreshold?: number;
}

/**
 * Lifetime value = P(alive) × average order value × purchase rate × expected active days in horizon.
 *
 * Model (the Pareto/NBD story with per-customer point estimates instead of fitted distributions,
 * "BG/NBD-lite"): while active a customer buys as a Poisson process with rate λ; their activity ends
 * after an exponential lifetime with rate μ = 1 / expectedLifetimeDays.
 * - λ: repeat orders per observed day, shrunk toward the population (gamma-Poisson posterior mean):
 *   λ = (orders − 1 + a) / (observedDays + a / λ_pop), λ_pop = Σ(orders − 1) / Σ observedDays, a = priorWeight.
 * - P(alive) after s = recencyDays of silence (exact for this model):
 *   P = 1 / (1 + μ/(λ+μ) · (e^{(λ+μ)s} − 1)).
 * - Expected purchases in horizon H if alive: λ · (1 − e^{−μH}) / μ.
 * - Average order value: the customer's own (monetary / orders).
 * - churnRisk: P(alive) < churnThreshold.
 */
export function estimateCustomerValue(orders: readonly Order[], options: LifetimeValueOptions = {}): CustomerValue[] {
  return valueOfSummaries(summarizeCustomers(orders, options), options);
}

/** The same from customer summaries already made (one `summarizeCustomers` pass can serve RFM and LTV). */
export function valueOfSummaries(customers: readonly CustomerSummary[], options: LifetimeValueOptions = {}): CustomerValue[] {
  const horizon = options.horizonDays ?? 365;
  const mu = 1 / (options.expectedLifetimeDays ?? 730);
  const a = options.priorWeight ?? 1;
  const threshold = options.churnThreshold ?? 0.5;

  let repeats = 0, observed = 0;
  for (const c of customers) { repeats += c.orders - 1; observed += c.observedDays; }
  // With no repeat buyer at all, fall back to one repeat per lifetime (the prior must stay positive).
  const populationRate = repeats > 0 && observed > 0 ? repeats / observed : mu;
  const activeDaysInHorizon = (1 - Math.exp(-mu * horizon)) / mu;

  return customers.map((c) => {
    const lambda = (c.orders - 1 + a) / (c.observedDays + a / populationRate);
    const pAlive = probabilityAlive(lambda, mu, c.recencyDays);
    const averageOrderMinor = c.monetaryMinor / c.orders;
    const expectedPurchases = pAlive * lambda * activeDaysInHorizon;
    return {
      ...c,
      averageOrderMinor,
      purchaseRatePerDay: lambda,
      pAlive,
      expectedPurchases,
      ltvMinor: Math.round(expectedPurchases * averageOrderMinor),
      churnRisk: pAlive < threshold,
    };
  });
}

/** P(still active | silent for `silentDays`) for purchase rate λ and churn rate μ (per day). */
export function probabilityAlive(lambda: number, mu: number, silentDays: number): number {
  const rate = lambda + mu;
  const growth = Math.expm1(rate * silentDays);
  if (!Number.isFinite(growth)) return 0;
  return 1 / (1 + (mu / rate) * growth);
}
