import { tickets } from '../schema';
import type { TicketView } from './types';

export type TicketRow = typeof tickets.$inferSelect;

export function toTicketView(row: TicketRow): TicketView {
  return { ...row, entities: row.entities ?? [], routing: row.routing ?? { reason: '' } };
}

/** Deadlocks and serialization failures are retried: the transaction is safe to run again. */
export async function withRetry<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (err) {
      const code = findCode(err);
      if (i >= attempts || (code !== '40P01' && code !== '40001')) throw err;
    }
  }
}

function findCode(err: unknown): string | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
