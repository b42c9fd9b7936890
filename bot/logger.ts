import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs. Message text is left out unless LOG_MESSAGE_TEXT is on (customers' words are personal data). */
export function createLogger(level: string, name = 'concierge'): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
