import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { queryRows } from '../commerce/rows';

export interface CustomerMatch {
  id: string;
  displayName: string | null;
  email: string | null;
  /** What matched: `email`, `name`, `identity:<kind>`, `order`. */
  matchedBy: string;
  orders: number;
  lastContactAt: Date | null;
}

/**
 * Finds customers for an agent who wants to merge two profiles: by email or name (prefix, case
 * insensitive), by an exact channel handle (email, phone, retail id…) or by an order number. Merged-away
 * profiles are left out (their rows live in the survivor now).
 */
/**
 * Whose customers a search may return: an agent sees a customer when one of the customer's tickets is in
 * one of their queues or assigned to them (the console's rule for reading a customer).
 */
export interface SearchScope {
  userId: string;
  queueIds: readonly string[];
}

export class CustomerSearch {
  constructor(private readonly db: Db) {}

  /** `scope` limits the matches to the customers that agent may see; without it, every customer (supervisors, admins). */
  async search(query: string, limit = 20, scope?: SearchScope): Promise<CustomerMatch[]> {
    const q = query.trim();
    if (q.length < 2) return [];
    const visible = scope
      ? sql`and exists (select 1 from tickets t where t.customer_id = c.id and (t.assigned_agent_id::text = ${scope.userId}${
          scope.queueIds.length ? sql` or t.queue_id in (${sql.join(scope.queueIds.map((id) => sql`${id}`), sql`, `)})` : sql``
        }))`
      : sql``;
    // LIKE's wildcards in the query are literal characters.
    const prefix = `${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await queryRows<{ id: string; display_name: string | null; email: string | null; matched_by: string; orders: number; last_contact_at: string | Date | null }>(
      this.db,
      sql`with hits as (
            select id, 'email' as matched_by, 1 as rank from customers where lower(email) like ${prefix}
            union all select id, 'name', 2 from customers where lower(display_name) like ${prefix}
            union all select customer_id, 'identity:' || kind, 0 from identities where external_id = ${q} or external_id = ${q.toLowerCase()}
            union all select customer_id, 'order', 0 from orders where order_number = ${q}
          ),
          best as (select distinct on (id) id, matched_by, rank from hits order by id, rank)
          select c.id::text, c.display_name, c.email, b.matched_by,
            (select count(*)::int from orders o where o.customer_id = c.id) as orders,
            (select max(m.created_at) from messages m where m.customer_id = c.id) as last_contact_at
          from best b
          join customers c on c.id = b.id
          left join customer_profiles p on p.customer_id = c.id
          where p.merged_into is null ${visible}
          order by b.rank, c.email nulls last, c.id
          limit ${Math.min(Math.max(limit, 1), 100)}`,
    );
    return rows.map((r) => ({
      id: r.id,
      displayName: r.display_name,
      email: r.email,
      matchedBy: r.matched_by,
      orders: r.orders,
      lastContactAt: r.last_contact_at ? new Date(r.last_contact_at) : null,
    }));
  }
}
