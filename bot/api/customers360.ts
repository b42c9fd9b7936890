/**
 * Customer 360 in the console API: a customer's profile (typed attributes, consent, tags, identities,
 * merges), their history across messages, tickets, orders and events, search, and agent merges with
 * undo. Registered on the console's ApiRegistry, so the routes are validated and documented like the rest.
 *
 * Who: a customer is visible to an agent when one of the customer's tickets is (their queues or
 * assigned to them); supervisors and admins see everyone. Search returns only the customers the user
 * sees. Merging (and its preview) needs both profiles to be visible, so a merge cannot show an agent a
 * customer they could not read; the merge is recorded with its actor and can be undone by that agent or by a supervisor or admin.
 */
import { z } from 'zod';
import { CrmError, NotFoundError, type CustomerDirectory } from '../../crm';
import { ATTRIBUTE_TYPES } from '../../crm/schema';
import { AttributeError, HistoryCursorError, MergeError, type CustomerHistory, type CustomerSearch, type IdentityLinker, type ProfileStore, type SearchScope } from '../../crm/identity';
import type { AuthContext } from '../auth';
import { badRequest, forbidden, HttpError, notFound } from '../errors';
import type { ApiRegistry } from './registry';
import type { AuditRecorder } from './audit';
import { auditedSearchQuery } from '../../crm/privacy';

export interface Customer360RouteDeps {
  customers: CustomerDirectory;
  profiles: ProfileStore;
  linker: IdentityLinker;
  history: CustomerHistory;
  search: CustomerSearch;
  /** Whether the signed-in user may see this customer (the console's queue rules; supervisors and admins see all). */
  canSeeCustomer(auth: AuthContext, customerId: string): Promise<boolean>;
  /** Whose customers a search may return: null for supervisors and admins (everyone), else the agent's queues. */
  searchScope(auth: AuthContext): Promise<SearchScope | null>;
  /** The audit log: views, searches, edits and merges are recorded with the signed-in user as actor. */
  record: AuditRecorder;
}

const uuid = z.uuid();
const isoDate = z.iso.datetime({ offset: true });
const customerParams = z.object({ id: uuid.describe('customer id') });
const mergeParams = z.object({ id: uuid.describe('merge id') });

const attributeValue = z.union([z.string().max(2000), z.number(), z.boolean(), z.array(z.string().max(200)).max(100), z.null()]);
const tag = z.string().trim().min(1).max(60).regex(/^[^,\s][^,]*$/, 'no commas');

export const profilePatchBody = z
  .strictObject({
    attributes: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,59}$/, 'lower-case letters, digits and _'), attributeValue).optional().describe('typed custom attributes (declared by an admin: PUT /api/customer-attributes/:key); null removes one'),
    consent: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,59}$/), z.boolean()).optional().describe('consent per purpose, e.g. {"email_marketing": false}'),
    language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/).nullable().optional(),
    addTags: z.array(tag).max(20).optional(),
    removeTags: z.array(tag).max(20).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');

export const mergeBody = z.strictObject({
  mergedId: uuid.describe('the duplicate profile: its identities, messages, orders, events and tickets move into this customer'),
  reason: z.string().trim().max(500).default(''),
});

const profileSchema = z
  .object({
    customer: z.object({ id: uuid, displayName: z.string().nullable(), email: z.string().nullable(), language: z.string().nullable() }),
    attributes: z.record(z.string(), z.unknown()),
    consent: z.record(z.string(), z.object({ granted: z.boolean(), at: z.string(), source: z.string().optional() })),
    preferredLanguage: z.string().nullable(),
    tags: z.array(z.string()),
    mergedInto: uuid.nullable(),
    identities: z.array(z.object({ kind: z.string(), externalId: z.string(), createdAt: isoDate })),
    merges: z.array(
      z.object({
        id: uuid, survivorId: uuid, mergedId: uuid, actor: z.string(), reason: z.string(), createdAt: isoDate, undoneAt: isoDate.nullable(),
        survivorName: z.string().nullable(), mergedName: z.string().nullable(), moved: z.record(z.string(), z.number().int()),
      }),
    ),
  })
  .meta({ id: 'CustomerProfile' });

const historySchema = z
  .object({
    entries: z.array(z.object({ kind: z.enum(['message', 'ticket', 'order', 'event']), id: z.string(), at: isoDate, summary: z.string(), data: z.record(z.string(), z.unknown()) })),
    nextCursor: z.string().nullable().describe('pass as `cursor` for the next (older) page; null when there is none'),
  })
  .meta({ id: 'CustomerHistory' });

const historyQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(200).optional().describe('the previous page’s `nextCursor` (opaque)'),
  before: isoDate.optional().describe('deprecated, use `cursor`: only entries strictly older than this (entries sharing the boundary’s time are skipped)'),
  kinds: z
    .preprocess((v) => (v === undefined ? undefined : String(v).split(',').map((s) => s.trim()).filter(Boolean)), z.array(z.enum(['message', 'ticket', 'order', 'event'])).max(4).optional())
    .describe('comma-separated: message,ticket,order,event'),
});

const movedCounts = z.object({ identity: z.number().int(), message: z.number().int(), order: z.number().int(), event: z.number().int(), ticket: z.number().int() });
const previewSide = z.object({ id: uuid, displayName: z.string().nullable(), email: z.string().nullable(), tags: z.array(z.string()), rows: movedCounts.describe('the rows this profile owns now') });
const mergePreviewSchema = z
  .object({
    survivor: previewSide,
    merged: previewSide,
    moves: movedCounts.describe('the rows that would move to the survivor: what the merge would return as `moved`'),
    result: z.object({
      displayName: z.string().nullable(), email: z.string().nullable(), language: z.string().nullable(), preferredLanguage: z.string().nullable(),
      tags: z.array(z.string()), attributes: z.record(z.string(), z.unknown()),
    }).describe('the survivor’s profile after the merge'),
    conflicts: z.array(z.object({
      field: z.string().describe('displayName, email, language, preferredLanguage, attribute:<key>, data:<key> or consent:<purpose>'),
      survivor: z.unknown(), merged: z.unknown(), winner: z.enum(['survivor', 'merged']),
    })),
    addedTags: z.array(z.string()).describe('tags the survivor would gain'),
  })
  .meta({ id: 'MergePreview' });

const searchQuery = z.strictObject({ q: z.string().trim().min(2).max(200).describe('email or name prefix, an exact channel handle (email, phone, …) or an order number'), limit: z.coerce.number().int().min(1).max(100).default(20) });

/** Redacts a channel handle for lists: web visitor ids are opaque and long; emails and phones stay readable for the agent. */
function shown(kind: string, externalId: string): string {
  return kind === 'directline' || kind === 'msteams' ? `${externalId.slice(0, 8)}…` : externalId;
}

function domainError(err: unknown): never {
  if (err instanceof MergeError) throw new HttpError(409, err.code, err.message);
  if (err instanceof AttributeError) throw new HttpError(400, err.code, err.message);
  if (err instanceof NotFoundError) throw notFound(err.message);
  if (err instanceof CrmError) throw new HttpError(409, err.code, err.message);
  throw err;
}

export function registerCustomer360Routes(api: ApiRegistry, deps: Customer360RouteDeps): void {
  const seesAll = (auth: AuthContext) => auth.user.role === 'supervisor' || auth.user.role === 'admin' || auth.user.role === 'privacy';

  async function visibleCustomer(auth: AuthContext, id: string) {
    const customer = await deps.customers.get(id);
    if (!customer) throw notFound('no such customer');
    if (!(await deps.canSeeCustomer(auth, id))) throw forbidden('none of this customer’s tickets are in your queues', 'not_your_queue');
    return customer;
  }

  /**
   * The profile to merge away: refused exactly as reading it would be, before anything of it is read or
   * written. One already merged away is visible through the profile holding its rows now (so a second
   * merge is the merge's own 409, not a 403).
   */
  async function visibleDuplicate(auth: AuthContext, id: string) {
    if (!(await deps.customers.get(id))) throw notFound('no such customer to merge');
    if (await deps.canSeeCustomer(auth, id)) return;
    const mergedInto = (await deps.profiles.get(id)).mergedInto;
    if (mergedInto && (await deps.canSeeCustomer(auth, mergedInto))) return;
    throw forbidden('none of this customer’s tickets are in your queues', 'not_your_queue');
  }

  async function profileOf(id: string) {
    const customer = (await deps.customers.get(id))!;
    const [profile, identities, merges] = await Promise.all([deps.profiles.get(id), deps.customers.identitiesOf(id), deps.linker.mergesOf(id)]);
    return {
      customer,
      attributes: profile.attributes,
      consent: profile.consent,
      preferredLanguage: profile.language,
      tags: profile.tags,
      mergedInto: profile.mergedInto,
      identities: identities.map((i) => ({ kind: i.kind, externalId: shown(i.kind, i.externalId), createdAt: i.createdAt })),
      merges,
    };
  }

  const attributeKey = z.string().regex(/^[a-z][a-z0-9_]{0,59}$/, 'lower-case letters, digits and _');
  const attributeDefinition = z
    .object({ key: z.string(), type: z.enum(ATTRIBUTE_TYPES), label: z.string().nullable(), description: z.string().nullable() })
    .meta({ id: 'CustomerAttribute' });
  api.add({
    method: 'get',
    path: '/api/customer-attributes',
    tag: 'customers',
    summary: 'The declared custom attributes and their types',
    access: 'signedIn',
    response: z.object({ attributes: z.array(attributeDefinition) }),
    handler: async () => ({ attributes: await deps.profiles.declared() }),
  });

  api.add({
    method: 'get',
    path: '/api/customer-attributes/usage',
    tag: 'customers',
    summary: 'How many customer profiles hold a value of each declared attribute (admin; reads every profile)',
    access: ['admin'],
    response: z.object({ usage: z.array(z.object({ key: z.string(), profiles: z.number().int() })) }),
    handler: async () => ({ usage: [...(await deps.profiles.usage())].map(([key, profiles]) => ({ key, profiles })) }),
  });

  api.add({
    method: 'put',
    path: '/api/customer-attributes/:key',
    tag: 'customers',
    summary: 'Declare a custom attribute, or replace its label and description (admin): values written to profiles must have its type',
    description: 'The type of a declared attribute can change only while no profile holds a value for it (else 409 `attribute_in_use`).',
    access: ['admin'],
    params: z.object({ key: attributeKey }),
    body: z.strictObject({
      type: z.enum(ATTRIBUTE_TYPES),
      label: z.string().trim().min(1).max(120).optional(),
      description: z.string().trim().min(1).max(500).optional().describe('what it means and how to fill it in, shown to agents'),
    }),
    status: 204,
    errors: [409],
    handler: async ({ params, body }) => {
      await deps.profiles.declareAttribute(params.key, body.type, body.label, body.description).catch(domainError);
    },
  });

  api.add({
    method: 'patch',
    path: '/api/customer-attributes/:key',
    tag: 'customers',
    summary: 'Change the label or description of a declared attribute (admin; null clears one); its key, type and stored values stay',
    access: ['admin'],
    params: z.object({ key: attributeKey }),
    body: z
      .strictObject({
        label: z.string().trim().min(1).max(120).nullable().optional(),
        description: z.string().trim().min(1).max(500).nullable().optional(),
      })
      .refine((b) => Object.keys(b).length > 0, 'nothing to change'),
    errors: [404],
    response: attributeDefinition,
    handler: async ({ params, body }) => deps.profiles.describeAttribute(params.key, body).catch(domainError),
  });

  api.add({
    method: 'delete',
    path: '/api/customer-attributes/:key',
    tag: 'customers',
    summary: 'Delete a custom attribute and every stored value of it (admin)',
    description: 'In one transaction: the declaration goes and each profile holding a value loses it; `removedFrom` counts those profiles. Not undoable.',
    access: ['admin'],
    params: z.object({ key: attributeKey }),
    errors: [404],
    response: z.object({ key: z.string(), removedFrom: z.number().int().describe('profiles whose value was removed') }),
    handler: async ({ params }) => ({ key: params.key, ...(await deps.profiles.deleteAttribute(params.key).catch(domainError)) }),
  });

  api.add({
    method: 'get',
    path: '/api/customers',
    tag: 'customers',
    summary: 'Search customers (to find a duplicate profile to merge)',
    description: 'Agents get only the customers they may read (a ticket in one of their queues or assigned to them); supervisors and admins search everyone.',
    access: 'signedIn',
    query: searchQuery,
    response: z.object({ customers: z.array(z.object({ id: uuid, displayName: z.string().nullable(), email: z.string().nullable(), matchedBy: z.string(), orders: z.number().int(), lastContactAt: isoDate.nullable() })) }),
    handler: async ({ auth, query }) => {
      const customers = await deps.search.search(query.q, query.limit, (await deps.searchScope(auth)) ?? undefined);
      await deps.record(auth, { action: 'search', detail: { ...auditedSearchQuery(query.q), found: customers.map((c) => c.id) } });
      return { customers };
    },
  });

  api.add({
    method: 'get',
    path: '/api/customers/:id/profile',
    tag: 'customers',
    summary: 'A customer’s profile: attributes, consent, tags, identities and merges',
    access: 'signedIn',
    params: customerParams,
    errors: [403, 404],
    response: profileSchema,
    handler: async ({ auth, params }) => {
      await visibleCustomer(auth, params.id);
      await deps.record(auth, { action: 'view', customerId: params.id, detail: { part: 'profile' } });
      return profileOf(params.id);
    },
  });

  api.add({
    method: 'patch',
    path: '/api/customers/:id/profile',
    tag: 'customers',
    summary: 'Change a customer’s attributes, consent, preferred language or tags',
    access: 'signedIn',
    params: customerParams,
    body: profilePatchBody,
    errors: [403, 404],
    response: profileSchema,
    handler: async ({ auth, params, body }) => {
      await visibleCustomer(auth, params.id);
      await deps.profiles.update(params.id, body, `agent:${auth.user.id}`).catch(domainError);
      await deps.record(auth, { action: 'edit', customerId: params.id, detail: { fields: Object.keys(body).sort(), attributes: Object.keys(body.attributes ?? {}).sort(), consent: Object.keys(body.consent ?? {}).sort() } });
      return profileOf(params.id);
    },
  });

  api.add({
    method: 'get',
    path: '/api/customers/:id/history',
    tag: 'customers',
    summary: 'A customer’s timeline: messages, tickets, orders and events, newest first',
    access: 'signedIn',
    params: customerParams,
    query: historyQuery,
    errors: [400, 403, 404],
    response: historySchema,
    handler: async ({ auth, params, query }) => {
      await visibleCustomer(auth, params.id);
      await deps.record(auth, { action: 'view', customerId: params.id, detail: { part: 'history' } });
      return deps.history
        .page(params.id, { limit: query.limit, cursor: query.cursor, before: query.before ? new Date(query.before) : undefined, kinds: query.kinds })
        .catch((err: unknown) => {
          if (err instanceof HistoryCursorError) throw badRequest(err.message, err.code);
          throw err;
        });
    },
  });

  api.add({
    method: 'post',
    path: '/api/customers/:id/merge',
    tag: 'customers',
    summary: 'Merge a duplicate profile into this customer (undoable)',
    description: 'An agent must be able to read both profiles (403 `not_your_queue` otherwise, with nothing of the other profile in the answer and nothing written).',
    access: 'signedIn',
    params: customerParams,
    body: mergeBody,
    status: 201,
    errors: [403, 404, 409],
    response: z.object({ mergeId: uuid, survivorId: uuid, mergedId: uuid, moved: z.record(z.string(), z.number().int()) }),
    handler: async ({ auth, params, body }) => {
      await visibleCustomer(auth, params.id);
      await visibleDuplicate(auth, body.mergedId);
      const merged = await deps.linker.merge({ survivorId: params.id, mergedId: body.mergedId, actor: `agent:${auth.user.id}`, reason: body.reason }).catch(domainError);
      // One entry per profile, so each customer's log shows the merge.
      for (const customerId of [merged.survivorId, merged.mergedId]) {
        await deps.record(auth, { action: 'merge', customerId, detail: { mergeId: merged.mergeId, survivorId: merged.survivorId, mergedId: merged.mergedId, moved: merged.moved } });
      }
      return merged;
    },
  });

  api.add({
    method: 'get',
    path: '/api/customers/:id/merge-preview',
    tag: 'customers',
    summary: 'What merging another profile into this customer would move and which values would win (writes nothing)',
    description: 'Refused as the merge would be: an agent must be able to read both profiles (else 403 `not_your_queue`).',
    access: 'signedIn',
    params: customerParams,
    query: z.strictObject({ other: uuid.describe('the duplicate profile that would be merged into this customer') }),
    errors: [403, 404, 409],
    response: mergePreviewSchema,
    handler: async ({ auth, params, query }) => {
      // The same checks as the merge, in the same order: a preview is refused where the merge would be.
      await visibleCustomer(auth, params.id);
      await visibleDuplicate(auth, query.other);
      const preview = await deps.linker.preview(params.id, query.other).catch(domainError);
      for (const customerId of [params.id, query.other]) await deps.record(auth, { action: 'view', customerId, detail: { part: 'merge-preview', survivorId: params.id, mergedId: query.other } });
      return preview;
    },
  });

  api.add({
    method: 'post',
    path: '/api/merges/:id/undo',
    tag: 'customers',
    summary: 'Undo a merge: exactly the rows it moved go back, both profiles as they were, except what changed on the survivor since',
    description:
      'The duplicate gets its profile back as it was. The survivor gets its pre-merge values back, except fields changed after the merge (an edit, a consent decision, tags), which stay and are listed in `kept`. ' +
      'Values of custom attributes deleted or retyped since the merge are not brought back (`droppedAttributes`). ' +
      'What the bot learned is restored as before the merge; the customer messages learned since (`relearning`) are learned again into the profile that owns them, within a learning catch-up period.',
    access: 'signedIn',
    params: mergeParams,
    errors: [403, 404, 409],
    response: z.object({
      movedBack: z.record(z.string(), z.number().int()),
      kept: z.array(z.object({ field: z.string(), afterMerge: z.unknown(), now: z.unknown() })),
      droppedAttributes: z.array(z.string()),
      relearning: z.number().int(),
    }),
    handler: async ({ auth, params }) => {
      const merge = await deps.linker.getMerge(params.id);
      if (!merge) throw notFound('no such merge');
      if (!seesAll(auth) && merge.actor !== `agent:${auth.user.id}`) throw forbidden('only the agent who merged, a supervisor or an admin can undo this merge', 'not_your_merge');
      const undone = await deps.linker.undo(params.id, `agent:${auth.user.id}`).catch(domainError);
      for (const customerId of [merge.survivorId, merge.mergedId]) await deps.record(auth, { action: 'merge', customerId, detail: { mergeId: params.id, undo: true } });
      return undone;
    },
  });
}
