/** Plain shapes of customer-value analytics; inputs come from the storage layer as arrays. */

export interface Order {
  customerId: string;
  orderId: string;
  at: Date;
  /** Order total in minor currency units (cents). Several rows with one orderId are summed (order lines). */
  amountMinor: number;
}

/** Per-customer facts every score is built from. */
export interface CustomerSummary {
  customerId: string;
  firstAt: Date;
  lastAt: Date;
  /** Distinct orders with a positive total (frequency). */
  orders: number;
  /** Net sum of amounts (monetary). */
  monetaryMinor: number;
  /** Whole days from the last order to `asOf`. */
  recencyDays: number;
  /** Days from the first order to `asOf` (the window in which we could observe the customer). */
  observedDays: number;
}

export type Quintile = 1 | 2 | 3 | 4 | 5;

export type RfmSegment =
  | 'Champions'
  | 'Loyal'
  | 'Potential loyalist'
  | 'New'
  | 'Promising'
  | 'Need attention'
  | 'About to sleep'
  | 'At risk'
  | "Can't lose them"
  | 'Hibernating'
  | 'Lost';

export interface RfmScore extends CustomerSummary {
  r: Quintile;
  f: Quintile;
  m: Quintile;
  /** Combined frequency-monetary score: (f + m) / 2 rounded half up. */
  fm: Quintile;
  /** "RFM" digits, e.g. "545". */
  code: string;
  segment: RfmSegment;
}

export interface CustomerValue extends CustomerSummary {
  averageOrderMinor: number;
  /** Estimated repeat purchases per day while the customer is active (shrunk toward the population). */
  purchaseRatePerDay: number;
  /** Probability the customer is still active given how long they have been silent. */
  pAlive: number;
  /** Expected purchases in the horizon. */
  expectedPurchases: number;
  /** Expected spend in the horizon, minor units, rounded. */
  ltvMinor: number;
  /** pAlive below the threshold. */
  churnRisk: boolean;
}
