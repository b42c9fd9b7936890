import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { USER_ROLES } from './support';

/** What a console user did to or with a customer's data. */
export const AUDIT_ACTIONS = ['view', 'export', 'merge', 'edit', 'erase', 'search'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
/** Who acted: a console user's role, or `system` for work no user started (a customer's own request from chat). */
export const AUDIT_ACTOR_ROLES = [...USER_ROLES, 'system'] as const;
export type AuditActorRole = (typeof AUDIT_ACTOR_ROLES)[number];

/**
 * Who looked at or changed which customer's data (owner: crm/privacy, AuditLog). Append-only: the
 * application only inserts and reads, and the database refuses UPDATE and DELETE (a trigger in the
 * migration). No foreign keys, so an entry outlives the user or the customer it names; customer_id is
 * null for an action on no one customer (a search).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorUserId: uuid('actor_user_id').notNull(),
    actorRole: text('actor_role', { enum: AUDIT_ACTOR_ROLES }).notNull(),
    action: text('action', { enum: AUDIT_ACTIONS }).notNull(),
    customerId: uuid('customer_id'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index('audit_log_customer_at_idx').on(t.customerId, t.at), index('audit_log_actor_at_idx').on(t.actorUserId, t.at), index('audit_log_at_idx').on(t.at)],
);
