import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const PRIVACY_REQUEST_KINDS = ['export', 'erasure'] as const;
export const PRIVACY_REQUEST_STATUSES = ['pending', 'in_progress', 'completed', 'refused'] as const;
export const PRIVACY_REQUEST_SOURCES = ['chat', 'console', 'api', 'cli'] as const;

/**
 * Data subject requests (owner: crm/privacy, PrivacyRequests): a customer's export or erasure, tracked
 * against its legal deadline (due_at = requested_at + 30 days). No foreign key to customers: the row
 * outlives the erased profile, and outcome holds counts only, never personal data.
 */
export const privacyRequests = pgTable(
  'privacy_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    customerId: uuid('customer_id'),
    kind: text('kind', { enum: PRIVACY_REQUEST_KINDS }).notNull(),
    status: text('status', { enum: PRIVACY_REQUEST_STATUSES }).notNull().default('pending'),
    source: text('source', { enum: PRIVACY_REQUEST_SOURCES }).notNull(),
    /** The console user who asked; null when the customer asked themself (chat). */
    requestedBy: uuid('requested_by'),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    /** Counts of what was exported or erased (never the data itself). */
    outcome: jsonb('outcome').$type<Record<string, unknown>>(),
    /** Export: the encrypted archive's file name in the export store (not a path, not personal). */
    archiveFile: text('archive_file'),
  },
  (t) => [
    // One open request per customer and kind: asking twice returns the first.
    uniqueIndex('privacy_requests_open_uq').on(t.customerId, t.kind).where(sql`${t.status} in ('pending', 'in_progress')`),
    index('privacy_requests_status_due_idx').on(t.status, t.dueAt),
    index('privacy_requests_customer_idx').on(t.customerId, t.requestedAt),
  ],
);

/**
 * What is left of an erased customer: keyed SHA-256 hashes of their normalised handles (email, phone,
 * channel ids), never the clear values, so an import or a new channel identity cannot bring them back.
 */
export const privacyTombstones = pgTable('privacy_tombstones', {
  hash: text('hash').primaryKey(),
  requestId: uuid('request_id').notNull(),
  erasedAt: timestamp('erased_at', { withTimezone: true }).notNull().defaultNow(),
});
