/**
 * Customer value: RFM quintiles and named segments, a lifetime-value estimate and a churn-risk flag.
 * Pure functions over plain order arrays ({customerId, orderId, at, amountMinor}); no storage access.
 */
export { summarizeCustomers, type SummaryOptions } from './summary';
export { computeRfm, quintileScores, combineFm, segmentFor, RFM_SEGMENT_RULES } from './rfm';
export { estimateCustomerValue, probabilityAlive, type LifetimeValueOptions } from './lifetimeValue';
export type { Order, CustomerSummary, CustomerValue, Quintile, RfmScore, RfmSegment } from './types';
