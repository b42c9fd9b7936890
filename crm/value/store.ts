/**
 * Storage of customer value (table customer_values): computes RFM scores, segments, lifetime value
 * and churn risk from the orders in the database (crm/commerce reads) with the pure functions of this
 * folder, and writes every customer in one transaction.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { CrmError } from '../errors';
import { loadCustomerCurrencies, loadValueSummaries } from '../commerce/analytics';
import { queryRows, jsonParam } from '../commerce/rows';
import { customerValues } from '../schema/value';
import { valueOfSummaries, type LifetimeValueOptions } from './lifetimeValue';
import { rfmOfSummaries } from './rfm';
import type { Quintile, RfmSegment } from './types';

/** What agents see of a customer's value (one stored row). */
export interface StoredCustomerValue {
  customerId: string;
  recencyDays: number;
  frequency: number;
  monetaryMinor: number;
  scores: { r: Quintile; f: Quintile; m: Quintile; fm: Quintile; code: string };
  segment: RfmSegment;
  ltvMinor: number;
  currency: string;
  pAlive: number;
  churnRisk: boolean;
  firstOrderAt: Date;
  lastOrderAt: Date;
  asOf: Date;
  computedAt: Date;
}

export interface ValueRunResult {
  asOf: Date;
  /** Customers with a stored value after the run. */
  customers: number;
  /** Rows of customers who no longer have a purchase before asOf (removed). */
  removed: number;
}

export type CustomerValueModelOptions = Omit<LifetimeValueOptions, 'asOf'>;

/** Advisory lock key: one value run at a time per database (a concurrent run waits, then replaces). */
export const VALUE_RUN_LOCK = 727_104;

type Row = typeof customerValues.$inferSelect;

function toStored(row: Row): StoredCustomerValue {
  return {
    customerId: row.customerId,
    recencyDays: row.recencyDays,
    frequency: row.frequency,
    monetaryMinor: row.monetaryMinor,
    scores: { r: row.rScore as Quintile, f: row.fScore as Quintile, m: row.mScore as Quintile, fm: row.fmScore as Quintile, code: row.rfmCode },
    segment: row.segment as RfmSegment,
    ltvMinor: row.ltvMinor,
    currency: row.currency,
    pAlive: row.pAlive,
    churnRisk: row.churnRisk,
    firstOrderAt: row.firstOrderAt,
    lastOrderAt: row.lastOrderAt,
    asOf: row.asOf,
    computedAt: row.computedAt,
  };
}

/**
 * Owner of customer_values. `computeAll(asOf)` is idempotent: the same orders and asOf give the same
 * rows, and a run replaces the previous one as a whole (customers no longer scored are removed).
 */
export class CustomerValueStore {
  constructor(
    private readonly db: Db,
    private readonly model: CustomerValueModelOptions = {},
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Scores every customer on the orders placed at or before `asOf` (default now) and stores them. */
  async computeAll(asOf: Date = this.clock()): Promise<ValueRunResult> {
    if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) throw new CrmError('asOf must be a valid date', 'invalid_as_of');
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${VALUE_RUN_LOCK})`);
      // Orders after asOf are left out, so a rerun for the same asOf gives the same answer whatever came since.
      const summaries = await loadValueSummaries(tx, asOf);
      const currencies = await loadCustomerCurrencies(tx);
      const rfm = rfmOfSummaries(summaries);
      const values = new Map(valueOfSummaries(summaries, { ...this.model, asOf }).map((v) => [v.customerId, v]));
      const computedAt = this.clock();
      const rows = rfm.map((r) => {
        const v = values.get(r.customerId)!;
        return {
          customer_id: r.customerId,
          recency_days: r.recencyDays,
          frequency: r.orders,
          monetary_minor: r.monetaryMinor,
          r_score: r.r,
          f_score: r.f,
          m_score: r.m,
          fm_score: r.fm,
          rfm_code: r.code,
          segment: r.segment,
          ltv_minor: v.ltvMinor,
          currency: currencies.get(r.customerId) ?? 'XXX',
          p_alive: v.pAlive,
          churn_risk: v.churnRisk,
          first_order_at: r.firstAt.toISOString(),
          last_order_at: r.lastAt.toISOString(),
        };
      });
      const removed = await queryRows<{ n: number }>(
        tx,
        sql`with gone as (delete from customer_values where customer_id not in (select jsonb_array_elements_text(${jsonParam(rows.map((r) => r.customer_id))}::jsonb)::uuid) returning 1)
            select count(*)::int as n from gone`,
      );
      for (let i = 0; i < rows.length; i += 2000) {
        const chunk = rows.slice(i, i + 2000);
        await tx.execute(sql`insert into customer_values (customer_id, recency_days, frequency, monetary_minor, r_score, f_score, m_score, fm_score, rfm_code, segment,
            ltv_minor, currency, p_alive, churn_risk, first_order_at, last_order_at, as_of, computed_at)
          select x.customer_id, x.recency_days, x.frequency, x.monetary_minor, x.r_score, x.f_score, x.m_score, x.fm_score, x.rfm_code, x.segment,
                 x.ltv_minor, x.currency, x.p_alive, x.churn_risk, x.first_order_at, x.last_order_at, ${asOf.toISOString()}::timestamptz, ${computedAt.toISOString()}::timestamptz
            from jsonb_to_recordset(${jsonParam(chunk)}::jsonb) as x(customer_id uuid, recency_days int, frequency int, monetary_minor bigint, r_score int, f_score int,
                 m_score int, fm_score int, rfm_code text, segment text, ltv_minor bigint, currency text, p_alive float8, churn_risk boolean,
                 first_order_at timestamptz, last_order_at timestamptz)
            -- a customer merged away since the orders were read has no row to point at any more
            where exists (select 1 from customers c where c.id = x.customer_id)
          on conflict (customer_id) do update set recency_days = excluded.recency_days, frequency = excluded.frequency, monetary_minor = excluded.monetary_minor,
            r_score = excluded.r_score, f_score = excluded.f_score, m_score = excluded.m_score, fm_score = excluded.fm_score, rfm_code = excluded.rfm_code,
            segment = excluded.segment, ltv_minor = excluded.ltv_minor, currency = excluded.currency, p_alive = excluded.p_alive, churn_risk = excluded.churn_risk,
            first_order_at = excluded.first_order_at, last_order_at = excluded.last_order_at, as_of = excluded.as_of, computed_at = excluded.computed_at`);
      }
      return { asOf, customers: rows.length, removed: removed[0].n };
    });
  }

  async get(customerId: string): Promise<StoredCustomerValue | null> {
    if (!/^[0-9a-f-]{36}$/i.test(customerId)) return null;
    const rows = await this.db.select().from(customerValues).where(eq(customerValues.customerId, customerId)).limit(1);
    return rows[0] ? toStored(rows[0]) : null;
  }

  /** The customer's segment, for ticket priority (createSupport's `customerSegment`); null when never scored. */
  async segmentOf(customerId: string): Promise<string | null> {
    return (await this.get(customerId))?.segment ?? null;
  }

  async all(): Promise<StoredCustomerValue[]> {
    const rows = await this.db.select().from(customerValues).orderBy(customerValues.customerId);
    return rows.map(toStored);
  }

  /** True when nothing is stored yet but there are orders to score (a fresh install, the demo shop). */
  async needsFirstRun(): Promise<boolean> {
    const [row] = await queryRows<{ empty: boolean; orders: boolean }>(
      this.db,
      sql`select not exists (select 1 from customer_values) as empty,
                 exists (select 1 from orders where status not in ('cancelled', 'refunded')) as orders`,
    );
    return row.empty && row.orders;
  }
}
