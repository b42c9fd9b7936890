/**
 * Customer value: RFM quintiles and named segments, a lifetime-value estimate and a churn-risk flag.
 * Pure functions over plain order arrays ({customerId, orderId, at, amountMinor}), and their storage
 * (CustomerValueStore, table customer_values) which feeds them from the orders in the database.
 */
export { summarizeCustomers, type SummaryOptions } from './summary';
export { computeRfm, rfmOfSummaries, quintileScores, combineFm, segmentFor, RFM_SEGMENT_RULES } from './rfm';
export { estimateCustomerValue, valueOfSummaries, probabilityAlive, type LifetimeValueOptions } from './lifetimeValue';
export type { Order, CustomerSummary, CustomerValue, Quintile, RfmScore, RfmSegment } from './types';
export { CustomerValueStore, type StoredCustomerValue, type ValueRunResult, type CustomerValueModelOptions } from './store';
export { CUSTOMER_VALUE_TOPIC, requestValueRunInOutbox } from './requests';
