/**
 * Tombstones of erased customers: SHA-256 hashes of their normalised handles (email, phone, channel
 * ids), never the clear values. An import row or a new channel identity whose handle hashes to a
 * tombstone is refused, so an erased person does not come back through old data.
 * A plain (unkeyed) hash on purpose: tombstones must outlive any key rotation.
 */
import { createHash } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import type { DbOrTx } from '../db';
import { CrmError } from '../errors';
import { privacyTombstones } from '../schema';

export interface Handle {
  kind: string;
  value: string;
}

/** The form a handle is compared in: emails lower-cased, phones without spaces and punctuation. */
export function normaliseHandle(kind: string, value: string): Handle {
  const k = kind.trim().toLowerCase();
  const v = value.trim();
  if (k === 'email') return { kind: k, value: v.toLowerCase() };
  if (k === 'phone') return { kind: k, value: v.replace(/[\s().\-/]/g, '') };
  return { kind: k, value: v };
}

export function tombstoneHash(kind: string, value: string): string {
  const h = normaliseHandle(kind, value);
  return createHash('sha256').update(`concierge-tombstone\u0000${h.kind}\u0000${h.value}`).digest('hex');
}

export class ErasedCustomerError extends CrmError {
  constructor() {
    super('this person’s data was erased at their request; their handles cannot be linked again', 'erased_customer');
  }
}

export class Tombstones {
  constructor(private readonly db: DbOrTx) {}

  async add(handles: readonly Handle[], requestId: string, db: DbOrTx = this.db): Promise<number> {
    const hashes = [...new Set(handles.filter((h) => h.value.trim() !== '').map((h) => tombstoneHash(h.kind, h.value)))];
    if (hashes.length === 0) return 0;
    await db.insert(privacyTombstones).values(hashes.map((hash) => ({ hash, requestId }))).onConflictDoNothing();
    return hashes.length;
  }

  /** The hashes among these handles that are tombstoned. */
  async erasedAmong(handles: readonly Handle[], db: DbOrTx = this.db): Promise<Set<string>> {
    const hashes = [...new Set(handles.filter((h) => h.value.trim() !== '').map((h) => tombstoneHash(h.kind, h.value)))];
    if (hashes.length === 0) return new Set();
    const rows = await db.select({ hash: privacyTombstones.hash }).from(privacyTombstones).where(inArray(privacyTombstones.hash, hashes));
    return new Set(rows.map((r) => r.hash));
  }

  async isErased(kind: string, value: string, db: DbOrTx = this.db): Promise<boolean> {
    return (await this.erasedAmong([{ kind, value }], db)).size > 0;
  }
}
