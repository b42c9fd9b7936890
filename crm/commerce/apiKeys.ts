import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db';
import { apiKeys } from '../schema';

export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * API keys for server-to-server calls. The key is shown once at creation; only its SHA-256 is stored
 * (keys are 256-bit random, so a fast hash is enough and lookups stay one index probe).
 */
export class ApiKeyStore {
  constructor(private readonly db: Db) {}

  async create(name: string, scopes: string[] = ['events:write']): Promise<{ key: string; record: ApiKeyRecord }> {
    const key = `ck_${randomBytes(32).toString('base64url')}`;
    const [row] = await this.db.insert(apiKeys).values({ name, keyHash: hashApiKey(key), prefix: key.slice(0, 10), scopes }).returning();
    return { key, record: toRecord(row) };
  }

  /** The active key with this plaintext and scope, or null. Marks it used. */
  async verify(key: string, scope = 'events:write'): Promise<ApiKeyRecord | null> {
    if (!key.startsWith('ck_') || key.length > 200) return null;
    const rows = await this.db.select().from(apiKeys).where(and(eq(apiKeys.keyHash, hashApiKey(key)), isNull(apiKeys.revokedAt))).limit(1);
    const row = rows[0];
    if (!row || !row.scopes.includes(scope)) return null;
    const now = new Date();
    // Recording use is best effort and at most once a minute per key.
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
      await this.db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.id)).catch(() => undefined);
    }
    return toRecord(row);
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (await this.db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt))).map(toRecord);
  }

  async revoke(id: string): Promise<boolean> {
    const rows = await this.db.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning({ id: apiKeys.id });
    return rows.length > 0;
  }
}

function toRecord(row: typeof apiKeys.$inferSelect): ApiKeyRecord {
  return { id: row.id, name: row.name, prefix: row.prefix, scopes: row.scopes, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt, revokedAt: row.revokedAt };
}
