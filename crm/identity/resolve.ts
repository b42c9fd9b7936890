import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db';
import { jsonParam, queryRows } from '../commerce/rows';

/** Identity kind under which online-retail CustomerIDs are stored. */
export const RETAIL_CUSTOMER_KIND = 'retail_customer_id';

export interface IdentityRef {
  kind: string;
  externalId: string;
  /** Used only when the customer is created. */
  displayName?: string | null;
  email?: string | null;
}

export const identityKey = (kind: string, externalId: string) => `${kind}\u0000${externalId}`;

export interface ResolvedCustomers {
  /** identityKey(kind, externalId) → customer id. */
  ids: Map<string, string>;
  /** How many customers were created. */
  created: number;
  /** identityKey of each identity whose customer was created by this call. */
  createdKeys: Set<string>;
}

/** The customers these identities belong to (one statement for the whole list). */
function findIdentities(db: DbOrTx, refs: Array<{ kind: string; external_id: string }>) {
  return queryRows<{ kind: string; external_id: string; customer_id: string }>(
    db,
    sql`select i.kind, i.external_id, i.customer_id from identities i
        join jsonb_to_recordset(${jsonParam(refs)}::jsonb) as x(kind text, external_id text)
          on i.kind = x.kind and i.external_id = x.external_id`,
  );
}

/**
 * Resolves many identities to customers at once, creating a customer (and its identity) for each
 * unknown one: the bulk form of CustomerDirectory.resolve, for imports and the events API.
 * Safe against concurrent creators: the identity's unique index decides, a losing customer row is removed.
 */
export async function resolveCustomersBulk(db: DbOrTx, refs: readonly IdentityRef[]): Promise<ResolvedCustomers> {
  const unique = new Map<string, IdentityRef>();
  for (const r of refs) if (!unique.has(identityKey(r.kind, r.externalId))) unique.set(identityKey(r.kind, r.externalId), r);
  const ids = new Map<string, string>();
  if (unique.size === 0) return { ids, created: 0, createdKeys: new Set() };
  const input = [...unique.values()].map((r) => ({ kind: r.kind, external_id: r.externalId }));
  for (const f of await findIdentities(db, input)) ids.set(identityKey(f.kind, f.external_id), f.customer_id);
  // Sorted: concurrent callers insert in the same order, so they wait on each other instead of deadlocking.
  const missing = [...unique.entries()].filter(([k]) => !ids.has(k)).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, r]) => r);
  if (missing.length === 0) return { ids, created: 0, createdKeys: new Set() };
  const payload = missing.map((r) => ({ id: randomUUID(), kind: r.kind, external_id: r.externalId, display_name: r.displayName ?? null, email: r.email ?? null }));
  // One statement: new customers numbered like the input, then their identities; conflicts (a concurrent
  // creator) leave our customer row without an identity, and it is deleted below.
  const rows = await queryRows<{ kind: string; external_id: string; new_id: string; linked_id: string | null }>(
    db,
    sql`with x as (select * from jsonb_to_recordset(${jsonParam(payload)}::jsonb) as x(id uuid, kind text, external_id text, display_name text, email text)),
        c as (insert into customers (id, display_name, email) select id, display_name, email from x returning id),
        ins as (insert into identities (customer_id, kind, external_id)
                select x.id, x.kind, x.external_id from x where x.id in (select id from c) order by x.kind, x.external_id
                on conflict (kind, external_id) do nothing
                returning kind, external_id, customer_id)
        select x.kind, x.external_id, x.id::text as new_id, ins.customer_id::text as linked_id
          from x left join ins on ins.kind = x.kind and ins.external_id = x.external_id`,
  );
  const orphans: string[] = [];
  const createdKeys = new Set<string>();
  for (const r of rows) {
    if (r.linked_id) {
      ids.set(identityKey(r.kind, r.external_id), r.linked_id);
      createdKeys.add(identityKey(r.kind, r.external_id));
    }
    else orphans.push(r.new_id);
  }
  const created = rows.length - orphans.length;
  if (orphans.length > 0) {
    // Lost races: drop our customers that got no identity and read the winners.
    await db.execute(sql`delete from customers where id in (select jsonb_array_elements_text(${jsonParam(orphans)}::jsonb)::uuid)`);
    const rest = missing.filter((r) => !ids.has(identityKey(r.kind, r.externalId))).map((r) => ({ kind: r.kind, external_id: r.externalId }));
    for (const w of await findIdentities(db, rest)) ids.set(identityKey(w.kind, w.external_id), w.customer_id);
  }
  return { ids, created, createdKeys };
}
