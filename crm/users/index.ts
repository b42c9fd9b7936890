/**
 * Console users and their sign-in sessions. Owns the `users` and `sessions` tables.
 * Passwords are hashed with Argon2id; session tokens are random, given to the browser once and
 * stored only as a SHA-256 digest, so a database leak does not leak usable sessions.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { CrmError, NotFoundError } from '../errors';
import { isUniqueViolation } from '../transcripts';
import { sessions, USER_ROLES, users, type UserRole } from '../schema';

export { USER_ROLES };
export type { UserRole };

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  createdAt: Date;
  disabled: boolean;
}

export interface NewUser {
  email: string;
  displayName: string;
  role: UserRole;
  password: string;
}

export const MIN_PASSWORD_LENGTH = 8;

export class DuplicateUserError extends CrmError {
  constructor(email: string) {
    super(`a user with email ${email} already exists`, 'duplicate_user');
  }
}

export class WeakPasswordError extends CrmError {
  constructor() {
    super(`passwords need at least ${MIN_PASSWORD_LENGTH} characters`, 'weak_password');
  }
}

const normaliseEmail = (email: string) => email.trim().toLowerCase();

function toView(row: typeof users.$inferSelect): UserView {
  return { id: row.id, email: row.email, displayName: row.displayName, role: row.role, createdAt: row.createdAt, disabled: row.disabledAt !== null };
}

/** Argon2id with the library's defaults (19 MiB, t=2, p=1: OWASP's minimum recommendation). */
export const hashPassword = (password: string): Promise<string> => argonHash(password);

export async function verifyPasswordHash(hash: string, password: string): Promise<boolean> {
  try {
    return await argonVerify(hash, password);
  } catch {
    return false;
  }
}

// Verified against when the email is unknown, so both answers take the same time.
let dummyHash: Promise<string> | undefined;

export class UserService {
  constructor(private readonly db: Db) {}

  async create(input: NewUser): Promise<UserView> {
    if (input.password.length < MIN_PASSWORD_LENGTH) throw new WeakPasswordError();
    const email = normaliseEmail(input.email);
    const passwordHash = await hashPassword(input.password);
    try {
      const [row] = await this.db.insert(users).values({ email, displayName: input.displayName.trim(), role: input.role, passwordHash }).returning();
      return toView(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateUserError(email);
      throw err;
    }
  }

  /** Updates name, role or password of an existing user. */
  async update(id: string, change: { displayName?: string; role?: UserRole; password?: string; disabled?: boolean }): Promise<UserView> {
    const set: Partial<typeof users.$inferInsert> = {};
    if (change.displayName !== undefined) set.displayName = change.displayName.trim();
    if (change.role !== undefined) set.role = change.role;
    if (change.password !== undefined) {
      if (change.password.length < MIN_PASSWORD_LENGTH) throw new WeakPasswordError();
      set.passwordHash = await hashPassword(change.password);
    }
    if (change.disabled !== undefined) set.disabledAt = change.disabled ? new Date() : null;
    const rows = Object.keys(set).length ? await this.db.update(users).set(set).where(eq(users.id, id)).returning() : await this.db.select().from(users).where(eq(users.id, id));
    if (!rows[0]) throw new NotFoundError('user');
    if (change.password !== undefined || change.disabled) await this.db.delete(sessions).where(eq(sessions.userId, id));
    return toView(rows[0]);
  }

  async get(id: string): Promise<UserView | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const rows = await this.db.select().from(users).where(eq(users.id, id)).limit(1);
    return rows[0] ? toView(rows[0]) : null;
  }

  async findByEmail(email: string): Promise<UserView | null> {
    const rows = await this.db
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = ${normaliseEmail(email)}`)
      .limit(1);
    return rows[0] ? toView(rows[0]) : null;
  }

  async list(): Promise<UserView[]> {
    return (await this.db.select().from(users).orderBy(asc(users.displayName))).map(toView);
  }

  async count(): Promise<number> {
    const [{ n }] = await this.db.select({ n: sql<number>`count(*)::int` }).from(users);
    return n;
  }

  /** The user when the email and password match an enabled account; null otherwise (same time either way). */
  async verifyCredentials(email: string, password: string): Promise<UserView | null> {
    const rows = await this.db
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = ${normaliseEmail(email)}`)
      .limit(1);
    const row = rows[0];
    if (!row) {
      dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPasswordHash(await dummyHash, password);
      return null;
    }
    const ok = await verifyPasswordHash(row.passwordHash, password);
    return ok && row.disabledAt === null ? toView(row) : null;
  }
}

export interface SessionInfo {
  /** Digest of the token (the row id); safe to log. */
  id: string;
  user: UserView;
  expiresAt: Date;
}

export const sessionDigest = (token: string) => createHash('sha256').update(token).digest('hex');

/** Sign-in sessions: an opaque random token per sign-in, with an absolute expiry. */
export class SessionService {
  constructor(
    private readonly db: Db,
    readonly ttlMs: number = 12 * 60 * 60 * 1000,
  ) {}

  /** A new session; the token is returned once and never stored. */
  async create(userId: string, now = new Date()): Promise<{ token: string; id: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const id = sessionDigest(token);
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    await this.db.insert(sessions).values({ id, userId, createdAt: now, expiresAt });
    return { token, id, expiresAt };
  }

  /** The session's user when the token is valid, not expired and the user is enabled. */
  async authenticate(token: string, now = new Date()): Promise<SessionInfo | null> {
    if (!token || token.length > 200) return null;
    const id = sessionDigest(token);
    const rows = await this.db
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.id, id), gt(sessions.expiresAt, now)))
      .limit(1);
    const row = rows[0];
    if (!row || row.user.disabledAt !== null) return null;
    return { id, user: toView(row.user), expiresAt: row.session.expiresAt };
  }

  /** Is the session (by digest) still valid? Used by long-lived streams. */
  async isActive(id: string, now = new Date()): Promise<boolean> {
    const rows = await this.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.id, id), gt(sessions.expiresAt, now)))
      .limit(1);
    return rows.length > 0;
  }

  async revoke(token: string): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.id, sessionDigest(token)));
  }

  async revokeAllFor(userId: string): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.userId, userId));
  }

  async purgeExpired(now = new Date()): Promise<number> {
    const gone = await this.db.delete(sessions).where(lte(sessions.expiresAt, now)).returning({ id: sessions.id });
    return gone.length;
  }
}

export function createUsers(db: Db, options: { sessionTtlMs?: number } = {}): { users: UserService; sessions: SessionService } {
  return { users: new UserService(db), sessions: new SessionService(db, options.sessionTtlMs) };
}
