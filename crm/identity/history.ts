import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db';
import { queryRows } from '../commerce/rows';
import { CrmError } from '../errors';

export type HistoryKind = 'message' | 'ticket' | 'order' | 'event';

export const HISTORY_KINDS: readonly HistoryKind[] = ['message', 'ticket', 'order', 'event'];

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
  /** Where the previous page ended (its `nextCursor`): the entries after it in the timeline's order. */
  cursor?: string;
  /**
   * Only entries strictly older than this. Kept for older clients: entries that share the boundary's
   * timestamp are skipped, so page with `cursor` instead.
   */
  before?: Date;
  kinds?: HistoryKind[];
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Pass as `cursor` for the next (older) page; null when there is nothing older. */
  nextCursor: string | null;
}

export class HistoryCursorError extends CrmError {
  constructor(message = 'cursor is not one this server gave out') {
    super(message, 'invalid_cursor');
  }
}

/**
 * A position in the timeline's order (at desc, kind, id desc). `at` keeps PostgreSQL's microseconds:
 * a JavaScript Date would round them away and entries of the same millisecond would be lost.
 */
export interface HistoryPosition {
  /** ISO 8601, UTC, six fraction digits. */
  at: string;
  kind: HistoryKind;
  id: string;
}

const AT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ROW_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{1,19})$/;

/** The opaque cursor of a position (base64url JSON; clients must not build or read it). */
export function encodeHistoryCursor(p: HistoryPosition): string {
  return Buffer.from(JSON.stringify([p.at, p.kind, p.id])).toString('base64url');
}

/** The position of a cursor; HistoryCursorError for anything this server did not give out. */
export function decodeHistoryCursor(cursor: string): HistoryPosition {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new HistoryCursorError();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new HistoryCursorError();
  }
  if (!Array.isArray(value) || value.length !== 3) throw new HistoryCursorError();
  const [at, kind, id] = value as unknown[];
  if (typeof at !== 'string' || !AT_KEY.test(at) || Number.isNaN(Date.parse(at))) throw new HistoryCursorError();
  if (typeof kind !== 'string' || !(HISTORY_KINDS as readonly string[]).includes(kind)) throw new HistoryCursorError();
  if (typeof id !== 'string' || !ROW_ID.test(id)) throw new HistoryCursorError();
  return { at, kind: kind as HistoryKind, id };
}

type Bound = { after: HistoryPosition } | { before: Date } | null;

/**
 * The keyset condition of one branch (all its rows have `kind`): the rows after the position in the
 * order (at desc, kind, id desc). Written as a range on the branch's time column, so each branch
 * still reads its (customer, time) index backwards from the boundary.
 */
function branchBound(kind: HistoryKind, at: SQL, id: SQL, bound: Bound): SQL {
  if (!bound) return sql`true`;
  if ('before' in bound) return sql`${at} < ${bound.before.toISOString()}::timestamptz`;
  const p = bound.after;
  const t = sql`${p.at}::timestamptz`;
  if (kind > p.kind) return sql`${at} <= ${t}`;
  if (kind < p.kind) return sql`${at} < ${t}`;
  return sql`${at} <= ${t} and (${at} < ${t} or ${id} collate "C" < ${p.id})`;
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
 * The order is total (at desc, kind, id desc), so keyset paging returns every entry exactly once, also
 * when many share one timestamp.
 */
export class CustomerHistory {
  constructor(private readonly db: Db) {}

  /** The entries of one page (see `page` for the cursor to the next one). */
  async timeline(customerId: string, query: HistoryQuery = {}): Promise<HistoryEntry[]> {
    return (await this.page(customerId, query)).entries;
  }

  async page(customerId: string, query: HistoryQuery = {}): Promise<HistoryPage> {
    const limit = Math.min(Math.max(1, query.limit ?? 100), 1000);
    if (query.cursor !== undefined && query.before !== undefined) throw new HistoryCursorError('give either cursor or before, not both');
    const bound: Bound = query.cursor !== undefined ? { after: decodeHistoryCursor(query.cursor) } : query.before ? { before: query.before } : null;
    const kinds = new Set<HistoryKind>(query.kinds ?? HISTORY_KINDS);
    // One more than asked: whether there is an older page, without a second query.
    const take = limit + 1;
    // Every branch names its columns: any of them can be the first of the union, which names the result's.
    const branches = [];
    if (kinds.has('message')) {
      branches.push(sql`(select 'message' as kind, m.id::text as id, m.created_at as at,
          jsonb_build_object('direction', m.direction, 'channel', m.channel, 'conversationId', m.conversation_id, 'author', m.author, 'text', m.text) as data
        from messages m where m.customer_id = ${customerId} and ${branchBound('message', sql`m.created_at`, sql`m.id::text`, bound)}
        order by m.created_at desc, m.id::text collate "C" desc limit ${take})`);
    }
    if (kinds.has('ticket')) {
      branches.push(sql`(select 'ticket' as kind, t.id::text as id, t.created_at as at,
          jsonb_build_object('number', t.number, 'status', t.status, 'priority', t.priority, 'category', t.category, 'subject', t.subject, 'channel', t.channel) as data
        from tickets t where t.customer_id = ${customerId} and ${branchBound('ticket', sql`t.created_at`, sql`t.id::text`, bound)}
        order by t.created_at desc, t.id::text collate "C" desc limit ${take})`);
    }
    if (kinds.has('order')) {
      branches.push(sql`(select 'order' as kind, o.id::text as id, o.placed_at as at,
          jsonb_build_object('orderNumber', o.order_number, 'status', o.status, 'totalMinor', o.total_minor, 'currency', o.currency, 'country', o.country,
                             'lines', (select count(*) from order_lines l where l.order_id = o.id)) as data
        from orders o where o.customer_id = ${customerId} and ${branchBound('order', sql`o.placed_at`, sql`o.id::text`, bound)}
        order by o.placed_at desc, o.id::text collate "C" desc limit ${take})`);
    }
    if (kinds.has('event')) {
      branches.push(sql`(select 'event' as kind, e.id::text as id, e.at as at,
          jsonb_build_object('type', e.type, 'sku', p.sku, 'product', p.name, 'quantity', e.quantity, 'source', e.source) as data
        from customer_events e left join products p on p.id = e.product_id
        where e.customer_id = ${customerId} and ${branchBound('event', sql`e.at`, sql`e.id::text`, bound)}
        order by e.at desc, e.id::text collate "C" desc limit ${take})`);
    }
    if (branches.length === 0) return { entries: [], nextCursor: null };
    const rows = await queryRows<{ kind: HistoryKind; id: string; at: string | Date; at_key: string; data: Record<string, unknown> }>(
      this.db,
      sql`select kind, id, at, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at_key, data
          from (${sql.join(branches, sql` union all `)}) h order by at desc, kind collate "C", id collate "C" desc limit ${take}`,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      entries: page.map((r) => ({ kind: r.kind, id: r.id, at: new Date(r.at), data: r.data, summary: summarise(r.kind, r.data) })),
      nextCursor: rows.length > limit ? encodeHistoryCursor({ at: last.at_key, kind: last.kind, id: last.id }) : null,
    };
  }
}
