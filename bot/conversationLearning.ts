import type { Db } from '../crm';
import { loadCatalog } from '../crm/commerce';
import type { LearnedProfileStore, MessageObservation, MessageSource } from '../crm/identity';
import type { Recognizer, Understanding } from '../dialogs';
import { expressesSentiment, extractPreferences, type PreferenceVocabulary } from '../nlp';

/** Whether a message says enough to tell its language (nlp/text.ts): "ok", "A10042" and an email tell nothing. */
export { languageEvidence } from '../nlp';

/** An inbound customer message, as the timeline stored it. */
export interface LearnableMessage {
  customerId: string;
  channel: string;
  conversationId: string;
  activityId: string;
  text: string;
  locale?: string;
  at: Date;
}

export interface ProfileLearner {
  /** `understanding`: the turn's understanding of the message, when there is one (no second NLP call). */
  learn(message: LearnableMessage, understanding?: Understanding): Promise<void>;
}

/** What one message tells, without storing it (the catch-up observes a batch, then stores it at once). */
export interface MessageObserver {
  observe(message: LearnableMessage): Promise<MessageObservation>;
}

export interface ConversationLearnerOptions {
  recognizer: Recognizer;
  learned: Pick<LearnedProfileStore, 'recordMessages'>;
  /** The catalogue preferences are matched to (default: crm/commerce's products, cached). */
  vocabulary: () => Promise<PreferenceVocabulary>;
}

/**
 * Learning from conversations: the bot's own NLP reading of each stored customer message (language,
 * sentiment) and the preferences it states, folded into the customer's learned profile in crm/identity.
 */
export class ConversationLearner implements ProfileLearner, MessageObserver {
  constructor(private readonly o: ConversationLearnerOptions) {}

  /**
   * The message's language (when it says enough), sentiment and preferences; nothing for an empty
   * text. On its turn the turn's understanding is read; the catch-up (no turn) asks the NLP.
   */
  async observe(m: LearnableMessage, understanding?: Understanding): Promise<MessageObservation> {
    const text = m.text.trim();
    const source: MessageSource = { channel: m.channel, conversationId: m.conversationId, activityId: m.activityId, text: text.slice(0, 200), at: m.at.toISOString() };
    if (!text) return { language: null, sentiment: null, preferences: [], source };
    const u = understanding ?? (await this.o.recognizer.recognize(text, { locale: m.locale }));
    const preferences = extractPreferences(text, await this.o.vocabulary());
    // The mood is read from messages that express one: an order number, "I want to talk to a human" or a
    // greeting after "this is outrageous" does not make it neutral or "improving".
    return { language: u.languageEvidence ? u.detectedLanguage : null, sentiment: u.sentiment.score, sentimentExpressed: expressesSentiment(u.sentiment, u.intent), preferences, source };
  }

  /**
   * Learns a stored message now (on its turn); once, even if the catch-up learns it at the same time.
   * A message withdrawing consent to personalisation ("stop personalising") is only marked: nothing of
   * it is learned (the store itself learns nothing while consent is withdrawn).
   */
  async learn(m: LearnableMessage, understanding?: Understanding): Promise<void> {
    const observation = understanding?.personalisation === 'withdraw' ? nothingLearned(m) : await this.observe(m, understanding);
    await this.o.learned.recordMessages(m.customerId, [observation]);
  }
}

/** An observation that only names its message (marks it handled, folds nothing). */
function nothingLearned(m: LearnableMessage): MessageObservation {
  return { language: null, sentiment: null, preferences: [], source: { channel: m.channel, conversationId: m.conversationId, activityId: m.activityId, text: '', at: m.at.toISOString() } };
}

/** The catalogue as a preference vocabulary, reloaded at most every `ttlMs` (products change rarely). */
export function cachedCatalogueVocabulary(db: Db, ttlMs = 5 * 60_000): () => Promise<PreferenceVocabulary> {
  let cached: { at: number; value: Promise<PreferenceVocabulary> } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > ttlMs) {
      const value = loadCatalog(db).then((items) => ({
        categories: [...new Set(items.map((i) => i.category).filter((c): c is string => !!c))],
        products: items.filter((i) => i.active !== false).map((i) => ({ sku: i.itemId, name: i.title ?? i.itemId, category: i.category ?? null })),
      }));
      cached = { at: Date.now(), value };
      value.catch(() => (cached = undefined));
    }
    return cached.value;
  };
}
