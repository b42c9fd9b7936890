import { eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db';
import { jsonParam, queryRows } from '../commerce/rows';
import { CrmError, NotFoundError } from '../errors';
import { ATTRIBUTE_TYPES, consentHistory, customerAttributeDefinitions, customerProfiles, type AttributeType, type ConsentFlag } from '../schema';
import type { WriteOutcome } from '../commerce/store';
import { ErasedCustomerError } from '../privacy/tombstones';

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

/** A change that would leave stored values without a matching declaration (a type change while profiles hold values). */
export class AttributeInUseError extends CrmError {
  constructor(message: string) {
    super(message, 'attribute_in_use');
  }
}

export interface AttributeDefinition {
  key: string;
  type: AttributeType;
  label: string | null;
  description: string | null;
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

/** The consent decisions a patch made (pure): each purpose whose flag changed, with its new flag. */
export function consentChanges(before: CustomerProfile, after: CustomerProfile): Array<{ purpose: string; flag: ConsentFlag }> {
  return Object.entries(after.consent)
    .filter(([purpose, flag]) => before.consent[purpose]?.granted !== flag.granted || before.consent[purpose]?.at !== flag.at)
    .map(([purpose, flag]) => ({ purpose, flag }));
}

export function sameProfile(a: CustomerProfile, b: CustomerProfile): boolean {
  return stable([a.attributes, a.consent, a.language, a.tags]) === stable([b.attributes, b.consent, b.language, b.tags]);
}

/** Owner of customer profiles (typed attributes, consent, language, tags) and attribute definitions. */
export class ProfileStore {
  constructor(private readonly db: Db) {}

  /**
   * Declares an attribute, or replaces the label and description of a declared one. Its type may change
   * only while no profile holds a value for it: stored values would no longer have the declared type.
   */
  async declareAttribute(key: string, type: AttributeType, label?: string, description?: string): Promise<void> {
    if (!ATTRIBUTE_TYPES.includes(type)) throw new AttributeError(`unknown attribute type ${type}`);
    await this.db.transaction(async (tx) => {
      const [current] = await queryRows<{ type: AttributeType }>(tx, sql`select type from customer_attribute_definitions where key = ${key} for update`);
      if (current && current.type !== type) {
        // Profile writers are held back while we count, so no value of the old type slips in.
        await tx.execute(sql`lock table customer_profiles in exclusive mode`);
        const holding = await this.profilesHolding(key, tx);
        if (holding > 0) {
          throw new AttributeInUseError(`attribute ${key} holds values in ${holding} profile${holding === 1 ? '' : 's'}: its type cannot change from ${current.type} to ${type} (delete it first, or declare a new key)`);
        }
      }
      await tx
        .insert(customerAttributeDefinitions)
        .values({ key, type, label: label ?? null, description: description ?? null })
        .onConflictDoUpdate({ target: customerAttributeDefinitions.key, set: { type, label: label ?? null, description: description ?? null } });
    });
  }

  /** Changes what agents read of a declared attribute (null clears); its key and type stay. Throws NotFoundError when it is not declared. */
  async describeAttribute(key: string, change: { label?: string | null; description?: string | null }): Promise<AttributeDefinition> {
    const set: { label?: string | null; description?: string | null } = {};
    if (change.label !== undefined) set.label = change.label;
    if (change.description !== undefined) set.description = change.description;
    const [row] = Object.keys(set).length
      ? await this.db.update(customerAttributeDefinitions).set(set).where(eq(customerAttributeDefinitions.key, key)).returning()
      : await this.db.select().from(customerAttributeDefinitions).where(eq(customerAttributeDefinitions.key, key));
    if (!row) throw new NotFoundError(`attribute ${key}`);
    return { key: row.key, type: row.type, label: row.label, description: row.description };
  }

  /**
   * Removes a declaration and every stored value of it, in one transaction; returns how many profiles
   * lost their value. Profile writers wait for it, so none writes a value of the key it removes.
   */
  async deleteAttribute(key: string): Promise<{ removedFrom: number }> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`lock table customer_profiles in exclusive mode`);
      const deleted = await tx.delete(customerAttributeDefinitions).where(eq(customerAttributeDefinitions.key, key)).returning({ key: customerAttributeDefinitions.key });
      if (deleted.length === 0) throw new NotFoundError(`attribute ${key}`);
      const stripped = await queryRows<{ customer_id: string }>(
        tx,
        sql`update customer_profiles set attributes = attributes - ${key}::text, updated_at = now() where attributes ? ${key}::text returning customer_id::text`,
      );
      return { removedFrom: stripped.length };
    });
  }

  /** The declared attributes with their labels and descriptions, by key. */
  async declared(): Promise<AttributeDefinition[]> {
    const rows = await this.db.select().from(customerAttributeDefinitions).orderBy(customerAttributeDefinitions.key);
    return rows.map((r) => ({ key: r.key, type: r.type, label: r.label, description: r.description }));
  }

  /** How many profiles hold a value, per declared attribute (0 for none): one pass over the profiles. */
  async usage(): Promise<Map<string, number>> {
    const rows = await queryRows<{ key: string; profiles: number }>(
      this.db,
      sql`select d.key, count(p.customer_id)::int as profiles
            from customer_attribute_definitions d
            left join (select customer_id, jsonb_object_keys(attributes) as key from customer_profiles) p on p.key = d.key
           group by d.key order by d.key`,
    );
    return new Map(rows.map((r) => [r.key, r.profiles]));
  }

  private async profilesHolding(key: string, db: DbOrTx): Promise<number> {
    const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from customer_profiles where attributes ? ${key}::text`);
    return row.n;
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

  /**
   * Updates one profile (typed attributes checked against the declarations). Returns the new profile.
   * Consent decisions are added to the consent history in the same transaction; `onChange` (e.g. an
   * audit entry) runs in it too when something changed, so the change and its record commit together.
   */
  async update(
    customerId: string,
    patch: ProfilePatch,
    source = 'api',
    options: { onChange?: (tx: DbOrTx, before: CustomerProfile, after: CustomerProfile) => Promise<void> } = {},
  ): Promise<CustomerProfile> {
    return this.db.transaction(async (tx) => {
      // An erased customer's row stays (anonymous, for their tickets' counts): nothing new is written to it.
      const erased = (await tx.execute(sql`select 1 from customers where id = ${customerId} and attributes ? 'erased'`)) as unknown as { rows: unknown[] };
      if (erased.rows.length > 0) throw new ErasedCustomerError();
      await tx.execute(sql`insert into customer_profiles (customer_id) values (${customerId}) on conflict do nothing`);
      await tx.execute(sql`select 1 from customer_profiles where customer_id = ${customerId} for update`);
      const current = await this.get(customerId, tx);
      const next = applyPatch(current, patch, await this.definitions(tx), { now: new Date(), source });
      if (!sameProfile(current, next)) {
        await this.write([next], tx);
        await this.recordConsent([{ before: current, after: next }], tx);
        await options.onChange?.(tx, current, next);
      }
      return next;
    });
  }

  /** Every consent decision of a customer, oldest first. */
  async consentHistory(customerId: string, db: DbOrTx = this.db): Promise<Array<{ purpose: string; granted: boolean; source: string; at: Date }>> {
    return db
      .select({ purpose: consentHistory.purpose, granted: consentHistory.granted, source: consentHistory.source, at: consentHistory.at })
      .from(consentHistory)
      .where(eq(consentHistory.customerId, customerId))
      .orderBy(consentHistory.at, consentHistory.id);
  }

  private async recordConsent(changes: ReadonlyArray<{ before: CustomerProfile; after: CustomerProfile }>, db: DbOrTx): Promise<void> {
    const rows = changes.flatMap(({ before, after }) =>
      consentChanges(before, after).map(({ purpose, flag }) => ({ customerId: after.customerId, purpose, granted: flag.granted, source: flag.source ?? 'unknown', at: new Date(flag.at) })),
    );
    if (rows.length) await db.insert(consentHistory).values(rows);
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
    await this.recordConsent([...changed.values()].map((after) => ({ before: current.get(after.customerId) ?? emptyProfile(after.customerId), after })), db);
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
