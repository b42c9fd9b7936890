/**
 * Asking for a customer-value run through the transactional outbox, in the transaction of the change
 * that makes the stored values stale (a merge or its undo moves orders between customers). RFM
 * quintiles are relative to every customer, so the worker recomputes them all (`computeAll`) rather
 * than patching the customers involved.
 */
import type { DbOrTx } from '../db';
import { outbox } from '../schema';

/** Outbox topic of "recompute customer value" requests (relayed to the customer-value queue). */
export const CUSTOMER_VALUE_TOPIC = 'customer.value';

/**
 * Writes one request row; `key` names the change it follows from (`merge:<id>`, `undo:<id>`), so the
 * row, and the job the relay makes of it, exist once however often the change is retried. Returns the
 * outbox dedupe key.
 */
export async function requestValueRunInOutbox(tx: DbOrTx, o: { key: string; reason: string }): Promise<string> {
  const dedupeKey = `customer-value:${o.key}`;
  await tx.insert(outbox).values({ topic: CUSTOMER_VALUE_TOPIC, payload: { reason: o.reason }, dedupeKey }).onConflictDoNothing();
  return dedupeKey;
}
