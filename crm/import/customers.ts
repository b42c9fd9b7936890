import { sql } from 'drizzle-orm';
import type { WriteOutcome } from '../commerce/store';
import { jsonParam, queryRows } from '../commerce/rows';
import { ProfileStore, type ProfilePatch } from '../identity/profiles';
import { identityKey, resolveCustomersBulk, RETAIL_CUSTOMER_KIND, type IdentityRef } from '../identity/resolve';
import type { ImportContext } from './context';
import { safeJson } from './products';
import { str, toBool } from './values';
import { Tombstones, tombstoneHash, type Handle } from '../privacy/tombstones';

interface PendingCustomer {
  ref: IdentityRef;
  name: string | null;
  email: string | null;
  phone: string | null;
  patch: ProfilePatch;
  line: number;
  raw: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const BASE = new Set(['id', 'external_id', 'customer_id', 'kind', 'customer_kind', 'name', 'email', 'phone', 'language', 'tags', 'consent', 'attributes']);

/**
 * Imports customers: `customer_id` (or `external_id`/`id`; identity kind `kind`, default retail_customer_id;
 * without an id the email is the identity), `name`, `email`, `phone`, `language`, `tags` (JSON array, or
 * `a;b` in CSV), `consent` (JSON object of booleans) or `consent_<purpose>` columns, `attributes`
 * (JSON object) or `attr_<key>` columns (values typed by JSON: numbers and booleans in CSV are parsed).
 * Undeclared attributes are declared with the type of their first value; a value of another type rejects the row.
 */
export async function importCustomers(ctx: ImportContext): Promise<void> {
  const profiles = new ProfileStore(ctx.db);
  const defaultKind = ctx.options.customerKind ?? RETAIL_CUSTOMER_KIND;
  const seen = new Map<string, WriteOutcome>();
  let batch: PendingCustomer[] = [];

  async function flush(): Promise<void> {
    let items = batch;
    batch = [];
    if (items.length === 0) return;
    await ctx.db.transaction(async (tx) => {
      // Erased people stay erased: a row whose id, email or phone is tombstoned is refused (and not copied to the rejects file).
      const handlesOf = (c: PendingCustomer): Handle[] => [{ kind: c.ref.kind, value: c.ref.externalId }, ...(c.email ? [{ kind: 'email', value: c.email }] : []), ...(c.phone ? [{ kind: 'phone', value: c.phone }] : [])];
      const erased = await new Tombstones(tx).erasedAmong(items.flatMap(handlesOf));
      if (erased.size > 0) {
        items = items.filter((c) => {
          if (!handlesOf(c).some((h) => erased.has(tombstoneHash(h.kind, h.value)))) return true;
          ctx.accepted--;
          ctx.reject(c.line, 'erased_customer', 'this person’s data was erased at their request', '');
          return false;
        });
      }
      const resolved = await resolveCustomersBulk(tx, items.map((c) => ({ ...c.ref, displayName: c.name, email: c.email })));
      const idOf = (c: PendingCustomer) => resolved.ids.get(identityKey(c.ref.kind, c.ref.externalId))!;
      // Email and phone identities: refuse a row whose email or phone already belongs to someone else.
      const handles = items.flatMap((c) => [
        ...(c.email ? [{ kind: 'email', external_id: c.email.toLowerCase() }] : []),
        ...(c.phone ? [{ kind: 'phone', external_id: c.phone }] : []),
      ]);
      const owners = new Map<string, string>();
      if (handles.length > 0) {
        const rows = await queryRows<{ kind: string; external_id: string; customer_id: string }>(
          tx,
          sql`select i.kind, i.external_id, i.customer_id::text from identities i join jsonb_to_recordset(${jsonParam(handles)}::jsonb) as x(kind text, external_id text)
              on i.kind = x.kind and i.external_id = x.external_id`,
        );
        for (const r of rows) owners.set(identityKey(r.kind, r.external_id), r.customer_id);
      }
      items = items.filter((c) => {
        const id = idOf(c);
        const clash = (kind: string, value: string | null) => value !== null && (owners.get(identityKey(kind, value)) ?? id) !== id;
        if (clash('email', c.email?.toLowerCase() ?? null) || clash('phone', c.phone)) {
          ctx.accepted--;
          ctx.reject(c.line, 'identity_belongs_to_another_customer', c.email ?? c.phone ?? '', c.raw);
          return false;
        }
        return true;
      });
      const touched = new Set<string>();
      const records = items.filter((c) => c.name !== null || c.email !== null).map((c) => ({ id: idOf(c), display_name: c.name, email: c.email }));
      if (records.length > 0) {
        const rows = await queryRows<{ id: string }>(
          tx,
          sql`update customers c set display_name = coalesce(x.display_name, c.display_name), email = coalesce(x.email, c.email), updated_at = now()
                from (select distinct on (id) * from jsonb_to_recordset(${jsonParam(records)}::jsonb) as x(id uuid, display_name text, email text)) x
               where c.id = x.id and (c.display_name, c.email) is distinct from (coalesce(x.display_name, c.display_name), coalesce(x.email, c.email))
              returning c.id::text`,
        );
        for (const r of rows) touched.add(r.id);
      }
      const newHandles = items.flatMap((c) => [
        ...(c.email ? [{ customer_id: idOf(c), kind: 'email', external_id: c.email.toLowerCase() }] : []),
        ...(c.phone ? [{ customer_id: idOf(c), kind: 'phone', external_id: c.phone }] : []),
      ]);
      if (newHandles.length > 0) {
        const rows = await queryRows<{ customer_id: string }>(
          tx,
          sql`insert into identities (customer_id, kind, external_id)
              select customer_id, kind, external_id from jsonb_to_recordset(${jsonParam(newHandles)}::jsonb) as x(customer_id uuid, kind text, external_id text)
              on conflict (kind, external_id) do nothing returning customer_id::text`,
        );
        for (const r of rows) touched.add(r.customer_id);
      }
      const { outcomes, errors } = await profiles.applyMany(items.map((c) => ({ customerId: idOf(c), patch: c.patch })), tx, 'import');
      for (const [i, message] of errors) {
        ctx.accepted--;
        ctx.reject(items[i].line, 'attribute_type_mismatch', message, items[i].raw);
      }
      for (const [id, o] of outcomes) if (o !== 'unchanged') touched.add(id);
      for (const c of items) {
        const key = identityKey(c.ref.kind, c.ref.externalId);
        const outcome: WriteOutcome = resolved.createdKeys.has(key) ? 'inserted' : touched.has(idOf(c)) ? 'updated' : 'unchanged';
        const prev = seen.get(key);
        seen.set(key, prev === 'inserted' || outcome === 'inserted' ? 'inserted' : prev === 'updated' ? 'updated' : outcome);
      }
    });
    await ctx.rejects.drain();
  }

  for await (const rec of ctx.records()) {
    const v = rec.value;
    const reject = (reason: string, detail?: string) => ctx.reject(rec.line, reason, detail, rec.raw);
    const externalId = str(v.customer_id ?? v.external_id ?? v.id).replace(/\.0+$/, '');
    const email = str(v.email) || null;
    if (email && !EMAIL.test(email)) { reject('bad_email', email); continue; }
    if (!externalId && !email) { reject('missing_customer_id', 'neither customer_id nor email'); continue; }
    const ref: IdentityRef = externalId ? { kind: str(v.customer_kind ?? v.kind) || defaultKind, externalId } : { kind: 'email', externalId: email!.toLowerCase() };
    const patch: ProfilePatch = {};
    const csv = ctx.source.format === 'csv';
    let problem: string | null = null;
    // Tags
    if (v.tags !== undefined && v.tags !== '') {
      const tags = Array.isArray(v.tags) ? v.tags : typeof v.tags === 'string' ? (v.tags.trim().startsWith('[') ? safeJson(v.tags) : v.tags.split(/[;|]/)) : null;
      if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) problem = 'tags must be a list of strings';
      else patch.tags = tags as string[];
    }
    // Consent
    const consent: Record<string, boolean> = {};
    if (v.consent !== undefined && v.consent !== '') {
      const c = typeof v.consent === 'string' ? safeJson(v.consent) : v.consent;
      if (!c || typeof c !== 'object' || Array.isArray(c)) problem = 'consent must be a JSON object';
      else for (const [k, val] of Object.entries(c)) {
        const b = toBool(val);
        if (b === null) problem = `consent ${k} must be true or false`;
        else consent[k] = b;
      }
    }
    // Attributes
    const attributes: Record<string, unknown> = {};
    if (v.attributes !== undefined && v.attributes !== '') {
      const a = typeof v.attributes === 'string' ? safeJson(v.attributes) : v.attributes;
      if (!a || typeof a !== 'object' || Array.isArray(a)) problem = 'attributes must be a JSON object';
      else Object.assign(attributes, a);
    }
    for (const [k, val] of Object.entries(v)) {
      if (BASE.has(k)) continue;
      if (k.startsWith('consent_') && str(val) !== '') {
        const b = toBool(val);
        if (b === null) problem = `${k} must be true or false`;
        else consent[k.slice(8)] = b;
      } else if (k.startsWith('attr_') && str(val) !== '') {
        const text = str(val);
        attributes[k.slice(5)] = csv ? (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text === 'true' ? true : text === 'false' ? false : text) : val;
      }
    }
    if (problem) { reject('bad_profile_field', problem); continue; }
    if (Object.keys(consent).length > 0) patch.consent = consent;
    if (Object.keys(attributes).length > 0) patch.attributes = attributes;
    if (str(v.language)) patch.language = str(v.language);
    ctx.accepted++;
    batch.push({ ref, name: str(v.name) || null, email, phone: str(v.phone) || null, patch, line: rec.line, raw: rec.raw });
    if (batch.length >= ctx.batchRows) await flush();
  }
  await flush();
  ctx.tally('customers', seen.values());
}
