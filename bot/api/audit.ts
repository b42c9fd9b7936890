/**
 * The audit log in the console API: supervisors and admins read who viewed, searched, edited or merged
 * a customer's data. Read-only: entries are written by the routes that do those things, never through
 * this API (no update or delete route).
 */
import { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_ACTOR_ROLES, AUDIT_LIST_MAX, AUDIT_SOURCES, type AuditLog } from '../../crm/privacy';
import type { AuthContext } from '../auth';
import type { ApiRegistry } from './registry';

export interface AuditRouteDeps {
  audit: Pick<AuditLog, 'list'>;
}

/** What a route records: the signed-in user as actor. */
export type AuditRecorder = (auth: AuthContext, entry: { action: (typeof AUDIT_ACTIONS)[number]; customerId?: string | null; detail?: Record<string, unknown> }) => Promise<void>;

/** Records through the log with the signed-in user as actor (awaited: an action that cannot be recorded fails). */
export function auditRecorder(audit: Pick<AuditLog, 'record'>): AuditRecorder {
  return async (auth, entry) => {
    await audit.record({ actorUserId: auth.user.id, actorRole: auth.user.role, ...entry });
  };
}

const isoDate = z.iso.datetime({ offset: true });

const auditEntrySchema = z
  .object({
    id: z.uuid(),
    at: isoDate,
    actorUserId: z.uuid().nullable().describe('the console user; null when the customer acted in chat'),
    actorRole: z.enum(AUDIT_ACTOR_ROLES),
    source: z.enum(AUDIT_SOURCES).describe('console, chat (the customer) or system'),
    action: z.enum(AUDIT_ACTIONS),
    customerId: z.uuid().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' });

export function registerAuditRoutes(api: ApiRegistry, deps: AuditRouteDeps): void {
  api.add({
    method: 'get',
    path: '/api/audit',
    tag: 'customers',
    summary: 'The audit log: who viewed, searched, edited or merged which customer’s data, newest first (supervisors and admins)',
    description: 'Append-only: there is no route to change or delete an entry.',
    access: ['supervisor', 'admin'],
    query: z.strictObject({
      customerId: z.uuid().optional(),
      actorUserId: z.uuid().optional(),
      action: z.enum(AUDIT_ACTIONS).optional(),
      since: isoDate.optional(),
      before: isoDate.optional().describe('only entries strictly older than this (the last entry’s `at` for the next page)'),
      limit: z.coerce.number().int().min(1).max(AUDIT_LIST_MAX).default(100),
    }),
    response: z.object({ entries: z.array(auditEntrySchema) }),
    handler: async ({ query }) => ({
      entries: await deps.audit.list({ ...query, since: query.since ? new Date(query.since) : undefined, before: query.before ? new Date(query.before) : undefined }),
    }),
  });
}
