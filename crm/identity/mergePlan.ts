/**
 * The rules of a merge, pure: whether two profiles may be merged, and what the survivor's profile
 * becomes (which value wins where both have one). `IdentityLinker.merge` writes this plan and
 * `IdentityLinker.preview` shows it, so the console's preview and the merge cannot disagree.
 */
import { CrmError } from '../errors';
import type { AttributeType, ConsentFlag } from '../schema';
import { mergeLearnedProfiles, parseLearnedProfile } from './learning';
import { hasAttributeType } from './profiles';

export class MergeError extends CrmError {
  constructor(message: string, code = 'merge_conflict') {
    super(message, code);
  }
}

/** One profile as stored before a merge (kept in customer_merges.before, so undo can restore it). */
export interface CustomerSnapshot {
  customer: { display_name: string | null; email: string | null; language: string | null; attributes: Record<string, unknown> };
  profile: { attributes: Record<string, unknown>; consent: Record<string, ConsentFlag>; language: string | null; tags: string[]; merged_into: string | null } | null;
}

export interface MergeSnapshots {
  survivor: CustomerSnapshot;
  merged: CustomerSnapshot;
}

/** A field both profiles have, with different values. */
export interface MergeConflict {
  /** `displayName`, `email`, `language`, `preferredLanguage`, `attribute:<key>` (custom attributes), `data:<key>` (other stored data), `consent:<purpose>`. */
  field: string;
  survivor: unknown;
  merged: unknown;
  /** Whose value the merged profile keeps: the survivor's, except consent, where the later decision holds. */
  winner: 'survivor' | 'merged';
}

export interface MergePlan {
  customer: { displayName: string | null; email: string | null; language: string | null; attributes: Record<string, unknown> };
  profile: { attributes: Record<string, unknown>; consent: Record<string, ConsentFlag>; language: string | null; tags: string[] };
  conflicts: MergeConflict[];
  /** Tags only the duplicate had (the survivor gets them). */
  addedTags: string[];
}

/** Refuses what a merge must not do (MergeError): a profile into itself, or either side already merged away. */
export function checkMergeable(survivorId: string, mergedId: string, s: MergeSnapshots): void {
  if (survivorId === mergedId) throw new MergeError('cannot merge a customer into itself', 'merge_self');
  if (s.merged.profile?.merged_into) throw new MergeError(`customer ${mergedId} was already merged into ${s.merged.profile.merged_into}`, 'already_merged');
  if (s.survivor.profile?.merged_into) throw new MergeError(`customer ${survivorId} was merged into ${s.survivor.profile.merged_into}; merge into that one`, 'already_merged');
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object).sort().map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const present = (v: unknown) => v !== null && v !== undefined;

/** The survivor keeps its own values and takes the duplicate's where it has none; both sides' tags; the latest consent decision. */
export function planMerge({ survivor: s, merged: m }: MergeSnapshots): MergePlan {
  const conflicts: MergeConflict[] = [];
  const field = (name: string, a: unknown, b: unknown) => {
    if (present(a) && present(b) && stable(a) !== stable(b)) conflicts.push({ field: name, survivor: a, merged: b, winner: 'survivor' });
  };
  field('displayName', s.customer.display_name, m.customer.display_name);
  field('email', s.customer.email, m.customer.email);
  field('language', s.customer.language, m.customer.language);
  field('preferredLanguage', s.profile?.language, m.profile?.language);

  const attributes: Record<string, unknown> = { ...m.customer.attributes, ...s.customer.attributes };
  // What the bot learned in both profiles' chats is combined, not one side's dropped (undo restores both).
  const learned = mergeLearnedProfiles(parseLearnedProfile(s.customer.attributes?.learned), parseLearnedProfile(m.customer.attributes?.learned));
  if (learned) attributes.learned = learned;
  for (const key of Object.keys(s.customer.attributes ?? {})) if (key !== 'learned') field(`data:${key}`, s.customer.attributes[key], m.customer.attributes?.[key]);

  const profileAttributes = { ...(m.profile?.attributes ?? {}), ...(s.profile?.attributes ?? {}) };
  for (const key of Object.keys(s.profile?.attributes ?? {})) field(`attribute:${key}`, s.profile!.attributes[key], m.profile?.attributes?.[key]);

  const consent = { ...(m.profile?.consent ?? {}) };
  for (const [purpose, flag] of Object.entries(s.profile?.consent ?? {})) {
    const other = consent[purpose];
    const survivorWins = !other || Date.parse(flag.at) >= Date.parse(other.at); // the latest decision holds
    if (other && other.granted !== flag.granted) conflicts.push({ field: `consent:${purpose}`, survivor: flag, merged: other, winner: survivorWins ? 'survivor' : 'merged' });
    if (survivorWins) consent[purpose] = flag;
  }
  const own = new Set(s.profile?.tags ?? []);
  const tags = [...new Set([...own, ...(m.profile?.tags ?? [])])].sort();
  return {
    customer: {
      displayName: s.customer.display_name ?? m.customer.display_name,
      email: s.customer.email ?? m.customer.email,
      language: s.customer.language ?? m.customer.language,
      attributes,
    },
    profile: { attributes: profileAttributes, consent, language: s.profile?.language ?? m.profile?.language ?? null, tags },
    conflicts,
    addedTags: tags.filter((t) => !own.has(t)),
  };
}

/** A field of the survivor that changed after the merge, which its undo therefore keeps as it is now. */
export interface UndoKeptChange {
  /** `displayName`, `email`, `language`, `preferredLanguage`, `tags`, `attribute:<key>`, `data:<key>`, `consent:<purpose>`. */
  field: string;
  /** What the merge had made of it. */
  afterMerge: unknown;
  /** What it is now, and stays. */
  now: unknown;
}

export interface UndoPlan {
  /** The survivor as the undo writes it: its own pre-merge values, except what changed since the merge. */
  survivor: CustomerSnapshot;
  kept: UndoKeptChange[];
}

/**
 * What undoing a merge writes to the survivor, pure. A three-way merge per field: `before` (the survivor
 * before the merge), `afterMerge` (what the merge wrote) and `now`. A field still as the merge left it
 * returns to its pre-merge value; a field changed since (an agent's edit, a consent decision, a tag, a
 * deleted attribute) keeps its current value, so an undo never reverts a later decision. Attributes,
 * other data and consent are compared per key, tags per tag. What the bot learned (`data:learned`) is
 * not merged here: the undo restores the pre-merge profile and the messages learned since the merge are
 * learned again (IdentityLinker.undo).
 */
export function planUndo(before: CustomerSnapshot, afterMerge: CustomerSnapshot, now: CustomerSnapshot): UndoPlan {
  const kept: UndoKeptChange[] = [];
  const pick = <T>(field: string, b: T, a: T, n: T): T => {
    if (stable(n ?? null) === stable(a ?? null)) return b;
    kept.push({ field, afterMerge: a ?? null, now: n ?? null });
    return n;
  };
  const perKey = <V>(prefix: string, b: Record<string, V>, a: Record<string, V>, n: Record<string, V>, skip: (key: string) => boolean = () => false) => {
    const out: Record<string, V> = {};
    for (const key of [...new Set([...Object.keys(b), ...Object.keys(a), ...Object.keys(n)])].sort()) {
      if (skip(key)) continue;
      const value = pick<V | undefined>(`${prefix}:${key}`, b[key], a[key], n[key]);
      if (value !== undefined) out[key] = value;
    }
    return out;
  };
  const bc = before.customer;
  const nc = now.customer;
  const ac = afterMerge.customer;
  const data = perKey('data', bc.attributes ?? {}, ac.attributes ?? {}, nc.attributes ?? {}, (key) => key === 'learned');
  if (bc.attributes && 'learned' in bc.attributes) data.learned = bc.attributes.learned;
  const customer = {
    display_name: pick('displayName', bc.display_name, ac.display_name, nc.display_name),
    email: pick('email', bc.email, ac.email, nc.email),
    language: pick('language', bc.language, ac.language, nc.language),
    attributes: data,
  };

  const bp = before.profile ?? EMPTY_PROFILE;
  const ap = afterMerge.profile ?? EMPTY_PROFILE;
  const np = now.profile ?? EMPTY_PROFILE;
  const addedSince = np.tags.filter((t) => !ap.tags.includes(t));
  const removedSince = ap.tags.filter((t) => !np.tags.includes(t));
  if (addedSince.length > 0 || removedSince.length > 0) kept.push({ field: 'tags', afterMerge: ap.tags, now: np.tags });
  const profile = {
    attributes: perKey('attribute', bp.attributes ?? {}, ap.attributes ?? {}, np.attributes ?? {}),
    consent: perKey('consent', bp.consent ?? {}, ap.consent ?? {}, np.consent ?? {}),
    language: pick('preferredLanguage', bp.language, ap.language, np.language),
    tags: [...new Set([...bp.tags, ...addedSince])].filter((t) => !removedSince.includes(t)).sort(), // sorted, as ProfileStore keeps them
    merged_into: before.profile?.merged_into ?? null,
  };
  const emptyProfile = Object.keys(profile.attributes).length === 0 && Object.keys(profile.consent).length === 0 && profile.language === null && profile.tags.length === 0;
  // A survivor without a profile row before the merge gets none back, unless something was decided since.
  return { survivor: { customer, profile: before.profile === null && emptyProfile ? null : profile }, kept };
}

const EMPTY_PROFILE: NonNullable<CustomerSnapshot['profile']> = { attributes: {}, consent: {}, language: null, tags: [], merged_into: null };

/**
 * A snapshot's custom attributes reduced to what is declared now, with values of the declared type:
 * an undo must not bring back a value of an attribute an admin deleted (or retyped) since the merge.
 */
export function keepDeclaredAttributes(snapshot: CustomerSnapshot, declared: ReadonlyMap<string, AttributeType>): { snapshot: CustomerSnapshot; dropped: string[] } {
  if (!snapshot.profile) return { snapshot, dropped: [] };
  const attributes: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(snapshot.profile.attributes ?? {})) {
    const type = declared.get(key);
    if (type && hasAttributeType(type, value)) attributes[key] = value;
    else dropped.push(key);
  }
  return { snapshot: { ...snapshot, profile: { ...snapshot.profile, attributes } }, dropped };
}
