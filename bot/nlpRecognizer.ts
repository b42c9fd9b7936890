import { understandMessage, type AnalyzeHints, type NlpEngine } from '../nlp';
import type { RecognizeContext, Recognizer, Understanding } from '../dialogs';

/**
 * Adapts the NLP engine to the dialogs' Recognizer port: nlp/'s one understanding of the message
 * (the word rules, the language, the turn decision), with exactly one engine.analyze call.
 */
export class NlpRecognizer implements Recognizer {
  constructor(
    private readonly engine: NlpEngine,
    private readonly hints: () => Pick<AnalyzeHints, 'now' | 'products'> = () => ({ now: new Date() }),
  ) {}

  get modelVersion(): string {
    return this.engine.modelInfo.id;
  }

  async recognize(text: string, context: RecognizeContext): Promise<Understanding> {
    return understandMessage(this.engine, text, { ...this.hints(), locale: context.locale, conversationLanguage: context.conversationLanguage });
  }
}
