import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { CrmError } from '../errors';
import { identityKey, resolveCustomersBulk } from '../identity/resolve';
import { ErasedCustomerError, Tombstones } from '../privacy/tombstones';
import type { CustomerEventType } from '../schema';
import { queryRows } from './rows';
import { CommerceStore } from './store';

/** An event as a client sends it (website, app, shop backend). */
export interface IncomingEvent {
  type: CustomerEventType;
  /** The client's handle for the person (identity kind + id, e.g. `shop_customer` / `123`) or our customer id. */
  customer: { kind: string; id: string } | { customerId: string };
  sku?: string;
  quantity?: number;
  at?: Date;
  idempotencyKey: string;
  data?: Record<string, unknown>;
}

export class UnknownProductError extends CrmError {
  constructor(readonly skus: string[]) {
    super(`unknown product(s): ${skus.join(', ')}`, 'unknown_product');
  }
}

export class UnknownCustomerError extends CrmError {
  constructor(readonly ids: string[]) {
    super(`unknown customer id(s): ${ids.join(', ')}`, 'unknown_customer');
  }
}

export interface IngestResult {
  idempotencyKey: string;
  status: 'created' | 'duplicate';
}

/**
 * Real-time behavioural events: resolves customers (creating one for an unknown identity), checks
 * products, stores each event once per idempotency key. All or nothing per call: an unknown product,
 * or a customer erased at their request (ErasedCustomerError, 409), refuses the whole call.
 */
export class EventIngest {
  private readonly store: CommerceStore;
  constructor(private readonly db: Db) {
    this.store = new CommerceStore(db);
  }

  async ingest(events: readonly IncomingEvent[], source: string): Promise<IngestResult[]> {
    return this.db.transaction(async (tx) => {
      const skus = [...new Set(events.map((e) => e.sku).filter((s): s is string => Boolean(s)))];
      const products = await this.store.productIds(skus, tx);
      const missing = skus.filter((s) => !products.has(s));
      if (missing.length > 0) throw new UnknownProductError(missing);
      const current = new Map<string, string>();
      const direct = [...new Set(events.flatMap((e) => ('customerId' in e.customer ? [e.customer.customerId] : [])))];
      if (direct.length > 0) {
        const found = await queryRows<{ id: string; merged_into: string | null; erased: boolean }>(
          tx,
          sql`select c.id::text, p.merged_into::text, coalesce(c.attributes ? 'erased', false) as erased from customers c left join customer_profiles p on p.customer_id = c.id
              where c.id in (${sql.join(direct.map((id) => sql`${id}::uuid`), sql`, `)})`,
        );
        // An erased customer's row stays (anonymous, for their tickets' counts): no new data goes to it.
        if (found.some((f) => f.erased)) throw new ErasedCustomerError();
        // A merged profile's events go to the profile it was merged into.
        for (const f of found) current.set(f.id, f.merged_into ?? f.id);
        const unknown = direct.filter((id) => !current.has(id));
        if (unknown.length > 0) throw new UnknownCustomerError(unknown);
      }
      const refs = events.flatMap((e) => ('kind' in e.customer ? [{ kind: e.customer.kind, externalId: e.customer.id }] : []));
      // Erased people stay erased: a handle of theirs would create them again.
      if ((await new Tombstones(tx).erasedAmong(refs.map((r) => ({ kind: r.kind, value: r.externalId })))).size > 0) throw new ErasedCustomerError();
      const resolved = await resolveCustomersBulk(tx, refs);
      const now = new Date();
      const created = await this.store.recordEvents(
        events.map((e) => ({
          customerId: 'customerId' in e.customer ? current.get(e.customer.customerId)! : resolved.ids.get(identityKey(e.customer.kind, e.customer.id))!,
          type: e.type,
          productId: e.sku ? products.get(e.sku)! : null,
          quantity: e.quantity ?? null,
          at: e.at ?? now,
          idempotencyKey: e.idempotencyKey,
          source,
          data: e.data,
        })),
        tx,
      );
      const reported = new Set<string>();
      return events.map((e) => {
        const status = created.has(e.idempotencyKey) && !reported.has(e.idempotencyKey) ? 'created' : 'duplicate';
        reported.add(e.idempotencyKey);
        return { idempotencyKey: e.idempotencyKey, status };
      });
    });
  }
}
