import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { queryRows } from '../commerce/rows';
import { learnFrom, parseLearnedProfile, type LearnedProfile, type LearningOptions, type MessageObservation } from './learning';

/**
 * Storage of what the bot learned from conversations: `customers.attributes.learned` (the shape of
 * learning.ts, validated on read), and customers.language when the detected language of most messages
 * differs from it (the page locale is only a first guess). One row lock per message, so concurrent
 * turns of one customer never lose an update. Merges carry it like every customer attribute.
 */
export class LearnedProfileStore {
  constructor(
    private readonly db: Db,
    private readonly options: LearningOptions = {},
  ) {}

  /** Folds one message into the customer's learned profile; returns the new profile (null: no such customer). */
  async record(customerId: string, observation: MessageObservation): Promise<LearnedProfile | null> {
    return this.db.transaction(async (tx) => {
      const rows = await queryRows<{ attributes: Record<string, unknown>; language: string | null }>(
        tx,
        sql`select attributes, language from customers where id = ${customerId} for update`,
      );
      if (rows.length === 0) return null;
      const next = learnFrom(parseLearnedProfile(rows[0].attributes?.learned), observation, this.options);
      const current = rows[0].language;
      const detected = next.language.value;
      // 'zh-CN' already says zh: keep the more precise tag; switch only when the primary language differs.
      const language = detected && (!current || current.split('-')[0].toLowerCase() !== detected) ? detected : current;
      await tx.execute(sql`update customers set attributes = jsonb_set(coalesce(attributes, '{}'::jsonb), '{learned}', ${JSON.stringify(next)}::jsonb),
        language = ${language}, updated_at = now() where id = ${customerId}`);
      return next;
    });
  }

  async get(customerId: string): Promise<LearnedProfile | null> {
    if (!/^[0-9a-f-]{36}$/i.test(customerId)) return null;
    const rows = await queryRows<{ learned: unknown }>(this.db, sql`select attributes -> 'learned' as learned from customers where id = ${customerId}`);
    return rows.length ? parseLearnedProfile(rows[0].learned) : null;
  }
}
