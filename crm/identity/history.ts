import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { queryRows } from '../commerce/rows';

export type HistoryKind = 'message' | 'ticket' | 'order' | 'event';

export interface HistoryEntry {
  kind: HistoryKind;
  id: string;
  at: Date;
  /** One line for lists. */
  summary: string;
  data: Record<string, unknown>;
}

export interface HistoryQuery {
  /** Newest first; at most this many entries (default 100, max 1,000). */
  limit?: number;
  /** Only entries strictly older than this (for paging: pass the last entry's `at`). */
  before?: Date;
  kinds?: HistoryKind[];
}

function summarise(kind: HistoryKind, d: Record<string, unknown>): string {
  switch (kind) {
    case 'message':
      return `${d.direction === 'inbound' ? '←' : '→'} [${d.channel}] ${String(d.author)}: ${String(d.text ?? '').slice(0, 120)}`;
    case 'ticket':
      return `ticket #${d.number} ${d.status} (${d.priority}, ${d.category}): ${d.subject}`;
    case 'order':
      return `order ${d.orderNumber} ${d.status}: ${d.lines} line(s), ${(Number(d.totalMinor) / 100).toFixed(2)} ${d.currency}`;
    case 'event':
      return `${d.type}${d.sku ? ` ${d.sku}${d.product ? ` (${d.product})` : ''}` : ''}${d.quantity ? ` x${d.quantity}` : ''}`;
  }
}

/**
 * One customer's history across the system: messages, tickets, orders and behavioural events, newest
 * first, in one query (each branch reads its own customer/time index and is limited before the union).
 */
export class CustomerHistory {
  constructor(private readonly db: Db) {}

  async timeline(customerId: string, query: HistoryQuery = {}): Promise<HistoryEntry[]> {
    const limit = Math.min(Math.max(1, query.limit ?? 100), 1000);
    const before = (query.before ?? new Date('9999-12-31T00:00:00Z')).toISOString();
    const kinds = new Set<HistoryKind>(query.kinds ?? ['message', 'ticket', 'order', 'event']);
    // Every branch names its columns: any of them can be the first of the union, which names the result's.
    const branches = [];
    if (kinds.has('message')) {
      branches.push(sql`(select 'message' as kind, m.id::text as id, m.created_at as at,
          jsonb_build_object('direction', m.direction, 'channel', m.channel, 'conversationId', m.conversation_id, 'author', m.author, 'text', m.text) as data
        from messages m where m.customer_id = ${customerId} and m.created_at < ${before}::timestamptz order by m.created_at desc limit ${limit})`);
    }
    if (kinds.has('ticket')) {
      branches.push(sql`(select 'ticket' as kind, t.id::text as id, t.created_at as at,
          jsonb_build_object('number', t.number, 'status', t.status, 'priority', t.priority, 'category', t.category, 'subject', t.subject, 'channel', t.channel) as data
        from tickets t where t.customer_id = ${customerId} and t.created_at < ${before}::timestamptz order by t.created_at desc limit ${limit})`);
    }
    if (kinds.has('order')) {
      branches.push(sql`(select 'order' as kind, o.id::text as id, o.placed_at as at,
          jsonb_build_object('orderNumber', o.order_number, 'status', o.status, 'totalMinor', o.total_minor, 'currency', o.currency, 'country', o.country,
                             'lines', (select count(*) from order_lines l where l.order_id = o.id)) as data
        from orders o where o.customer_id = ${customerId} and o.placed_at < ${before}::timestamptz order by o.placed_at desc limit ${limit})`);
    }
    if (kinds.has('event')) {
      branches.push(sql`(select 'event' as kind, e.id::text as id, e.at as at,
          jsonb_build_object('type', e.type, 'sku', p.sku, 'product', p.name, 'quantity', e.quantity, 'source', e.source) as data
        from customer_events e left join products p on p.id = e.product_id
        where e.customer_id = ${customerId} and e.at < ${before}::timestamptz order by e.at desc limit ${limit})`);
    }
    if (branches.length === 0) return [];
    const rows = await queryRows<{ kind: HistoryKind; id: string; at: string | Date; data: Record<string, unknown> }>(
      this.db,
      sql`select kind, id, at, data from (${sql.join(branches, sql` union all `)}) h order by at desc, kind, id desc limit ${limit}`,
    );
    return rows.map((r) => ({ kind: r.kind, id: r.id, at: new Date(r.at), data: r.data, summary: summarise(r.kind, r.data) }));
  }
}
