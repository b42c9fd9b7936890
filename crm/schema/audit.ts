import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { USER_ROLES } from './support';

/** What a console user did to or with a customer's data. */
export const AUDIT_ACTIONS = ['view', 'export', 'merge', 'edit', 'erase', 'search', 'consent'] as const;
/** Where an action came from: a console user, the customer in chat, or the system (a job). */
export const AUDIT_SOURCES = ['console', 'chat', 'system'] as const;
export type AuditSource = (typeof AUDIT_SOURCES)[number];
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
/**
 * Who acted: a console user's role, `customer` for the customer themself (source chat), or `system` for
 * work no user started (a job carrying out a customer's own request).
 */
export const AUDIT_ACTOR_ROLES = [...USER_ROLES, 'customer', 'system'] as const;
export type AuditActorRole = (typeof AUDIT_ACTOR_ROLES)[number];

/**
 * Who looked at or changed which customer's data (owner: crm/privacy, AuditLog). Append-only: the
 * application only inserts and reads, and the database refuses UPDATE and DELETE (a trigger in the
 * migration). No foreign keys, so an entry outlives the user or the customer it names; customer_id is
 * null for an action on no one customer (a search). actor_user_id is null when the actor is no console
 * user (the customer in chat, source `chat`). Retention removes entries older than
 * RETENTION_AUDIT_DAYS only through the audit_log_purge() function (migration 0014), which the trigger lets through.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorUserId: uuid('actor_user_id'),
    actorRole: text('actor_role', { enum: AUDIT_ACTOR_ROLES }).notNull(),
    source: text('source', { enum: AUDIT_SOURCES }).notNull().default('console'),
    action: text('action', { enum: AUDIT_ACTIONS }).notNull(),
    customerId: uuid('customer_id'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index('audit_log_customer_at_idx').on(t.customerId, t.at), index('audit_log_actor_at_idx').on(t.actorUserId, t.at), index('audit_log_at_idx').on(t.at)],
);
