/**
 * The rules of a merge, pure: whether two profiles may be merged, and what the survivor's profile
 * becomes (which value wins where both have one). `IdentityLinker.merge` writes this plan and
 * `IdentityLinker.preview` shows it, so the console's preview and the merge cannot disagree.
 */
import { CrmError } from '../errors';
import type { ConsentFlag } from '../schema';
import { mergeLearnedProfiles, parseLearnedProfile } from './learning';

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
