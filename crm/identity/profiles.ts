import { eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db';
import { jsonParam, queryRows } from '../commerce/rows';
import { CrmError } from '../errors';
import { ATTRIBUTE_TYPES, customerAttributeDefinitions, customerProfiles, type AttributeType, type ConsentFlag } from '../schema';
import type { WriteOutcome } from '../commerce/store';

export interface CustomerProfile {
  customerId: string;
  attributes: Record<string, unknown>;
  consent: Record<string, ConsentFlag>;
  language: string | null;
  tags: string[];
  mergedInto: string | null;
}

export interface ProfilePatch {
  /** Typed custom attributes; null removes one. Undeclared keys are refused unless `declare` is set. */
  attributes?: Record<string, unknown>;
  /** Consent per purpose; the time is recorded when the flag changes. */
  consent?: Record<string, boolean>;
  language?: string | null;
  /** Replaces the tags (sorted, unique). */
  tags?: string[];
  addTags?: string[];
  removeTags?: string[];
}

export class AttributeError extends CrmError {
  constructor(message: string) {
    super(message, 'invalid_attribute');
  }
}

/** Whether a value has the declared type (dates: ISO 8601 strings). */
export function hasAttributeType(type: AttributeType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value));
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
  }
}

/** The type a new attribute gets when declared from its first value. */
export function inferAttributeType(value: unknown): AttributeType | null {
  if (typeof value === 'number' && Number.isFinite(value)) return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? 'date' : 'string';
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return 'string[]';
  return null;
}

const emptyProfile = (customerId: string): CustomerProfile => ({ customerId, attributes: {}, consent: {}, language: null, tags: [], mergedInto: null });

function normaliseTags(tags: Iterable<string>): string[] {
  return [...new Set([...tags].map((t) => t.trim()).filter(Boolean))].sort();
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object).sort().map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Applies a patch to a profile (pure); returns the new profile. Throws AttributeError on a type mismatch. */
export function applyPatch(
  profile: CustomerProfile,
  patch: ProfilePatch,
  definitions: Map<string, AttributeType>,
  options: { now: Date; source: string; declare?: Map<string, AttributeType> },
): CustomerProfile {
  const next: CustomerProfile = { ...profile, attributes: { ...profile.attributes }, consent: { ...profile.consent }, tags: [...profile.tags] };
  for (const [key, value] of Object.entries(patch.attributes ?? {})) {
    if (value === null || value === undefined) {
      delete next.attributes[key];
      continue;
    }
    let type = definitions.get(key) ?? options.declare?.get(key);
    if (!type) {
      if (!options.declare) throw new AttributeError(`attribute ${key} is not declared`);
      const inferred = inferAttributeType(value);
      if (!inferred) throw new AttributeError(`attribute ${key}: cannot infer a type from ${JSON.stringify(value)}`);
      options.declare.set(key, inferred);
      type = inferred;
    }
    if (!hasAttributeType(type, value)) throw new AttributeError(`attribute ${key} must be ${type}, got ${JSON.stringify(value)}`);
    next.attributes[key] = value;
  }
  for (const [purpose, granted] of Object.entries(patch.consent ?? {})) {
    if (next.consent[purpose]?.granted === granted) continue;
    next.consent[purpose] = { granted, at: options.now.toISOString(), source: options.source };
  }
  if (patch.language !== undefined) next.language = patch.language;
  if (patch.tags) next.tags = normaliseTags(patch.tags);
  if (patch.addTags) next.tags = normaliseTags([...next.tags, ...patch.addTags]);
  if (patch.removeTags) {
    const remove = new Set(patch.removeTags);
    next.tags = next.tags.filter((t) => !remove.has(t));
  }
  return next;
}

export function sameProfile(a: CustomerProfile, b: CustomerProfile): boolean {
  return stable([a.attributes, a.consent, a.language, a.tags]) === stable([b.attributes, b.consent, b.language, b.tags]);
}

/** Owner of customer profiles (typed attributes, consent, language, tags) and attribute definitions. */
export class ProfileStore {
  constructor(private readonly db: Db) {}

  async declareAttribute(key: string, type: AttributeType, label?: string): Promise<void> {
    if (!ATTRIBUTE_TYPES.includes(type)) throw new AttributeError(`unknown attribute type ${type}`);
    await this.db
      .insert(customerAttributeDefinitions)
      .values({ key, type, label: label ?? null })
      .onConflictDoUpdate({ target: customerAttributeDefinitions.key, set: { type, label: label ?? null } });
  }

  /** The declared attributes with their labels, by key. */
  async declared(): Promise<Array<{ key: string; type: AttributeType; label: string | null }>> {
    const rows = await this.db.select().from(customerAttributeDefinitions).orderBy(customerAttributeDefinitions.key);
    return rows.map((r) => ({ key: r.key, type: r.type, label: r.label }));
  }

  async definitions(db: DbOrTx = this.db): Promise<Map<string, AttributeType>> {
    const rows = await db.select().from(customerAttributeDefinitions);
    return new Map(rows.map((r) => [r.key, r.type]));
  }

  async get(customerId: string, db: DbOrTx = this.db): Promise<CustomerProfile> {
    return (await this.getMany([customerId], db)).get(customerId) ?? emptyProfile(customerId);
  }

  async getMany(customerIds: readonly string[], db: DbOrTx = this.db): Promise<Map<string, CustomerProfile>> {
    const out = new Map<string, CustomerProfile>();
    if (customerIds.length === 0) return out;
    const rows = await queryRows<{ customer_id: string; attributes: Record<string, unknown>; consent: Record<string, ConsentFlag>; language: string | null; tags: string[]; merged_into: string | null }>(
      db,
      sql`select customer_id::text, attributes, consent, language, tags, merged_into::text from customer_profiles
          where customer_id in (select jsonb_array_elements_text(${jsonParam(customerIds)}::jsonb)::uuid)`,
    );
    for (const r of rows) {
      out.set(r.customer_id, { customerId: r.customer_id, attributes: r.attributes, consent: r.consent, language: r.language, tags: r.tags, mergedInto: r.merged_into });
    }
    return out;
  }

  /** Updates one profile (typed attributes checked against the declarations). Returns the new profile. */
  async update(customerId: string, patch: ProfilePatch, source = 'api'): Promise<CustomerProfile> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`insert into customer_profiles (customer_id) values (${customerId}) on conflict do nothing`);
      await tx.execute(sql`select 1 from customer_profiles where customer_id = ${customerId} for update`);
      const current = await this.get(customerId, tx);
      const next = applyPatch(current, patch, await this.definitions(tx), { now: new Date(), source });
      if (!sameProfile(current, next)) await this.write([next], tx);
      return next;
    });
  }

  /**
   * Applies patches to many profiles (imports): undeclared attributes are declared with the type of
   * their first value. Returns the outcome per customer; a patch with a type mismatch is returned in `errors`.
   */
  async applyMany(
    patches: ReadonlyArray<{ customerId: string; patch: ProfilePatch }>,
    db: DbOrTx,
    source: string,
  ): Promise<{ outcomes: Map<string, WriteOutcome>; errors: Map<number, string> }> {
    const definitions = await this.definitions(db);
    const declare = new Map<string, AttributeType>();
    const current = await this.getMany([...new Set(patches.map((p) => p.customerId))], db);
    const outcomes = new Map<string, WriteOutcome>();
    const errors = new Map<number, string>();
    const changed = new Map<string, CustomerProfile>();
    const now = new Date();
    patches.forEach(({ customerId, patch }, i) => {
      const before = changed.get(customerId) ?? current.get(customerId) ?? emptyProfile(customerId);
      try {
        changed.set(customerId, applyPatch(before, patch, definitions, { now, source, declare }));
      } catch (err) {
        if (!(err instanceof AttributeError)) throw err;
        errors.set(i, err.message);
      }
    });
    if (declare.size > 0) {
      await db.insert(customerAttributeDefinitions).values([...declare].map(([key, type]) => ({ key, type }))).onConflictDoNothing();
    }
    for (const [id, next] of [...changed]) {
      const stored = current.get(id) ?? emptyProfile(id);
      if (sameProfile(stored, next)) {
        changed.delete(id);
        outcomes.set(id, 'unchanged');
      } else outcomes.set(id, 'updated');
    }
    await this.write([...changed.values()], db);
    return { outcomes, errors };
  }

  private async write(profiles: readonly CustomerProfile[], db: DbOrTx): Promise<void> {
    if (profiles.length === 0) return;
    const payload = profiles.map((p) => ({ customer_id: p.customerId, attributes: p.attributes, consent: p.consent, language: p.language, tags: p.tags }));
    await db.execute(sql`insert into customer_profiles (customer_id, attributes, consent, language, tags, updated_at)
      select customer_id, attributes, consent, language, array(select jsonb_array_elements_text(tags)), now()
        from jsonb_to_recordset(${jsonParam(payload)}::jsonb) as x(customer_id uuid, attributes jsonb, consent jsonb, language text, tags jsonb)
      on conflict (customer_id) do update set attributes = excluded.attributes, consent = excluded.consent, language = excluded.language,
        tags = excluded.tags, updated_at = now()`);
  }

  async byTag(tag: string, limit = 100): Promise<string[]> {
    const rows = await this.db
      .select({ id: customerProfiles.customerId })
      .from(customerProfiles)
      .where(sql`${customerProfiles.tags} @> array[${tag}]::text[]`)
      .limit(limit);
    return rows.map((r) => r.id);
  }

  async exists(customerId: string): Promise<boolean> {
    const rows = await this.db.select({ id: customerProfiles.customerId }).from(customerProfiles).where(eq(customerProfiles.customerId, customerId)).limit(1);
    return rows.length > 0;
  }
}
