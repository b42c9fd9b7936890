import { Router, type Request } from 'express';
import { STORABLE_TIMESTAMPS, timestampProblem } from './inputChecks';
import { jsonBody } from './inputGuards';
import { z } from 'zod';
import type { ApiKeyRecord } from '../../crm/commerce/apiKeys';
import type { IncomingEvent, IngestResult } from '../../crm/commerce/ingest';
import { CUSTOMER_EVENT_TYPES } from '../../crm/schema';
import { HttpError, unauthorized } from '../errors';

/** What the router needs from crm/: API key verification and event ingestion. */
export interface EventsRoutesOptions {
  commerce: { ingest(events: readonly IncomingEvent[], source: string): Promise<IngestResult[]> };
  apiKeys: { verify(key: string, scope?: string): Promise<ApiKeyRecord | null> };
  maxBodyBytes?: number;
  /** Most events per request (default 500). */
  maxEvents?: number;
}

const text = (max: number) => z.string().trim().min(1).max(max);
// An event happened in the past: a shop's clock may run a little fast, never years (year 0000 is a 500 in PostgreSQL).
const EVENT_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;
const eventTime = z.iso.datetime({ offset: true }).superRefine((value, ctx) => {
  const problem = timestampProblem(value, { earliest: STORABLE_TIMESTAMPS.earliest, latest: new Date(Date.now() + EVENT_CLOCK_SKEW_MS) });
  if (problem) ctx.addIssue({ code: 'custom', message: `timestamp ${problem}` });
});
const eventSchema = z
  .object({
    type: z.enum(CUSTOMER_EVENT_TYPES),
    customer: z.union([
      z.object({ kind: text(64), id: z.union([text(256), z.number().int().transform(String)]) }).strict(),
      z.object({ customerId: z.uuid() }).strict(),
    ]),
    sku: text(128).optional(),
    quantity: z.number().int().positive().max(1_000_000).optional(),
    at: eventTime.optional(),
    idempotencyKey: text(200).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
const batchSchema = z.object({ events: z.array(eventSchema).min(1) }).strict();

function bearer(req: Request): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return m?.[1] ?? req.get('x-api-key') ?? null;
}

/**
 * POST /api/customer-events: real-time behavioural events (view, add_to_cart, purchase) from a website, app or
 * shop backend, authenticated with an API key (`Authorization: Bearer ck_…` or `X-Api-Key`).
 * Body: one event, or `{ "events": [...] }`. Each event needs an idempotency key (`idempotencyKey`, or
 * the `Idempotency-Key` header for a single event); repeats are answered `duplicate` and stored once.
 * 201 when something was stored, 200 when every event was a duplicate; 401 bad key; 400 invalid body,
 * unknown product or customer; 409 when an event names a customer erased at their request (nothing is stored).
 */
/** Its own path: `GET /api/events` is the console's live stream, a different thing. */
export const CUSTOMER_EVENTS_PATH = '/api/customer-events';

export function eventsRoutes(o: EventsRoutesOptions): Router {
  const r = Router();
  const maxEvents = o.maxEvents ?? 500;
  r.post(CUSTOMER_EVENTS_PATH, async (req, res, next) => {
    // Authenticate before reading the body: an unauthenticated client gets 401 whatever it sends.
    const key = bearer(req);
    const record = key ? await o.apiKeys.verify(key, 'events:write') : null;
    if (!record) throw unauthorized('missing or invalid API key', 'invalid_api_key');
    res.locals.apiKey = record;
    next();
  }, jsonBody({ limit: o.maxBodyBytes ?? 256 * 1024 }), async (req, res) => {
    const record = res.locals.apiKey as ApiKeyRecord;
    const body: unknown = req.body;
    const single = !(body && typeof body === 'object' && 'events' in body);
    const parsed = single ? eventSchema.safeParse(body) : batchSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HttpError(400, 'invalid_event', `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    const items = 'events' in parsed.data ? parsed.data.events : [parsed.data];
    if (items.length > maxEvents) throw new HttpError(400, 'too_many_events', `at most ${maxEvents} events per request`);
    const headerKey = req.get('idempotency-key')?.trim();
    const events: IncomingEvent[] = items.map((e, i) => {
      const idempotencyKey = e.idempotencyKey ?? (single ? headerKey : undefined);
      if (!idempotencyKey) throw new HttpError(400, 'invalid_event', `${single ? '' : `events.${i}.`}idempotencyKey: required (or the Idempotency-Key header)`);
      return {
        type: e.type,
        customer: 'customerId' in e.customer ? { customerId: e.customer.customerId } : { kind: e.customer.kind, id: String(e.customer.id) },
        sku: e.sku?.toUpperCase(),
        quantity: e.quantity,
        at: e.at ? new Date(e.at) : undefined,
        idempotencyKey: `${record.id}:${idempotencyKey}`,
        data: e.data,
      };
    });
    const results = await o.commerce.ingest(events, `api:${record.name}`);
    const prefix = `${record.id}:`;
    const out = results.map((x) => ({ idempotencyKey: x.idempotencyKey.slice(prefix.length), status: x.status }));
    const created = out.filter((x) => x.status === 'created').length;
    res.status(created > 0 ? 201 : 200).json({ created, duplicates: out.length - created, results: out });
  });
  return r;
}
