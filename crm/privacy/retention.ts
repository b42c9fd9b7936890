/**
 * Retention (I/O): applies the cutoffs of retentionPolicy.ts to the database. Expired transcripts,
 * behavioural events, learned data and audit entries are deleted; expired closed tickets are
 * anonymised (their texts stripped) so reports and agent scores keep counting them. Idempotent: what a
 * run removed is gone, and an anonymised ticket is marked, so a second run at the same moment does nothing.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db';
import { queryRows } from '../commerce/rows';
import { OPEN_TICKET_STATUSES } from '../schema';
import { RETENTION_KINDS, retentionCutoffs, type RetentionCounts, type RetentionKind, type RetentionPolicy, type RetentionReport } from './retentionPolicy';

/** What an anonymised ticket's subject reads (the column is required; agents see why it is empty). */
export const ANONYMISED_SUBJECT = '[removed after the retention period]';

export interface RetentionRunOptions {
  /** The moment the cutoffs count from (default now; the nightly job passes its scheduled time). */
  now?: Date;
  /** Count what would go, change nothing. */
  dryRun?: boolean;
}

export interface RetentionRunReport extends RetentionReport {
  /** The parts of `transcripts`: Direct Line conversations (with their activities) and timeline messages. */
  detail: { directLineConversations: number; messages: number; intentLabels: number; learnedProfiles: number };
}

const openStatuses = sql.join(
  OPEN_TICKET_STATUSES.map((s) => sql`${s}`),
  sql`, `,
);

async function count(db: DbOrTx, query: SQL): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, query);
  return Number(row?.n ?? 0);
}

export class RetentionService {
  constructor(
    private readonly db: Db,
    private readonly policy: RetentionPolicy,
  ) {}

  /** Deletes or anonymises what has expired at `now` (dry: counts it); each kind in its own transaction. */
  async run(o: RetentionRunOptions = {}): Promise<RetentionRunReport> {
    const now = o.now ?? new Date();
    const dryRun = o.dryRun === true;
    const cutoffs = retentionCutoffs(this.policy, now);
    const counts = Object.fromEntries(RETENTION_KINDS.map((k) => [k, null])) as RetentionCounts;
    const detail = { directLineConversations: 0, messages: 0, intentLabels: 0, learnedProfiles: 0 };
    for (const kind of RETENTION_KINDS) {
      const cutoff = cutoffs[kind];
      if (cutoff === null) continue;
      counts[kind] = await this.db.transaction((tx) => this.apply(tx, kind, cutoff, dryRun, detail));
    }
    return {
      at: now.toISOString(),
      dryRun,
      cutoffs: Object.fromEntries(RETENTION_KINDS.map((k) => [k, cutoffs[k]?.toISOString() ?? null])) as Record<RetentionKind, string | null>,
      counts,
      detail,
    };
  }

  private async apply(tx: DbOrTx, kind: RetentionKind, cutoff: Date, dryRun: boolean, detail: RetentionRunReport['detail']): Promise<number> {
    const at = cutoff.toISOString();
    switch (kind) {
      case 'transcripts': {
        // A conversation is removed once its last activity has expired (its activities go with it, by cascade).
        const conversations = dryRun
          ? await count(tx, sql`select count(*)::int as n from directline_conversations where last_activity_at < ${at}::timestamptz`)
          : await count(tx, sql`with gone as (delete from directline_conversations where last_activity_at < ${at}::timestamptz returning 1) select count(*)::int as n from gone`);
        // Timeline messages, except those of a conversation with a ticket still open: its agent reads them.
        const expiredMessages = sql`m.created_at < ${at}::timestamptz and not exists (
            select 1 from tickets t where t.channel = m.channel and t.conversation_id = m.conversation_id and t.status in (${openStatuses}))`;
        const messages = dryRun
          ? await count(tx, sql`select count(*)::int as n from messages m where ${expiredMessages}`)
          : await count(tx, sql`with gone as (delete from messages m where ${expiredMessages} returning 1) select count(*)::int as n from gone`);
        detail.directLineConversations = conversations;
        detail.messages = messages;
        return conversations + messages;
      }
      case 'closedTickets': {
        const expired = sql`t.status = 'closed' and t.anonymised_at is null and coalesce(t.closed_at, t.updated_at) < ${at}::timestamptz`;
        if (dryRun) return count(tx, sql`select count(*)::int as n from tickets t where ${expired}`);
        const ids = await queryRows<{ id: string }>(
          tx,
          sql`update tickets t set subject = ${ANONYMISED_SUBJECT}, summary = '', entities = '[]'::jsonb, anonymised_at = now()
                where ${expired} returning t.id::text as id`,
        );
        if (ids.length === 0) return 0;
        // CSAT comments are the customer's words; ratings, types and times stay (scores count them).
        await tx.execute(sql`update ticket_events set data = data - 'comment'
          where ticket_id in (select jsonb_array_elements_text(${JSON.stringify(ids.map((r) => r.id))}::jsonb)::uuid) and data ? 'comment'`);
        return ids.length;
      }
      case 'events':
        return dryRun
          ? count(tx, sql`select count(*)::int as n from customer_events where at < ${at}::timestamptz`)
          : count(tx, sql`with gone as (delete from customer_events where at < ${at}::timestamptz returning 1) select count(*)::int as n from gone`);
      case 'learned': {
        // learned.updatedAt is an ISO instant in UTC (toISOString), so text order is time order: no cast that a bad value could fail.
        const stale = sql`attributes ? 'learned' and coalesce(attributes -> 'learned' ->> 'updatedAt', '') < ${at}`;
        const profiles = dryRun
          ? await count(tx, sql`select count(*)::int as n from customers where ${stale}`)
          : await count(tx, sql`with gone as (update customers set attributes = attributes - 'learned', updated_at = now() where ${stale} returning 1) select count(*)::int as n from gone`);
        const labels = dryRun
          ? await count(tx, sql`select count(*)::int as n from intent_labels where created_at < ${at}::timestamptz`)
          : await count(tx, sql`with gone as (delete from intent_labels where created_at < ${at}::timestamptz returning 1) select count(*)::int as n from gone`);
        detail.learnedProfiles = profiles;
        detail.intentLabels = labels;
        return profiles + labels;
      }
      case 'audit':
        // The table refuses DELETE except through this function, which removes only entries older than the cutoff it is given.
        return dryRun
          ? count(tx, sql`select count(*)::int as n from audit_log where at < ${at}::timestamptz`)
          : count(tx, sql`select audit_log_purge(${at}::timestamptz) as n`);
    }
  }
}
