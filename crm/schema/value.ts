import { bigint, boolean, doublePrecision, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { customers } from './customers';

/**
 * Customer value, one row per customer who has purchased: RFM figures and quintile scores, the named
 * segment, a lifetime-value estimate, P(alive) and the churn-risk flag (crm/value/README.md).
 * Owner module: crm/value (CustomerValueStore). Every run rewrites the whole table in one transaction,
 * so all rows share one `as_of`; customers without a purchase have no row.
 */
export const customerValues = pgTable(
  'customer_values',
  {
    customerId: uuid('customer_id')
      .primaryKey()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** Whole days from the last order to as_of. */
    recencyDays: integer('recency_days').notNull(),
    /** Distinct orders with a positive total. */
    frequency: integer('frequency').notNull(),
    /** Net spend, minor units of `currency`. */
    monetaryMinor: bigint('monetary_minor', { mode: 'number' }).notNull(),
    rScore: integer('r_score').notNull(),
    fScore: integer('f_score').notNull(),
    mScore: integer('m_score').notNull(),
    fmScore: integer('fm_score').notNull(),
    /** "RFM" digits, e.g. "545". */
    rfmCode: text('rfm_code').notNull(),
    segment: text('segment').notNull(),
    /** Expected spend over the horizon, minor units of `currency`. */
    ltvMinor: bigint('ltv_minor', { mode: 'number' }).notNull(),
    /** ISO 4217: the currency of most of the customer's orders. */
    currency: text('currency').notNull(),
    pAlive: doublePrecision('p_alive').notNull(),
    churnRisk: boolean('churn_risk').notNull(),
    firstOrderAt: timestamp('first_order_at', { withTimezone: true }).notNull(),
    lastOrderAt: timestamp('last_order_at', { withTimezone: true }).notNull(),
    /** Orders placed after this instant were not considered. */
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('customer_values_segment_idx').on(t.segment), index('customer_values_churn_idx').on(t.churnRisk)],
);
