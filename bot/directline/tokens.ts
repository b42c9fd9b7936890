import jwt from 'jsonwebtoken';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { unauthorized } from '../errors';

export interface DirectLineClaims {
  /** Conversation the token is bound to. */
  conversationId: string;
  /** Server-assigned user id. */
  userId: string;
  /** The page's locale (for the welcome, before the customer writes anything). */
  locale?: string;
}

/** Short-lived HS256 tokens bound to one conversation and one server-assigned user. */
export class DirectLineTokens {
  // A KeyObject, not a string: given a string, jsonwebtoken first tries to parse it as a public key on every call.
  private readonly signingKey: KeyObject;

  constructor(
    signingKey: string,
    readonly ttlSeconds: number,
  ) {
    this.signingKey = createSecretKey(Buffer.from(signingKey, 'utf8'));
  }

  issue(claims: DirectLineClaims): { token: string; expires_in: number } {
    const token = jwt.sign({ conv: claims.conversationId, user: claims.userId, ...(claims.locale ? { loc: claims.locale } : {}) }, this.signingKey, {
      algorithm: 'HS256',
      expiresIn: this.ttlSeconds,
      issuer: 'concierge-directline',
      audience: 'concierge-webchat',
    });
    return { token, expires_in: this.ttlSeconds };
  }

  /** Verifies signature, issuer, audience and expiry; throws a 401 HttpError otherwise. */
  verify(token: string): DirectLineClaims {
    try {
      const payload = jwt.verify(token, this.signingKey, {
        algorithms: ['HS256'],
        issuer: 'concierge-directline',
        audience: 'concierge-webchat',
      }) as { conv?: unknown; user?: unknown; loc?: unknown };
      if (typeof payload.conv !== 'string' || typeof payload.user !== 'string') throw new Error('claims');
      return { conversationId: payload.conv, userId: payload.user, ...(typeof payload.loc === 'string' ? { locale: payload.loc } : {}) };
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw unauthorized('token expired', 'token_expired');
      throw unauthorized('invalid token', 'invalid_token');
    }
  }

  /** Reads `Authorization: Bearer <token>`. */
  fromHeader(header: string | undefined): DirectLineClaims {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m) throw unauthorized('missing bearer token', 'missing_token');
    return this.verify(m[1]);
  }
}
