import { and, asc, eq, gt, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db';
import { directLineActivities, directLineConversations } from './schema';
import { NotFoundError } from './errors';
import { redactSensitive } from './privacy';

export type StoredActivity = Record<string, unknown> & { id: string };

export interface DirectLineConversation {
  id: string;
  userId: string;
  createdAt: Date;
}

export interface AppendResult {
  activities: StoredActivity[];
  /** False when the client's retry of an already stored activity was recognised. */
  created: boolean;
}

/** Ids are "<conversation>|<seq>": the watermark a client sends back is the seq of what it saw last. */
export function activityId(conversationId: string, seq: number): string {
  return `${conversationId}|${String(seq).padStart(7, '0')}`;
}

export function seqOfActivityId(id: string): number | null {
  const m = /\|(\d{1,10})$/.exec(id);
  return m ? Number(m[1]) : null;
}

/**
 * The Direct Line transcript of website conversations. It lives in PostgreSQL, so every instance
 * serves every conversation, and a restart loses nothing.
 */
export class TranscriptStore {
  constructor(private readonly db: Db) {}

  async createConversation(id: string, userId: string): Promise<DirectLineConversation> {
    const [row] = await this.db.insert(directLineConversations).values({ id, userId }).returning();
    return { id: row.id, userId: row.userId, createdAt: row.createdAt };
  }

  async getConversation(id: string): Promise<DirectLineConversation | null> {
    const rows = await this.db.select().from(directLineConversations).where(eq(directLineConversations.id, id)).limit(1);
    const row = rows[0];
    return row ? { id: row.id, userId: row.userId, createdAt: row.createdAt } : null;
  }

  /**
   * Appends activities in order. The conversation row is locked by the sequence update, so appends
   * from several instances interleave safely. A `clientActivityId` already stored returns the stored activity.
   */
  async append(
    conversationId: string,
    incoming: Array<Record<string, unknown>>,
    options: {
      clientActivityId?: string;
      pendingTurn?: boolean;
      /** With `pendingTurn`: the storing process holds the turn this long (no sweep claims it meanwhile). */
      turnLeaseMs?: number;
      /**
       * Appends only to this user's conversation: the ownership check is part of the same statement
       * (no read before every post). Nothing appended (empty `activities`) when the conversation is
       * unknown or another user's; the caller says which.
       */
      ownerUserId?: string;
    } = {},
  ): Promise<AppendResult> {
    // A client activity already stored (a retry) fails the insert on its unique index, the whole
    // statement with it (no sequence number taken), and the stored copy is returned below: the common
    // case, a new activity, costs no read first.
    try {
      const now = new Date();
      // Card numbers and IBANs masked in whatever is stored (the customer's words and the bot's alike).
      const documents = incoming.map((a) => ({ ...a, ...(typeof a.text === 'string' ? { text: redactSensitive(a.text) } : {}), timestamp: (a.timestamp as string | undefined) ?? now.toISOString(), conversation: { id: conversationId } }));
      // One statement: take the next sequence numbers (the UPDATE locks the conversation row, so
      // appends from several instances interleave safely) and insert the activities with their ids.
      const result = await this.db.execute(sql`
        with seq as (
          update ${directLineConversations} set next_seq = next_seq + ${incoming.length}, last_activity_at = ${now}
          where id = ${conversationId}${options.ownerUserId !== undefined ? sql` and user_id = ${options.ownerUserId}` : sql``}
          returning next_seq - ${incoming.length} as first
        ), docs as (
          select (d.ordinality - 1)::int as i, d.value as doc from jsonb_array_elements(${JSON.stringify(documents)}::jsonb) with ordinality d
        )
        insert into ${directLineActivities} (conversation_id, seq, activity, client_activity_id, handled_at, turn_lease_until, created_at)
        select ${conversationId}, seq.first + docs.i,
               docs.doc || jsonb_build_object('id', ${conversationId} || '|' || lpad((seq.first + docs.i)::text, 7, '0')),
               case when docs.i = 0 then ${options.clientActivityId ?? null}::text end,
               ${options.pendingTurn ? null : now}::timestamptz, ${leaseUntil(options.pendingTurn ? options.turnLeaseMs : undefined)}, ${now}
        from seq, docs
        returning seq, activity`);
      const rows = ((result as unknown as { rows: Array<{ seq: number; activity: StoredActivity }> }).rows ?? []).sort((a, b) => a.seq - b.seq);
      if (rows.length === 0 && incoming.length > 0) {
        if (options.ownerUserId !== undefined) return { activities: [], created: false };
        if (!(await this.getConversation(conversationId))) throw new NotFoundError('conversation');
      }
      return { activities: rows.map((r) => r.activity), created: true };
    } catch (err) {
      // Two concurrent retries of the same client activity: the loser returns the winner's copy.
      if (options.clientActivityId && isUniqueViolation(err)) {
        const existing = await this.findByClientActivityId(conversationId, options.clientActivityId);
        if (existing) return { activities: [existing], created: false };
      }
      throw err;
    }
  }

  /** The seq of the conversation's latest activity (null: none, or no such conversation). */
  async lastSeq(conversationId: string): Promise<number | null> {
    const rows = await this.db.select({ next: directLineConversations.nextSeq }).from(directLineConversations).where(eq(directLineConversations.id, conversationId)).limit(1);
    return rows[0] && rows[0].next > 0 ? rows[0].next - 1 : null;
  }

  /** Activities after the watermark (exclusive), oldest first, and the new watermark. */
  async since(conversationId: string, watermark: number | null, limit = 500): Promise<{ activities: StoredActivity[]; watermark: number | null }> {
    const rows = await this.db
      .select({ seq: directLineActivities.seq, activity: directLineActivities.activity })
      .from(directLineActivities)
      .where(
        and(
          eq(directLineActivities.conversationId, conversationId),
          watermark === null ? undefined : gt(directLineActivities.seq, watermark),
        ),
      )
      .orderBy(asc(directLineActivities.seq))
      .limit(limit);
    return {
      activities: rows.map((r) => r.activity as StoredActivity),
      watermark: rows.length > 0 ? rows[rows.length - 1].seq : watermark,
    };
  }

  async markHandled(id: string): Promise<void> {
    const seq = seqOfActivityId(id);
    const conversationId = id.slice(0, id.lastIndexOf('|'));
    if (seq === null) return;
    await this.db
      .update(directLineActivities)
      .set({ handledAt: new Date() })
      .where(and(eq(directLineActivities.conversationId, conversationId), eq(directLineActivities.seq, seq)));
  }

  /**
   * Claims customer messages nobody is answering (unhandled, lease null or past: the process that held
   * them died or stalled), oldest first: each gets a lease of `leaseMs` from now. Atomic across processes
   * (`for update skip locked`, and the lease re-checked on the locked row), so a message is claimed by
   * one of them. Only a conversation's oldest unhandled message is claimable, so two processes never run
   * one conversation's turns at once or out of order; the next is claimable once it is handled.
   */
  async claimUnhandled(leaseMs: number, limit = 20): Promise<StoredActivity[]> {
    const a = directLineActivities;
    const result = await this.db.execute(sql`
      update ${a} set turn_lease_until = ${leaseUntil(leaseMs)}
      from (
        select c.conversation_id, c.seq from ${a} c
        where c.handled_at is null and (c.turn_lease_until is null or c.turn_lease_until <= now())
          and ${customerMessage(sql`c`)}
          and not exists (
            select 1 from ${a} o
            where o.conversation_id = c.conversation_id and o.seq < c.seq and o.handled_at is null and ${customerMessage(sql`o`)}
          )
        order by c.created_at, c.seq
        limit ${limit}
        for update of c skip locked
      ) claimed
      where ${a}.conversation_id = claimed.conversation_id and ${a}.seq = claimed.seq
        and ${a}.handled_at is null and (${a}.turn_lease_until is null or ${a}.turn_lease_until <= now())
      returning ${a}.activity, ${a}.created_at, ${a}.seq`);
    const rows = (result as unknown as { rows: Array<{ activity: StoredActivity; created_at: string | Date; seq: number }> }).rows ?? [];
    return rows.sort((x, y) => new Date(x.created_at).getTime() - new Date(y.created_at).getTime() || x.seq - y.seq).map((r) => r.activity);
  }

  /**
   * Claims one stored customer message if nobody is answering it (unhandled, lease null or past), with a
   * lease of `leaseMs`; null when it is handled, or another process holds it. For a client's retried post.
   */
  async claim(id: string, leaseMs: number): Promise<StoredActivity | null> {
    const key = keyOfActivityId(id);
    if (!key) return null;
    const a = directLineActivities;
    const result = await this.db.execute(sql`
      update ${a} set turn_lease_until = ${leaseUntil(leaseMs)}
      where conversation_id = ${key.conversationId} and seq = ${key.seq}
        and handled_at is null and (turn_lease_until is null or turn_lease_until <= now())
        and ${customerMessage(sql`${a}`)}
      returning activity`);
    const rows = (result as unknown as { rows: Array<{ activity: StoredActivity }> }).rows ?? [];
    return rows[0]?.activity ?? null;
  }

  /** Extends the lease of a turn still running (no-op once it is handled). */
  async renewLease(id: string, leaseMs: number): Promise<void> {
    const key = keyOfActivityId(id);
    if (!key) return;
    await this.db.execute(sql`
      update ${directLineActivities} set turn_lease_until = ${leaseUntil(leaseMs)}
      where conversation_id = ${key.conversationId} and seq = ${key.seq} and handled_at is null`);
  }

  /** Customer messages whose turn never finished (a crash mid-turn), oldest first. */
  async unhandled(olderThan: Date, limit = 100): Promise<StoredActivity[]> {
    const rows = await this.db
      .select({ activity: directLineActivities.activity })
      .from(directLineActivities)
      .where(
        and(
          isNull(directLineActivities.handledAt),
          lt(directLineActivities.createdAt, olderThan),
          sql`${directLineActivities.activity}->>'type' = 'message'`,
          sql`${directLineActivities.activity}->'from'->>'role' = 'user'`,
        ),
      )
      .orderBy(asc(directLineActivities.createdAt))
      .limit(limit);
    return rows.map((r) => r.activity as StoredActivity);
  }

  private async findByClientActivityId(conversationId: string, clientActivityId: string): Promise<StoredActivity | null> {
    const rows = await this.db
      .select({ activity: directLineActivities.activity })
      .from(directLineActivities)
      .where(and(eq(directLineActivities.conversationId, conversationId), eq(directLineActivities.clientActivityId, clientActivityId)))
      .limit(1);
    return (rows[0]?.activity as StoredActivity | undefined) ?? null;
  }
}

/** The database's clock, not this process's: every process compares leases against the same time. */
function leaseUntil(leaseMs: number | undefined) {
  return leaseMs === undefined ? sql`null::timestamptz` : sql`now() + ${Math.max(0, Math.round(leaseMs))}::int * interval '1 millisecond'`;
}

/** The rows a turn answers: messages from the customer (the pending index's predicate). */
function customerMessage(alias: SQL) {
  return sql`${alias}.activity->>'type' = 'message' and ${alias}.activity->'from'->>'role' = 'user'`;
}

function keyOfActivityId(id: string): { conversationId: string; seq: number } | null {
  const seq = seqOfActivityId(id);
  return seq === null ? null : { conversationId: id.slice(0, id.lastIndexOf('|')), seq };
}

export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === '23505') return true;
  }
  return false;
}
