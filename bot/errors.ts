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

/** The one place errors become HTTP responses: typed errors keep their status, anything else is a 500. */
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
    }
    if (status >= 500) log.error({ err, path: req.path }, 'request failed');
    if (res.headersSent) return;
    res.status(status).json({ error: { code, message } });
  };
}
