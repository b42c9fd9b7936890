/**
 * Console authentication at the HTTP edge: the session cookie, sign-in/sign-out, and role checks.
 *
 * The cookie holds an opaque random token (HttpOnly, SameSite=Strict, Secure over https); the
 * database keeps only its SHA-256 digest with an absolute expiry. State-changing requests must be
 * JSON and, when the browser sends an Origin, come from this site: with SameSite=Strict that closes
 * cross-site request forgery.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { SessionInfo, SessionService, UserRole, UserService, UserView } from '../../crm/users';
import { forbidden, HttpError, unauthorized } from '../errors';
import type { SignInLimits } from './throttle';

export const SESSION_COOKIE = 'concierge_session';

export interface AuthContext {
  user: UserView;
  session: SessionInfo;
  token: string;
}

export interface AuthDeps {
  users: UserService;
  sessions: SessionService;
  /** `auto`: Secure when the request came over https (directly or through a trusted proxy). */
  secureCookies?: boolean | 'auto';
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function cookieIsSecure(req: Request, setting: AuthDeps['secureCookies']): boolean {
  return setting === 'auto' || setting === undefined ? req.secure : setting;
}

function setSessionCookie(req: Request, res: Response, token: string, expiresAt: Date, secure: AuthDeps['secureCookies']): void {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  const parts = [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAge}`];
  if (cookieIsSecure(req, secure)) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

function clearSessionCookie(req: Request, res: Response, secure: AuthDeps['secureCookies']): void {
  const parts = [`${SESSION_COOKIE}=`, 'Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=0'];
  if (cookieIsSecure(req, secure)) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

/** The signed-in user of this request, set by `authenticate`. */
export function authOf(res: Response): AuthContext | undefined {
  return res.locals.auth as AuthContext | undefined;
}

export function requireAuth(res: Response): AuthContext {
  const auth = authOf(res);
  if (!auth) throw unauthorized('sign in first', 'not_signed_in');
  return auth;
}

/** Reads the session cookie and, when valid, puts the user on `res.locals.auth`. Never rejects by itself. */
export function authenticate(sessions: SessionService): RequestHandler {
  return async (req, res, next) => {
    try {
      const token = readCookie(req, SESSION_COOKIE);
      if (token) {
        const session = await sessions.authenticate(token);
        if (session) res.locals.auth = { user: session.user, session, token } satisfies AuthContext;
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** 401 without a session; 403 when the user's role is not among `roles`. */
export function requireRole(...roles: UserRole[]): RequestHandler {
  return (_req, res, next) => {
    const auth = authOf(res);
    if (!auth) return next(unauthorized('sign in first', 'not_signed_in'));
    if (roles.length && !roles.includes(auth.user.role)) return next(forbidden(`this needs the role ${roles.join(' or ')}`));
    next();
  };
}

/**
 * Cross-site request forgery guard for state-changing requests: a body must be JSON (forms cannot
 * send it cross-site without a CORS preflight, which we never grant) and an Origin, when sent, must
 * be this site's.
 */
export function sameOriginWrites(): RequestHandler {
  return (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const origin = req.headers.origin;
    if (origin && origin !== 'null') {
      let host: string | undefined;
      try {
        host = new URL(origin).host;
      } catch {
        host = undefined;
      }
      if (host !== req.headers.host) return next(forbidden('cross-site request refused', 'cross_site'));
    } else if (origin === 'null') {
      return next(forbidden('cross-site request refused', 'cross_site'));
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if ((length > 0 || req.headers['transfer-encoding']) && !req.is('application/json')) {
      return next(new HttpError(415, 'unsupported_media_type', 'request bodies must be application/json'));
    }
    next();
  };
}

export const signInSchema = z.object({
  email: z.email().max(320),
  password: z.string().min(1).max(1024),
});

export { DEFAULT_ACCOUNT_MAX, MemorySignInThrottle, memorySignInLimits, RedisSignInThrottle, SignInLimits, signInThrottleKeys, type SignInAttempt, type SignInThrottle } from './throttle';

/** POST /api/auth/sign-in and /api/auth/sign-out. Validation of the body happens in the API registry. */
export async function signIn(deps: AuthDeps & { limits?: SignInLimits }, req: Request, res: Response, body: z.infer<typeof signInSchema>): Promise<UserView> {
  const attempt = { address: req.ip ?? req.socket.remoteAddress ?? 'unknown', email: body.email };
  await deps.limits?.check(attempt);
  const user = await deps.users.verifyCredentials(body.email, body.password);
  if (!user) {
    await deps.limits?.fail(attempt);
    throw unauthorized('wrong email or password', 'bad_credentials');
  }
  await deps.limits?.succeed(attempt);
  void deps.sessions.purgeExpired().catch(() => undefined);
  // A fresh token on every sign-in (no session fixation); an earlier cookie's session ends.
  const previous = readCookie(req, SESSION_COOKIE);
  if (previous) await deps.sessions.revoke(previous);
  const session = await deps.sessions.create(user.id);
  setSessionCookie(req, res, session.token, session.expiresAt, deps.secureCookies);
  res.setHeader('Cache-Control', 'no-store');
  return user;
}

export async function signOut(deps: AuthDeps, req: Request, res: Response): Promise<void> {
  const token = readCookie(req, SESSION_COOKIE);
  if (token) await deps.sessions.revoke(token);
  clearSessionCookie(req, res, deps.secureCookies);
}

/** A tiny router-level helper for handlers that may throw. */
export const asyncHandler =
  (fn: (req: Request, res: Response, next: NextFunction) => Promise<unknown>): RequestHandler =>
  (req, res, next) => {
    fn(req, res, next).catch(next);
  };

