/**
 * Data subject requests in the console API: admins and the privacy role ask for a customer's export
 * or erasure and read an export's archive; supervisors (and they) see the requests and their
 * deadlines. A refused attempt (an agent, a supervisor acting) is recorded in the audit log before the 403.
 * Processing is the PrivacyRequestJob's (workers/): a request answers 201 at once, pending.
 */
import { z } from 'zod';
import { PRIVACY_REQUEST_KINDS, PRIVACY_REQUEST_SOURCES, PRIVACY_REQUEST_STATUSES, PRIVACY_ROLES, PRIVACY_VIEW_ROLES, type PrivacyRequest, type PrivacyService } from '../../crm/privacy';
import type { Logger } from '../logger';
import type { AuthContext } from '../auth';
import { forbidden, notFound } from '../errors';
import type { ApiRegistry } from './registry';

export interface PrivacyRouteDeps {
  privacy: PrivacyService;
  /** Queues the request's processing (the PrivacyRequestJob); when it fails, the request stays pending and the workers re-queue it at start. */
  enqueue: (requestId: string) => Promise<unknown>;
  log?: Logger;
}

const isoDate = z.iso.datetime({ offset: true });

export const privacyRequestSchema = z
  .object({
    id: z.uuid(),
    customerId: z.uuid().nullable(),
    kind: z.enum(PRIVACY_REQUEST_KINDS),
    status: z.enum(PRIVACY_REQUEST_STATUSES),
    source: z.enum(PRIVACY_REQUEST_SOURCES),
    requestedBy: z.uuid().nullable().describe('the console user who asked; null when the customer asked in chat'),
    requestedAt: isoDate,
    dueAt: isoDate.describe('requestedAt + 30 days'),
    startedAt: isoDate.nullable(),
    completedAt: isoDate.nullable(),
    outcome: z.record(z.string(), z.unknown()).nullable().describe('counts of what was exported or erased; never personal data'),
    hasArchive: z.boolean(),
    overdue: z.boolean(),
  })
  .meta({ id: 'PrivacyRequest' });

function view(r: PrivacyRequest, now = new Date()) {
  return { ...r, overdue: (r.status === 'pending' || r.status === 'in_progress') && r.dueAt.getTime() < now.getTime() };
}

const mayAct = (auth: AuthContext) => PRIVACY_ROLES.includes(auth.user.role);

export function registerPrivacyRoutes(api: ApiRegistry, deps: PrivacyRouteDeps): void {
  const actor = (auth: AuthContext) => ({ userId: auth.user.id, role: auth.user.role });

  api.add({
    method: 'post',
    path: '/api/privacy/requests',
    tag: 'privacy',
    summary: 'Ask for a customer’s data export or erasure (admins and the privacy role); processed in the background',
    description: 'Idempotent: an open request of the same kind for the customer is returned (`created: false`) instead of a new one. An agent’s or supervisor’s attempt is refused (403) and recorded in the audit log.',
    access: 'signedIn',
    body: z.strictObject({ customerId: z.uuid(), kind: z.enum(PRIVACY_REQUEST_KINDS) }),
    response: z.object({ request: privacyRequestSchema, created: z.boolean() }),
    status: 201,
    errors: [400, 401, 403, 404, 409],
    handler: async ({ auth, body }) => {
      if (!mayAct(auth)) {
        await deps.privacy.recordRefusal(actor(auth), body.kind === 'export' ? 'export' : 'erase', body.customerId, { route: 'request' });
        throw forbidden('exports and erasures need the admin or privacy role');
      }
      const before = await deps.privacy.requests.openFor(body.customerId, body.kind).catch(() => undefined);
      const request = body.kind === 'export' ? await deps.privacy.requestExport(body.customerId, 'console', auth.user.id) : await deps.privacy.requestErasure(body.customerId, 'console', auth.user.id);
      await deps.enqueue(request.id).catch((err: unknown) => deps.log?.warn({ err, requestId: request.id }, 'privacy request stored but not queued; the workers queue it at their next start'));
      return { request: view(request), created: before?.id !== request.id };
    },
  });

  api.add({
    method: 'get',
    path: '/api/privacy/requests',
    tag: 'privacy',
    summary: 'Data subject requests with their deadlines: open ones first by due date (supervisors, admins, privacy role)',
    access: [...PRIVACY_VIEW_ROLES],
    query: z.strictObject({
      status: z
        .string()
        .optional()
        .transform((s, ctx) => {
          if (s === undefined) return undefined;
          const list = s.split(',').filter(Boolean);
          const bad = list.filter((x) => !(PRIVACY_REQUEST_STATUSES as readonly string[]).includes(x));
          if (bad.length) ctx.addIssue({ code: 'custom', message: `unknown status ${bad.join(', ')} (one or more of ${PRIVACY_REQUEST_STATUSES.join(', ')}, comma-separated)` });
          return list as Array<(typeof PRIVACY_REQUEST_STATUSES)[number]>;
        })
        .describe('comma-separated statuses'),
      customerId: z.uuid().optional(),
    }),
    response: z.object({ requests: z.array(privacyRequestSchema) }),
    handler: async ({ query }) => ({ requests: (await deps.privacy.requests.list({ status: query.status, customerId: query.customerId })).map((r) => view(r)) }),
  });

  api.add({
    method: 'get',
    path: '/api/privacy/requests/:id',
    tag: 'privacy',
    summary: 'One data subject request (supervisors, admins, privacy role)',
    access: [...PRIVACY_VIEW_ROLES],
    params: z.strictObject({ id: z.uuid() }),
    response: z.object({ request: privacyRequestSchema }),
    errors: [404],
    handler: async ({ params }) => {
      const request = await deps.privacy.requests.get(params.id);
      if (!request) throw notFound('privacy request not found');
      return { request: view(request) };
    },
  });

  api.add({
    method: 'get',
    path: '/api/privacy/requests/:id/archive',
    tag: 'privacy',
    summary: 'The decrypted archive of a completed export: the JSON data and the readable summary (admins and the privacy role; audited)',
    access: 'signedIn',
    params: z.strictObject({ id: z.uuid() }),
    response: z.object({ data: z.record(z.string(), z.unknown()), summary: z.string() }),
    errors: [403, 404, 409],
    handler: async ({ auth, params }) => {
      if (!mayAct(auth)) {
        const request = await deps.privacy.requests.get(params.id);
        await deps.privacy.recordRefusal(actor(auth), 'export', request?.customerId ?? null, { route: 'archive', requestId: params.id });
        throw forbidden('export archives need the admin or privacy role');
      }
      return deps.privacy.readArchive(params.id, actor(auth));
    },
  });
}
