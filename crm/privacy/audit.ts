/**
 * The audit log: who viewed, searched, edited, merged, exported or erased which customer's data, and when.
 * Append-only: record() inserts, list() reads; there is no update or delete here, and the table's
 * trigger refuses both in the database too (retention's audit_log_purge() alone removes expired entries).
 */
import { and, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import type { Db, DbOrTx } from '../db';
import { maskForLog } from './redaction';
import { AUDIT_ACTIONS, AUDIT_ACTOR_ROLES, AUDIT_SOURCES, auditLog, type AuditAction, type AuditActorRole, type AuditSource } from '../schema';

export { AUDIT_ACTIONS, AUDIT_ACTOR_ROLES, AUDIT_SOURCES, type AuditAction, type AuditActorRole, type AuditSource };

/**
 * How a customer search is recorded (pure): the audit log outlives an erasure, so it keeps no handle in
 * clear. `query` is masked (emails, phones and cards as in logs, every word cut to its first letter:
 * "J*** D***", "d***@e***.c***"); `queryHash` (SHA-256 of the trimmed, lower-cased query) lets an
 * auditor check whether someone searched for a given name or address without the log holding it.
 */
export function auditedSearchQuery(q: string): { query: string; queryHash: string } {
  const normalised = q.trim().toLowerCase();
  // The masks maskForLog leaves ("[phone ••58]") stay readable; the words around them are cut.
  const masked = maskForLog(q.trim())
    .split(/(\[[^\]]*\])/)
    .map((part, i) => (i % 2 ? part : part.replace(/(\p{L})[\p{L}\p{M}'’-]*(?:\*{3})?/gu, (word: string, first: string) => (word.length > 1 ? `${first}***` : word))))
    .join('');
  return { query: masked, queryHash: createHash('sha256').update(normalised).digest('hex') };
}

/** The actor of work no console user started (a job carrying out a customer's own request from chat). */
export const SYSTEM_ACTOR = { actorUserId: null, actorRole: 'system', source: 'system' } as const;

export interface AuditEntryInput {
  /** The console user; null when the actor is no user (the customer in chat). */
  actorUserId: string | null;
  actorRole: AuditActorRole;
  /** Default `console`. */
  source?: AuditSource;
  action: AuditAction;
  /** The customer concerned; null for an action on no one customer (a search). */
  customerId?: string | null;
  /** What else is worth knowing (e.g. the search query, the merge id, the changed fields); never the data itself. */
  detail?: Record<string, unknown>;
}

export interface AuditEntry {
  id: string;
  at: Date;
  actorUserId: string | null;
  actorRole: AuditActorRole;
  source: AuditSource;
  action: AuditAction;
  customerId: string | null;
  detail: Record<string, unknown>;
}

export interface AuditFilters {
  customerId?: string;
  actorUserId?: string;
  action?: AuditAction;
  since?: Date;
  /** Only entries strictly older than this. */
  before?: Date;
  limit?: number;
}

export const AUDIT_LIST_MAX = 500;

/** The SQL conditions for a list's filters (pure). */
export function auditConditions(f: AuditFilters): SQL[] {
  const where: SQL[] = [];
  if (f.customerId) where.push(eq(auditLog.customerId, f.customerId));
  if (f.actorUserId) where.push(eq(auditLog.actorUserId, f.actorUserId));
  if (f.action) where.push(eq(auditLog.action, f.action));
  if (f.since) where.push(gte(auditLog.at, f.since));
  if (f.before) where.push(lt(auditLog.at, f.before));
  return where;
}

export class AuditLog {
  constructor(private readonly db: Db) {}

  /** `db`: a transaction, so that the entry commits with the change it records. */
  async record(entry: AuditEntryInput, db: DbOrTx = this.db): Promise<AuditEntry> {
    const [row] = await db
      .insert(auditLog)
      .values({ actorUserId: entry.actorUserId, actorRole: entry.actorRole, source: entry.source ?? 'console', action: entry.action, customerId: entry.customerId ?? null, detail: entry.detail ?? {} })
      .returning();
    return row as AuditEntry;
  }

  /** Newest first. */
  async list(filters: AuditFilters = {}): Promise<AuditEntry[]> {
    const where = auditConditions(filters);
    const limit = Math.min(Math.max(filters.limit ?? 100, 1), AUDIT_LIST_MAX);
    const rows = await this.db
      .select()
      .from(auditLog)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(auditLog.at), desc(auditLog.id))
      .limit(limit);
    return rows as AuditEntry[];
  }
}
