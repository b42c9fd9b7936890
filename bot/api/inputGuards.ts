/**
 * HTTP input guards: hostile requests are answered 400 (or 415) JSON at the edge, before any route
 * reads or writes anything. `inputGuards()` is mounted in bot/server.ts before every router (paths
 * and query strings); `jsonBody()` is the one JSON body parser every router uses, so each body gets
 * the same decoding errors, depth limit and character checks. The checks themselves are pure
 * (inputChecks.ts).
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { HttpError } from '../errors';
import { findHostileString, hostileCharacterIn, jsonNestsDeeperThan, MAX_JSON_DEPTH } from './inputChecks';

/** A path whose `%` escapes do not decode (express would throw URIError: a 500) or decode to NUL. */
function rejectMalformedPath(): RequestHandler {
  return (req, _res, next) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(req.path);
    } catch {
      return next(new HttpError(400, 'malformed_path', 'request path has a malformed % escape'));
    }
    const problem = hostileCharacterIn(decoded);
    if (problem) return next(new HttpError(400, 'invalid_path', `request path contains a ${problem}`));
    next();
  };
}

function rejectHostileQuery(): RequestHandler {
  return (req, _res, next) => {
    const found = findHostileString(req.query);
    if (found) return next(new HttpError(400, 'invalid_characters', `query parameter ${found.field} contains a ${found.problem}`));
    next();
  };
}

/** The guards every request passes, mounted before the routers. */
export function inputGuards(): RequestHandler[] {
  return [rejectMalformedPath(), rejectHostileQuery()];
}

const encodingHint = (req: Request) => {
  const encoding = req.get('content-encoding');
  return encoding && encoding !== 'identity' ? ` (Content-Encoding: ${encoding})` : '';
};

/** body-parser's errors as typed ones: its zlib failures carry a status but no type, and were 500s. */
function bodyError(err: unknown, req: Request): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { status?: unknown; type?: unknown };
  const status = typeof e?.status === 'number' ? e.status : 500;
  if (status >= 500) return err as HttpError; // ours to fix: logged by the error handler
  switch (e.type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'malformed_json', 'request body is not valid JSON');
    case 'entity.too.large':
      return new HttpError(413, 'body_too_large', 'request body is too large');
    case 'encoding.unsupported':
      return new HttpError(415, 'unsupported_content_encoding', `unsupported Content-Encoding${encodingHint(req)}`);
    case 'charset.unsupported':
      return new HttpError(415, 'unsupported_charset', 'unsupported charset');
    default:
      // A gzip/deflate/br body that does not decompress, a truncated body, a size mismatch.
      return new HttpError(400, 'malformed_body', `request body could not be read${encodingHint(req)}`);
  }
}

const tooDeep = () => new HttpError(400, 'json_too_deep', `request body nests deeper than ${MAX_JSON_DEPTH} levels`);

export interface JsonBodyOptions {
  limit: number;
  /** false: any JSON value at the root (Direct Line), not only objects and arrays. */
  strict?: boolean;
}

/**
 * express.json with the guards: decoding errors become 4xx, JSON deeper than MAX_JSON_DEPTH is
 * refused on the raw bytes (before it is parsed), and a string holding NUL or a lone surrogate
 * (PostgreSQL cannot store either) is refused naming its field.
 */
// Loosely typed like express.json, so a route's own params stay inferred from its path.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function jsonBody(o: JsonBodyOptions): RequestHandler<any, any, any, any> {
  const parse = express.json({
    limit: o.limit,
    strict: o.strict ?? true,
    verify: (_req, _res, raw) => {
      if (jsonNestsDeeperThan(raw, MAX_JSON_DEPTH)) throw tooDeep();
    },
  });
  return (req: Request, res: Response, next: NextFunction) => {
    parse(req, res, (err?: unknown) => {
      if (err) return next(bodyError(err, req));
      const found = findHostileString(req.body);
      if (found) return next(new HttpError(400, 'invalid_characters', `body field ${found.field || '(root)'} contains a ${found.problem}`));
      next();
    });
  };
}
