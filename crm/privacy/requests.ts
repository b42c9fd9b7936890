/** Data subject requests: created idempotently, tracked with their 30-day deadline (owner of privacy_requests). */
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db';
import { isUniqueViolation } from '../transcripts';
import { PRIVACY_REQUEST_KINDS, PRIVACY_REQUEST_SOURCES, PRIVACY_REQUEST_STATUSES, privacyRequests } from '../schema';

export type PrivacyRequestKind = (typeof PRIVACY_REQUEST_KINDS)[number];
export type PrivacyRequestStatus = (typeof PRIVACY_REQUEST_STATUSES)[number];
export type PrivacyRequestSource = (typeof PRIVACY_REQUEST_SOURCES)[number];
export { PRIVACY_REQUEST_KINDS, PRIVACY_REQUEST_STATUSES, PRIVACY_REQUEST_SOURCES };

export interface PrivacyRequest {
  id: string;
  customerId: string | null;
  kind: PrivacyRequestKind;
  status: PrivacyRequestStatus;
  source: PrivacyRequestSource;
  /** User id; null for the customer themself. */
  requestedBy: string | null;
  requestedAt: Date;
  /** requestedAt + 30 days. */
  dueAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /** Counts only, no personal data. */
  outcome: Record<string, unknown> | null;
  /** Export: whether an encrypted archive is stored for it. */
  hasArchive: boolean;
}

/** The legal deadline (GDPR art. 12(3): one month; 30 days here). */
export const PRIVACY_REQUEST_DUE_DAYS = 30;
export const OPEN_PRIVACY_STATUSES = ['pending', 'in_progress'] as const satisfies readonly PrivacyRequestStatus[];

export function dueDateFor(requestedAt: Date): Date {
  return new Date(requestedAt.getTime() + PRIVACY_REQUEST_DUE_DAYS * 86_400_000);
}

function toRequest(row: typeof privacyRequests.$inferSelect): PrivacyRequest {
  return {
    id: row.id,
    customerId: row.customerId,
    kind: row.kind,
    status: row.status,
    source: row.source,
    requestedBy: row.requestedBy,
    requestedAt: row.requestedAt,
    dueAt: row.dueAt,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
    outcome: row.outcome ?? null,
    hasArchive: row.archiveFile !== null,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class PrivacyRequests {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Idempotent: an open request of the same kind for the customer is returned, not duplicated. */
  async create(input: { customerId: string; kind: PrivacyRequestKind; source: PrivacyRequestSource; requestedBy?: string | null }): Promise<PrivacyRequest> {
    const open = await this.openFor(input.customerId, input.kind);
    if (open) return open;
    const requestedAt = this.now();
    try {
      const [row] = await this.db
        .insert(privacyRequests)
        .values({ customerId: input.customerId, kind: input.kind, source: input.source, requestedBy: input.requestedBy ?? null, requestedAt, dueAt: dueDateFor(requestedAt) })
        .returning();
      return toRequest(row);
    } catch (err) {
      // A concurrent create won the partial unique index: return its request.
      if (!isUniqueViolation(err)) throw err;
      const winner = await this.openFor(input.customerId, input.kind);
      if (!winner) throw err;
      return winner;
    }
  }

  async get(id: string): Promise<PrivacyRequest | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = await this.db.select().from(privacyRequests).where(eq(privacyRequests.id, id)).limit(1);
    return row ? toRequest(row) : undefined;
  }

  /** Open ones first by deadline, then the rest newest first. */
  async list(filter: { status?: PrivacyRequestStatus[]; customerId?: string; limit?: number } = {}): Promise<PrivacyRequest[]> {
    const where: SQL[] = [];
    if (filter.status?.length) where.push(inArray(privacyRequests.status, filter.status));
    if (filter.customerId) where.push(eq(privacyRequests.customerId, filter.customerId));
    const rows = await this.db
      .select()
      .from(privacyRequests)
      .where(where.length ? and(...where) : undefined)
      .orderBy(sql`case when ${privacyRequests.status} in ('pending', 'in_progress') then 0 else 1 end`, asc(sql`case when ${privacyRequests.status} in ('pending', 'in_progress') then ${privacyRequests.dueAt} end`), desc(privacyRequests.requestedAt))
      .limit(Math.min(Math.max(filter.limit ?? 200, 1), 1000));
    return rows.map(toRequest);
  }

  async openFor(customerId: string, kind: PrivacyRequestKind, db: DbOrTx = this.db): Promise<PrivacyRequest | undefined> {
    const [row] = await db
      .select()
      .from(privacyRequests)
      .where(and(eq(privacyRequests.customerId, customerId), eq(privacyRequests.kind, kind), inArray(privacyRequests.status, [...OPEN_PRIVACY_STATUSES])))
      .limit(1);
    return row ? toRequest(row) : undefined;
  }

  /** pending → in_progress (a retry finds it in_progress and goes on). */
  async markStarted(id: string, db: DbOrTx = this.db): Promise<void> {
    await db.update(privacyRequests).set({ status: 'in_progress', startedAt: this.now() }).where(and(eq(privacyRequests.id, id), eq(privacyRequests.status, 'pending')));
  }

  async markCompleted(id: string, outcome: Record<string, unknown>, archiveFile: string | null, db: DbOrTx = this.db): Promise<void> {
    await db
      .update(privacyRequests)
      .set({ status: 'completed', completedAt: this.now(), outcome, ...(archiveFile ? { archiveFile } : {}) })
      .where(and(eq(privacyRequests.id, id), inArray(privacyRequests.status, [...OPEN_PRIVACY_STATUSES])));
  }

  async markRefused(id: string, reason: string, db: DbOrTx = this.db): Promise<void> {
    await db
      .update(privacyRequests)
      .set({ status: 'refused', completedAt: this.now(), outcome: { reason } })
      .where(and(eq(privacyRequests.id, id), inArray(privacyRequests.status, [...OPEN_PRIVACY_STATUSES])));
  }

  /** The archive file name of a completed export (internal: the store reads it). */
  async archiveFileOf(id: string): Promise<string | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.db.select({ f: privacyRequests.archiveFile }).from(privacyRequests).where(eq(privacyRequests.id, id)).limit(1);
    return row?.f ?? null;
  }
}
