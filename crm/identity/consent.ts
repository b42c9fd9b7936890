/**
 * Consent to personalisation: the purpose `profiling` of a customer's profile (the console's
 * "Personalisation" switch, or the customer in chat). Without a decision, personalisation is on; a
 * withdrawal stops learning from their messages (crm/identity LearnedProfileStore) and personalised
 * recommendations (crm/recommendations RecommendationService).
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db';
import { queryRows } from '../commerce/rows';
import type { ConsentFlag } from '../schema';

export const PERSONALISATION_PURPOSE = 'profiling';

/** Whether a profile's consent allows personalisation (pure): only an explicit withdrawal stops it. */
export function personalisationAllowed(consent: Readonly<Record<string, ConsentFlag>> | null | undefined): boolean {
  return consent?.[PERSONALISATION_PURPOSE]?.granted !== false;
}

/** Reads one customer's decision (one indexed lookup; no profile row means no decision: allowed). */
export async function personalisationAllowedFor(db: DbOrTx, customerId: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(customerId)) return true;
  const rows = await queryRows<{ consent: Record<string, ConsentFlag> }>(db, sql`select consent from customer_profiles where customer_id = ${customerId}`);
  return personalisationAllowed(rows[0]?.consent);
}
