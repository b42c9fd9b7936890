import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { CrmError } from '../crm';

/** An error that is the client's fault, with the status and a stable code for the JSON body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, code = 'bad_request') => new HttpError(400, code, message);
export const unauthorized = (message = 'missing or invalid token', code = 'unauthorized') => new HttpError(401, code, message);
export const forbidden = (message = 'not allowed', code = 'forbidden') => new HttpError(403, code, message);
export const notFound = (message = 'not found', code = 'not_found') => new HttpError(404, code, message);

const crmStatus: Record<string, number> = { not_found: 404, etag_conflict: 409, customer_erased: 409, not_an_export: 409, erased_customer: 409, archive_unreadable: 500 };

const PG_CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)/i;
const REDIS_UNAVAILABLE_MESSAGES = /Stream isn't writeable|Command timed out|Connection is closed|Reached the max retries per request limit/i;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);

/**
 * Which part a failure says is down, or null: PostgreSQL (SQLSTATE class 08 connection exceptions,
 * 57P01–57P03 shutdown and start-up, the pool's connection errors) or Redis (ioredis with its offline
 * queue off or a command timeout). Walks `cause`, as drizzle wraps the driver's error. Pure.
 */
export function unavailablePart(err: unknown): 'database' | 'redis' | null {
  let query = false;
  let network = false;
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message, name } = e as { code?: unknown; message?: unknown; name?: unknown };
    if (typeof code === 'string' && (/^08/.test(code) || code === '57P01' || code === '57P02' || code === '57P03')) return 'database';
    if (typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)) return 'database';
    if (name === 'MaxRetriesPerRequestError' || (typeof message === 'string' && REDIS_UNAVAILABLE_MESSAGES.test(message))) return 'redis';
    // drizzle's DrizzleQueryError keeps the name 'Error'; its message starts with the statement.
    if (e.constructor?.name === 'DrizzleQueryError' || (typeof message === 'string' && message.startsWith('Failed query: '))) query = true;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) network = true;
  }
  // A refused or reset connection under a query; the same codes from elsewhere (an outside HTTP call) are not ours to name.
  return query && network ? 'database' : null;
}

/** The one place errors become HTTP responses: typed errors keep their status, a part that is down is a 503, anything else is a 500. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let code = 'internal_error';
    let message = 'internal error';
    if (err instanceof HttpError) {
      ({ status, code, message } = err);
    } else if (err instanceof CrmError) {
      status = crmStatus[err.code] ?? 400;
      code = err.code;
      message = err.message;
    } else if (err && typeof err === 'object' && 'type' in err && typeof (err as { status?: unknown }).status === 'number') {
      // body-parser errors: malformed JSON, body too large, bad charset.
      status = (err as { status: number }).status;
      const type = String((err as { type: unknown }).type);
      code = type === 'entity.parse.failed' ? 'malformed_json' : type === 'entity.too.large' ? 'body_too_large' : type.replace(/\W+/g, '_');
      message = type === 'entity.parse.failed' ? 'request body is not valid JSON' : type === 'entity.too.large' ? 'request body is too large' : 'bad request body';
    } else {
      const part = unavailablePart(err);
      if (part) {
        status = 503;
        code = `${part}_unavailable`;
        message = part === 'database' ? 'the database cannot be reached; try again shortly' : 'Redis cannot be reached; try again shortly';
      }
    }
    if (status === 503) log.warn({ err: { message: (err as Error)?.message }, path: req.path }, code);
    else if (status >= 500) log.error({ err, path: req.path }, 'request failed');
    if (res.headersSent) return;
    if (status === 503) res.setHeader('Retry-After', '5');
    res.status(status).json({ error: { code, message } });
  };
}
