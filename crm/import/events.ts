import { createHash } from 'node:crypto';
import { CommerceStore, type EventInput } from '../commerce/store';
import { identityKey, resolveCustomersBulk, RETAIL_CUSTOMER_KIND, type IdentityRef } from '../identity/resolve';
import { Tombstones, tombstoneHash } from '../privacy/tombstones';
import { CUSTOMER_EVENT_TYPES, type CustomerEventType } from '../schema';
import type { ImportContext } from './context';
import { safeJson } from './products';
import { str, toInstant, toInteger } from './values';

interface PendingEvent {
  customer: IdentityRef;
  type: CustomerEventType;
  sku: string | null;
  quantity: number | null;
  at: Date;
  idempotencyKey: string;
  data: Record<string, unknown>;
  line: number;
  raw: string;
}

/** Default idempotency key of an event row without one: a hash of what identifies the event. */
export function eventKey(customer: IdentityRef, type: string, sku: string | null, at: Date): string {
  return `import:${createHash('sha256').update([customer.kind, customer.externalId, type, sku ?? '', at.toISOString()].join('\u0000')).digest('base64url')}`;
}

/**
 * Imports behavioural events: `customer_id` (+ `customer_kind`), `type` (view | add_to_cart | purchase),
 * `sku` (optional; must exist), `quantity`, `at`, `idempotency_key` (default: a hash of customer, type,
 * sku and time), `data` (JSON object). Each event is stored once per idempotency key.
 */
export async function importEvents(ctx: ImportContext): Promise<void> {
  const store = new CommerceStore(ctx.db);
  const customerKind = ctx.options.customerKind ?? RETAIL_CUSTOMER_KIND;
  const timeZone = ctx.options.timeZone ?? 'UTC';
  let batch: PendingEvent[] = [];
  const counts = { inserted: 0, unchanged: 0 };
  async function flush(): Promise<void> {
    const items = batch;
    batch = [];
    if (items.length === 0) return;
    await ctx.db.transaction(async (tx) => {
      const skus = [...new Set(items.map((e) => e.sku).filter((s): s is string => s !== null))];
      const products = await store.productIds(skus, tx);
      const erased = await new Tombstones(tx).erasedAmong(items.map((e) => ({ kind: e.customer.kind, value: e.customer.externalId })));
      const known = items.filter((e) => {
        // Erased people stay erased (and nothing of them goes to the rejects file).
        if (erased.size > 0 && erased.has(tombstoneHash(e.customer.kind, e.customer.externalId))) {
          ctx.accepted--;
          ctx.reject(e.line, 'erased_customer', 'this person’s data was erased at their request', '');
          return false;
        }
        if (e.sku === null || products.has(e.sku)) return true;
        ctx.accepted--;
        ctx.reject(e.line, 'unknown_product', `sku ${e.sku}`, e.raw);
        return false;
      });
      const customers = await resolveCustomersBulk(tx, known.map((e) => e.customer));
      ctx.count('customers', 'inserted', customers.created);
      const inputs: EventInput[] = known.map((e) => ({
        customerId: customers.ids.get(identityKey(e.customer.kind, e.customer.externalId))!,
        type: e.type,
        productId: e.sku ? products.get(e.sku)! : null,
        quantity: e.quantity,
        at: e.at,
        idempotencyKey: e.idempotencyKey,
        source: 'import',
        data: e.data,
      }));
      const created = await store.recordEvents(inputs, tx);
      const keys = new Set(inputs.map((i) => i.idempotencyKey));
      counts.inserted += created.size;
      counts.unchanged += keys.size - created.size;
    });
    await ctx.rejects.drain();
  }
  for await (const rec of ctx.records()) {
    const v = rec.value;
    const reject = (reason: string, detail?: string) => ctx.reject(rec.line, reason, detail, rec.raw);
    const customerId = str(v.customer_id);
    if (!customerId) { reject('missing_customer_id'); continue; }
    const type = str(v.type) as CustomerEventType;
    if (!CUSTOMER_EVENT_TYPES.includes(type)) { reject('bad_event_type', `type ${type || '(empty)'}`); continue; }
    const at = toInstant(v.at, timeZone);
    if (!at) { reject('bad_date', `at ${str(v.at)}`); continue; }
    const sku = str(v.sku).toUpperCase() || null;
    const quantity = str(v.quantity) === '' ? null : toInteger(v.quantity);
    if (quantity !== null && quantity <= 0) { reject('non_positive_quantity', `quantity ${quantity}`); continue; }
    if (str(v.quantity) !== '' && quantity === null) { reject('bad_quantity', str(v.quantity)); continue; }
    let data: Record<string, unknown> = {};
    if (v.data !== undefined && v.data !== '') {
      const d = typeof v.data === 'string' ? safeJson(v.data) : v.data;
      if (!d || typeof d !== 'object' || Array.isArray(d)) { reject('bad_data', 'data must be a JSON object'); continue; }
      data = d as Record<string, unknown>;
    }
    const customer = { kind: str(v.customer_kind) || customerKind, externalId: customerId };
    ctx.accepted++;
    batch.push({ customer, type, sku, quantity, at, idempotencyKey: str(v.idempotency_key) || eventKey(customer, type, sku, at), data, line: rec.line, raw: rec.raw });
    if (batch.length >= ctx.batchRows) await flush();
  }
  await flush();
  ctx.count('events', 'inserted', counts.inserted);
  ctx.count('events', 'unchanged', counts.unchanged);
}
