import { messageLanguage, replyLanguage, type Language, type MessageUnderstanding } from '../nlp';

export type { Language } from '../nlp';

/**
 * What the dialogs know about a message: nlp/'s one understanding of it (intent, ranking, language,
 * sentiment, entities, the turn decision), with the id of the stored message when the bot stored it.
 */
export type Understanding = MessageUnderstanding & {
  /** The stored inbound message (crm timeline), when the bot's middleware stored it. */
  messageId?: string;
};

export interface RecognizeContext {
  locale?: string;
  /** The language the conversation's messages last told: what a message like "ok" is in. */
  conversationLanguage?: string;
}

/** The port to the NLP: one understanding per message (the bot adapts the engine to it). */
export interface Recognizer {
  recognize(text: string, context: RecognizeContext): Promise<Understanding>;
}

/** A stored language code (a ticket's, a delivery's) as one the bot speaks: Chinese, else English. */
export function contentLanguage(code: string | null | undefined): Language {
  return replyLanguage(code);
}

/** The language the bot answers a message in, when no understanding of it is at hand (welcome, errors). */
export function languageOf(locale: string | undefined, text = ''): Language {
  return messageLanguage(text, { locale }).reply;
}
