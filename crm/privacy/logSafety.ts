import { maskForLog } from './redaction';

/**
 * What of a value may go into a log line (pure). A database driver's error carries the statement's
 * parameters (the customer's words) in `params`, in its message ("Failed query: … params: …") and in
 * `detail` ("Failing row contains (…)"); those are dropped, identifiers (code, constraint, table,
 * column) are kept so the failure can still be diagnosed. Every string left is passed through maskForLog.
 */

export interface LogSafetyOptions {
  /** LOG_MESSAGE_TEXT: whether fields holding a message's text are logged (masked) or left out. */
  logMessageText: boolean;
}

/** Fields that hold a chat message's text: logged only with LOG_MESSAGE_TEXT on. */
const MESSAGE_TEXT_KEYS = new Set(['text', 'messageText']);
export const MESSAGE_TEXT_OMITTED = '[message text omitted: LOG_MESSAGE_TEXT is off]';

/** Fields of driver errors (pg, PGlite, Drizzle) that carry statement text, parameter values or row contents. */
const STATEMENT_KEYS = new Set(['parameters', 'params', 'values', 'query', 'sql', 'text', 'detail', 'where', 'internalQuery', 'queryOptions']);

/** Identifying fields of a driver error worth keeping (none of them holds a value). */
const ERROR_FIELDS = ['code', 'severity', 'constraint', 'table', 'column', 'schema', 'dataType', 'routine', 'errno', 'syscall', 'statusCode', 'status'] as const;

const MAX_DEPTH = 8;

export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  cause?: SafeError;
  errors?: SafeError[];
  [field: string]: unknown;
}

/** An SQLSTATE (five characters) marks an error reported by PostgreSQL. */
function isDatabaseError(err: Record<string, unknown>): boolean {
  return typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code);
}

/** The message without statement text, parameters or quoted input values. */
export function safeErrorMessage(err: Error): string {
  const e = err as unknown as Record<string, unknown>;
  let message = String(err.message ?? '');
  // Drizzle: "Failed query: <sql>\nparams: <values>".
  if (/^Failed query: /.test(message)) return 'Failed query (statement and parameters omitted)';
  message = message.replace(/\n?\s*params: [\s\S]*$/, ' (parameters omitted)');
  // PostgreSQL quotes the offending input at the end: invalid input syntax for type uuid: "…".
  if (isDatabaseError(e)) message = message.replace(/: ".*"$/s, ': "(value omitted)"');
  return maskForLog(message);
}

function typeOf(err: Error): string {
  const ctor = err.constructor?.name;
  return ctor && ctor !== 'Object' && ctor.length > 1 ? ctor : err.name || 'Error';
}

/** An error as it may be logged: type, safe message, identifying fields, stack frames, causes. */
export function safeErrorForLog(err: Error, depth = 0): SafeError {
  const e = err as unknown as Record<string, unknown>;
  const type = typeOf(err);
  const message = safeErrorMessage(err);
  const out: SafeError = { type, message };
  for (const field of ERROR_FIELDS) {
    const value = e[field];
    if (typeof value === 'string' || typeof value === 'number') out[field] = typeof value === 'string' ? maskForLog(value) : value;
  }
  // The stack's first lines repeat the (unsafe) message: keep only its frames.
  if (typeof err.stack === 'string') {
    const frames = err.stack.split('\n').filter((line) => /^\s+at /.test(line));
    out.stack = [`${type}: ${message}`, ...frames.map(maskForLog)].join('\n');
  }
  if (depth < MAX_DEPTH) {
    if (err.cause !== undefined) out.cause = err.cause instanceof Error ? safeErrorForLog(err.cause, depth + 1) : { type: typeof err.cause, message: maskForLog(String(err.cause)) };
    if (Array.isArray(e.errors)) out.errors = (e.errors as unknown[]).filter((x): x is Error => x instanceof Error).map((x) => safeErrorForLog(x, depth + 1));
  }
  // Other own fields an error was given (a status, an id): kept when plain and not statement data.
  for (const [key, value] of Object.entries(e)) {
    if (key in out || STATEMENT_KEYS.has(key) || key === 'cause' || key === 'errors' || key === 'message' || key === 'stack' || key === 'name') continue;
    if (typeof value === 'string') out[key] = maskForLog(value);
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  return out;
}

/** A log record's value as it may be written: errors made safe, message text left out or kept per option, strings masked. */
export function safeForLog(value: unknown, options: LogSafetyOptions, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return maskForLog(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return safeErrorForLog(value);
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  if (depth >= MAX_DEPTH || seen.has(value)) return '[omitted]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => safeForLog(v, options, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (MESSAGE_TEXT_KEYS.has(key) && !options.logMessageText) out[key] = v === undefined ? v : MESSAGE_TEXT_OMITTED;
    else out[key] = safeForLog(v, options, depth + 1, seen);
  }
  return out;
}
