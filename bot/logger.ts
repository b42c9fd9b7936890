import pino, { type DestinationStream, type Logger } from 'pino';
import { maskForLog, safeErrorForLog, safeForLog } from '../crm/privacy';

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** LOG_MESSAGE_TEXT (config): log the text of messages (masked), instead of leaving it out. */
  logMessageText?: boolean;
  name?: string;
  /** Where the JSON lines go; default standard output. Tests pass a stream that collects them. */
  destination?: DestinationStream;
}

/**
 * JSON logs. Message text (`text` fields) is left out unless LOG_MESSAGE_TEXT is on (customers' words
 * are personal data); errors lose their statement parameters and row contents (database drivers put the
 * customer's words there); emails, phone numbers, card numbers and IBANs in any string are masked.
 */
export function createLogger(options: LoggerOptions): Logger {
  const safety = { logMessageText: options.logMessageText ?? false };
  return pino(
    {
      name: options.name ?? 'concierge',
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          // pino takes an error's raw message as the line's message when none is given: give it the safe one.
          const err = first instanceof Error ? first : first && typeof first === 'object' && (first as { err?: unknown }).err instanceof Error ? ((first as { err: Error }).err) : undefined;
          const record = first instanceof Error ? { err: first } : first;
          const messageArgs = rest.length === 0 && err && typeof first === 'object' ? [safeErrorForLog(err).message] : rest;
          const safeArgs = [record, ...messageArgs].map((a) => (typeof a === 'string' ? maskForLog(a) : a));
          return method.apply(this, safeArgs as Parameters<typeof method>);
        },
        // Last pass over the finished line: child loggers' bindings skip the formatters (pino resets them for children).
        streamWrite: (line) => maskForLog(line),
      },
      // Errors are already made safe (formatters.log); pino's own serializer would copy their fields back.
      serializers: { err: (err: unknown) => err },
      formatters: {
        log: (record) => safeForLog(record, safety) as Record<string, unknown>,
        bindings: (bindings) => safeForLog(bindings, safety) as Record<string, unknown>,
      },
    },
    options.destination ?? pino.destination(1),
  );
}
