import { sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db';
import { queryRows } from '../commerce/rows';
import { NotFoundError } from '../errors';
import { MERGE_MOVED_KINDS, type MergeMovedKind } from '../schema';
import { ProfileStore } from './profiles';
import { requestValueRunInOutbox } from '../value/requests';
import { checkMergeable, keepDeclaredAttributes, MergeError, planMerge, planUndo, type CustomerSnapshot, type MergeConflict, type MergePlan, type MergeSnapshots, type UndoKeptChange } from './mergePlan';

export { MergeError };

export type MovedCounts = Record<MergeMovedKind, number>;

export interface MergeRequest {
  /** The profile that remains. */
  survivorId: string;
  /** The profile folded into the survivor (kept, marked merged, emptied of rows). */
  mergedId: string;
  /** `agent:<user id>`, `auto:order-proof`, … */
  actor: string;
  reason?: string;
}

export interface MergeResult {
  mergeId: string;
  survivorId: string;
  mergedId: string;
  moved: MovedCounts;
}

/** A merge as the console lists it. */
export interface MergeSummary {
  id: string;
  survivorId: string;
  mergedId: string;
  actor: string;
  reason: string;
  createdAt: Date;
  undoneAt: Date | null;
  survivorName: string | null;
  mergedName: string | null;
  moved: MovedCounts;
}

export interface UndoResult {
  movedBack: MovedCounts;
  /** Survivor fields changed after the merge, which the undo left as they are. */
  kept: UndoKeptChange[];
  /** Custom attributes deleted or retyped since the merge, whose old values the undo did not bring back. */
  droppedAttributes: string[];
  /** Customer messages learned since the merge, marked to be learned again into the profile that owns them now. */
  relearning: number;
}

export interface OrderProof {
  /** The customer the chat identity resolved to. */
  customerId: string;
  email: string;
  orderNumber: string;
}

export type OrderProofResult =
  | { linked: true; customerId: string; mergeId: string | null; alreadyLinked: boolean }
  | { linked: false; reason: 'order_not_found' | 'email_mismatch' };

/** Where each moved kind lives, and how its id is written in the merge log. */
const MOVABLE: Record<MergeMovedKind, { table: string; idCast: string }> = {
  identity: { table: 'identities', idCast: 'uuid' },
  message: { table: 'messages', idCast: 'uuid' },
  order: { table: 'orders', idCast: 'uuid' },
  event: { table: 'customer_events', idCast: 'bigint' },
  ticket: { table: 'tickets', idCast: 'uuid' },
};

/** The rows of a kind that a merge moves from the duplicate: every row it owns (the merge and its preview both select with this). */
const ownedBy = (customerId: string): SQL => sql`customer_id = ${customerId}`;

/** One side of a merge preview. */
export interface MergePreviewSide {
  id: string;
  displayName: string | null;
  email: string | null;
  tags: string[];
  /** The rows this profile owns now, by kind. */
  rows: MovedCounts;
}

/** What a merge would do, computed with the merge's own rules, written nowhere. */
export interface MergePreview {
  survivor: MergePreviewSide;
  merged: MergePreviewSide;
  /** The rows that would move to the survivor (what `merge` would return as `moved`). */
  moves: MovedCounts;
  /** The survivor's profile after the merge. */
  result: { displayName: string | null; email: string | null; language: string | null; preferredLanguage: string | null; tags: string[]; attributes: Record<string, unknown> };
  /** Fields both have with different values, and whose value wins. */
  conflicts: MergeConflict[];
  /** Tags the survivor would gain. */
  addedTags: string[];
}

const zeroMoved = (): MovedCounts => ({ identity: 0, message: 0, order: 0, event: 0, ticket: 0 });

/**
 * Identity linking: agent merges of two profiles with exact undo, and the automatic link when a chat
 * customer proves who they are (email + an order number of that email). Each merge runs in one
 * transaction holding both customers' row locks (taken in id order, so two merges never deadlock) and
 * records every moved row in customer_merge_moves; undo moves exactly those rows back and restores
 * both profiles as they were before the merge.
 */
export class IdentityLinker {
  constructor(private readonly db: Db) {}

  async merge(request: MergeRequest): Promise<MergeResult> {
    return this.db.transaction((tx) => this.mergeIn(tx, request));
  }

  /**
   * What merging `mergedId` into `survivorId` would move and how the profiles would combine, with the
   * rules `merge` applies, in one read-only snapshot: nothing is written or locked. Throws like `merge`
   * would (NotFoundError, MergeError).
   */
  async preview(survivorId: string, mergedId: string): Promise<MergePreview> {
    return this.db.transaction(
      async (tx) => {
        for (const id of [survivorId, mergedId]) {
          const found = await queryRows<{ id: string }>(tx, sql`select id::text from customers where id = ${id}`);
          if (found.length === 0) throw new NotFoundError(`customer ${id}`);
        }
        const before: MergeSnapshots = { survivor: await this.snapshot(tx, survivorId, false), merged: await this.snapshot(tx, mergedId, false) };
        checkMergeable(survivorId, mergedId, before);
        const plan = planMerge(before);
        const [survivorRows, mergedRows] = [await this.countOwned(tx, survivorId), await this.countOwned(tx, mergedId)];
        const side = (id: string, snap: CustomerSnapshot, rows: MovedCounts): MergePreviewSide => ({ id, displayName: snap.customer.display_name, email: snap.customer.email, tags: snap.profile?.tags ?? [], rows });
        return {
          survivor: side(survivorId, before.survivor, survivorRows),
          merged: side(mergedId, before.merged, mergedRows),
          moves: mergedRows,
          result: { ...plan.customer, preferredLanguage: plan.profile.language, tags: plan.profile.tags, attributes: plan.profile.attributes },
          conflicts: plan.conflicts,
          addedTags: plan.addedTags,
        };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
  }

  private async mergeIn(tx: DbOrTx, { survivorId, mergedId, actor, reason = '' }: MergeRequest): Promise<MergeResult> {
    // Refused before any lock or read (checkMergeable below says the same after the snapshots).
    if (survivorId === mergedId) throw new MergeError('cannot merge a customer into itself', 'merge_self');
    await this.lockCustomers(tx, [survivorId, mergedId]);
    const before: MergeSnapshots = {
      survivor: await this.snapshot(tx, survivorId, true),
      merged: await this.snapshot(tx, mergedId, true),
    };
    checkMergeable(survivorId, mergedId, before);
    const [{ id: mergeId }] = await queryRows<{ id: string }>(
      tx,
      // created_at is the clock with both customers locked, like messages.learned_at: undo compares the two.
      sql`insert into customer_merges (survivor_id, merged_id, actor, reason, before, created_at)
          values (${survivorId}, ${mergedId}, ${actor}, ${reason}, ${JSON.stringify(before)}::jsonb, clock_timestamp()) returning id::text`,
    );
    const moved = zeroMoved();
    for (const kind of MERGE_MOVED_KINDS) {
      const table = sql.raw(MOVABLE[kind].table);
      const rows = await queryRows<{ n: number }>(
        tx,
        sql`with moved as (update ${table} set customer_id = ${survivorId} where ${ownedBy(mergedId)} returning id),
                 logged as (insert into customer_merge_moves (merge_id, kind, row_id) select ${mergeId}, ${kind}, id::text from moved returning 1)
            select count(*)::int as n from logged`,
      );
      moved[kind] = rows[0].n;
    }
    const plan = planMerge(before);
    await tx.execute(sql`update customers set display_name = ${plan.customer.displayName}, email = ${plan.customer.email},
      language = ${plan.customer.language}, attributes = ${JSON.stringify(plan.customer.attributes)}::jsonb, updated_at = now()
      where id = ${survivorId}`);
    await tx.execute(sql`insert into customer_profiles (customer_id, attributes, consent, language, tags)
      values (${survivorId}, ${JSON.stringify(plan.profile.attributes)}::jsonb, ${JSON.stringify(plan.profile.consent)}::jsonb,
              ${plan.profile.language}, ${toPgArray(plan.profile.tags)}::text[])
      on conflict (customer_id) do update set attributes = excluded.attributes, consent = excluded.consent, language = excluded.language, tags = excluded.tags, updated_at = now()`);
    await tx.execute(sql`insert into customer_profiles (customer_id, merged_into) values (${mergedId}, ${survivorId})
      on conflict (customer_id) do update set merged_into = excluded.merged_into, updated_at = now()`);
    // What the merge made of the survivor (the plan just written): undo tells from it what changed afterwards, and keeps that.
    await tx.execute(sql`update customer_merges set after = ${JSON.stringify(planAsSnapshot(plan, before.survivor))}::jsonb where id = ${mergeId}`);
    // Orders changed hands: customer value (population-relative RFM) is recomputed by the worker after the commit.
    if (moved.order > 0) await requestValueRunInOutbox(tx, { key: `merge:${mergeId}`, reason: 'merge' });
    return { mergeId, survivorId, mergedId, moved };
  }

  /**
   * Undoes a merge: moves back exactly the rows it moved, restores the duplicate as it was, and gives
   * the survivor its pre-merge values back except where they changed after the merge (planUndo: an
   * agent's edit, a consent decision, a tag added or removed since, stays). What the bot learned is
   * restored as it was before the merge on both sides, and the messages learned since the merge are
   * marked unlearned, so the learning catch-up learns each into the profile that now owns it.
   */
  async undo(mergeId: string, actor: string): Promise<UndoResult> {
    return this.db.transaction(async (tx) => {
      const merges = await queryRows<{ survivor_id: string; merged_id: string; before: MergeSnapshots; after: CustomerSnapshot | null; undone_at: string | null }>(
        tx,
        sql`select survivor_id::text, merged_id::text, before, after, undone_at from customer_merges where id = ${mergeId} for update`,
      );
      const merge = merges[0];
      if (!merge) throw new NotFoundError(`merge ${mergeId}`);
      if (merge.undone_at) throw new MergeError(`merge ${mergeId} was already undone`, 'already_undone');
      await this.lockCustomers(tx, [merge.survivor_id, merge.merged_id]);
      const survivorNow = await this.snapshot(tx, merge.survivor_id, true);
      if (survivorNow.profile?.merged_into) {
        throw new MergeError(`customer ${merge.survivor_id} was merged into ${survivorNow.profile.merged_into} afterwards; undo that merge first`, 'merged_later');
      }
      const movedBack = zeroMoved();
      for (const kind of MERGE_MOVED_KINDS) {
        const { table, idCast } = MOVABLE[kind];
        const rows = await queryRows<{ n: number }>(
          tx,
          sql`with back as (update ${sql.raw(table)} set customer_id = ${merge.merged_id}
                 where customer_id = ${merge.survivor_id}
                   and id in (select row_id::${sql.raw(idCast)} from customer_merge_moves where merge_id = ${mergeId} and kind = ${kind})
                 returning 1)
              select count(*)::int as n from back`,
        );
        movedBack[kind] = rows[0].n;
      }
      // Merges recorded before `after` was kept: the merge's own rules give what it wrote.
      const afterMerge = merge.after ?? planAsSnapshot(planMerge(merge.before), merge.before.survivor);
      const planned = planUndo(merge.before.survivor, afterMerge, survivorNow);
      // Read after the profile locks above: an attribute deleted meanwhile is seen as deleted (deleteAttribute locks the table).
      const declared = await new ProfileStore(this.db).definitions(tx);
      const survivor = keepDeclaredAttributes(planned.survivor, declared);
      const duplicate = keepDeclaredAttributes(merge.before.merged, declared);
      const dropped = [...new Set([...survivor.dropped, ...duplicate.dropped])].sort();
      for (const [id, snap] of [[merge.survivor_id, survivor.snapshot], [merge.merged_id, duplicate.snapshot]] as const) {
        await tx.execute(sql`update customers set display_name = ${snap.customer.display_name}, email = ${snap.customer.email}, language = ${snap.customer.language},
          attributes = ${JSON.stringify(snap.customer.attributes)}::jsonb, updated_at = now() where id = ${id}`);
        if (!snap.profile) await tx.execute(sql`delete from customer_profiles where customer_id = ${id}`);
        else {
          await tx.execute(sql`insert into customer_profiles (customer_id, attributes, consent, language, tags, merged_into)
            values (${id}, ${JSON.stringify(snap.profile.attributes)}::jsonb, ${JSON.stringify(snap.profile.consent)}::jsonb, ${snap.profile.language},
                    ${toPgArray(snap.profile.tags)}::text[], ${snap.profile.merged_into})
            on conflict (customer_id) do update set attributes = excluded.attributes, consent = excluded.consent, language = excluded.language,
              tags = excluded.tags, merged_into = excluded.merged_into, updated_at = now()`);
        }
      }
      // Learned since the merge (into the combined profile): learned again, each into its owner's restored profile.
      const relearn = await queryRows<{ n: number }>(
        tx,
        sql`with reset as (update messages set learned_at = null
               where customer_id in (${merge.survivor_id}::uuid, ${merge.merged_id}::uuid) and direction = 'inbound'
                 and learned_at >= (select created_at from customer_merges where id = ${mergeId})
               returning 1)
            select count(*)::int as n from reset`,
      );
      await tx.execute(sql`update customer_merges set undone_at = now(), undone_by = ${actor} where id = ${mergeId}`);
      if (movedBack.order > 0) await requestValueRunInOutbox(tx, { key: `undo:${mergeId}`, reason: 'undo' });
      return { movedBack, kept: planned.kept, droppedAttributes: dropped, relearning: relearn[0].n };
    });
  }

  /**
   * The customer proved who they are in chat: if the order exists and belongs to a customer with this
   * email (the customer's email or an `email` identity), the chat customer is merged into the order's
   * customer (undoable like any merge). Returns the profile the chat now belongs to.
   */
  async linkByOrderProof(proof: OrderProof): Promise<OrderProofResult> {
    const email = proof.email.trim().toLowerCase();
    return this.db.transaction(async (tx) => {
      const orders = await queryRows<{ customer_id: string }>(tx, sql`select customer_id::text from orders where order_number = ${proof.orderNumber.trim()}`);
      if (orders.length === 0) return { linked: false, reason: 'order_not_found' } as const;
      const owner = orders[0].customer_id;
      const matches = await queryRows<{ ok: boolean }>(
        tx,
        sql`select exists (select 1 from customers where id = ${owner} and lower(email) = ${email})
                 or exists (select 1 from identities where customer_id = ${owner} and kind = 'email' and external_id = ${email}) as ok`,
      );
      if (!matches[0].ok) return { linked: false, reason: 'email_mismatch' } as const;
      if (owner === proof.customerId) return { linked: true, customerId: owner, mergeId: null, alreadyLinked: true } as const;
      const result = await this.mergeIn(tx, {
        survivorId: owner,
        mergedId: proof.customerId,
        actor: 'auto:order-proof',
        reason: `email ${email} and order ${proof.orderNumber.trim()} proved in chat`,
      });
      return { linked: true, customerId: owner, mergeId: result.mergeId, alreadyLinked: false } as const;
    });
  }

  /** The customer a (possibly merged) id now lives in: follows merged_into links. */
  async currentCustomerId(customerId: string): Promise<string> {
    let id = customerId;
    for (let hops = 0; hops < 20; hops++) {
      const rows = await queryRows<{ merged_into: string | null }>(this.db, sql`select merged_into::text from customer_profiles where customer_id = ${id}`);
      const next = rows[0]?.merged_into;
      if (!next) return id;
      id = next;
    }
    return id;
  }

  /**
   * The merges this customer took part in, newest first, with both sides' names (as they are now) and
   * how many rows of each kind the merge moved.
   */
  async mergesOf(customerId: string): Promise<MergeSummary[]> {
    const rows = await queryRows<{
      id: string; survivor_id: string; merged_id: string; actor: string; reason: string; created_at: string | Date; undone_at: string | Date | null;
      survivor_name: string | null; merged_name: string | null; moved: Record<string, number> | null;
    }>(
      this.db,
      sql`select m.id::text, m.survivor_id::text, m.merged_id::text, m.actor, m.reason, m.created_at, m.undone_at,
            coalesce(s.display_name, s.email) as survivor_name, coalesce(d.display_name, d.email) as merged_name,
            (select jsonb_object_agg(kind, n) from (select kind, count(*)::int as n from customer_merge_moves mv where mv.merge_id = m.id group by kind) k) as moved
          from customer_merges m
          join customers s on s.id = m.survivor_id
          join customers d on d.id = m.merged_id
          where m.survivor_id = ${customerId} or m.merged_id = ${customerId}
          order by m.created_at desc`,
    );
    return rows.map((r) => ({
      id: r.id, survivorId: r.survivor_id, mergedId: r.merged_id, actor: r.actor, reason: r.reason, createdAt: new Date(r.created_at), undoneAt: r.undone_at ? new Date(r.undone_at) : null,
      survivorName: r.survivor_name, mergedName: r.merged_name, moved: { ...zeroMoved(), ...(r.moved ?? {}) },
    }));
  }

  /** One merge, or null. */
  async getMerge(mergeId: string): Promise<{ id: string; survivorId: string; mergedId: string; actor: string; reason: string; createdAt: Date; undoneAt: Date | null } | null> {
    if (!/^[0-9a-f-]{36}$/i.test(mergeId)) return null;
    const rows = await queryRows<{ id: string; survivor_id: string; merged_id: string; actor: string; reason: string; created_at: string | Date; undone_at: string | Date | null }>(
      this.db,
      sql`select id::text, survivor_id::text, merged_id::text, actor, reason, created_at, undone_at from customer_merges where id = ${mergeId}`,
    );
    const r = rows[0];
    return r ? { id: r.id, survivorId: r.survivor_id, mergedId: r.merged_id, actor: r.actor, reason: r.reason, createdAt: new Date(r.created_at), undoneAt: r.undone_at ? new Date(r.undone_at) : null } : null;
  }

  private async lockCustomers(tx: DbOrTx, ids: string[]): Promise<void> {
    const sorted = [...new Set(ids)].sort();
    const rows = await queryRows<{ id: string }>(tx, sql`select id::text from customers where id in (${sql.join(sorted.map((id) => sql`${id}::uuid`), sql`, `)}) order by id for update`);
    for (const id of sorted) if (!rows.some((r) => r.id === id)) throw new NotFoundError(`customer ${id}`);
  }

  /** The rows a customer owns, by kind (the rows a merge of this customer would move). */
  private async countOwned(tx: DbOrTx, customerId: string): Promise<MovedCounts> {
    const counts = zeroMoved();
    for (const kind of MERGE_MOVED_KINDS) {
      const [row] = await queryRows<{ n: number }>(tx, sql`select count(*)::int as n from ${sql.raw(MOVABLE[kind].table)} where ${ownedBy(customerId)}`);
      counts[kind] = row.n;
    }
    return counts;
  }

  /** A customer as stored; `lock` takes the profile row's lock (merge and undo), a preview reads without. */
  private async snapshot(tx: DbOrTx, customerId: string, lock = true): Promise<CustomerSnapshot> {
    const [c] = await queryRows<CustomerSnapshot['customer']>(tx, sql`select display_name, email, language, attributes from customers where id = ${customerId}`);
    const p = await queryRows<NonNullable<CustomerSnapshot['profile']>>(
      tx,
      sql`select attributes, consent, language, tags, merged_into::text as merged_into from customer_profiles where customer_id = ${customerId} ${lock ? sql`for update` : sql``}`,
    );
    return { customer: c, profile: p[0] ?? null };
  }
}

/** A merge plan as the snapshot of the survivor it writes (mergeIn's writes: the customer row and the profile row, merged_into untouched). */
function planAsSnapshot(plan: MergePlan, survivorBefore: CustomerSnapshot): CustomerSnapshot {
  return {
    customer: { display_name: plan.customer.displayName, email: plan.customer.email, language: plan.customer.language, attributes: plan.customer.attributes },
    profile: { ...plan.profile, merged_into: survivorBefore.profile?.merged_into ?? null },
  };
}

/** A PostgreSQL array literal for text[] parameters (works the same on node-postgres and PGlite). */
function toPgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
