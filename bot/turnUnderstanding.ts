import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { UnderstandingRecorder } from '../crm';
import { TURN_UNDERSTANDING_KEY, turnOutcomeOf, type Recognizer, type Understanding } from '../dialogs';

export interface TurnUnderstandingOptions {
  recognizer: Recognizer;
  /** Where every inbound message's understanding and outcome are kept (crm/understanding). */
  recorder?: Pick<UnderstandingRecorder, 'record' | 'recordOutcome'>;
  /** The language the conversation's messages last told (conversation state): what "ok" is in. */
  conversationLanguage?: StatePropertyAccessor<string | undefined>;
  /** The model version recorded with each understanding. */
  modelVersion?: string;
  /** Recording never fails a turn: the customer is answered, the failure is logged. */
  onError: (err: unknown) => void;
}

/**
 * Understands each inbound message once, before the dialogs: the understanding travels on the turn
 * (turnState) to learning, the handoff bridge, the dialogs and ticket classification; it is recorded
 * with the stored message at once and its outcome when the turn has decided it.
 */
export class TurnUnderstanding {
  constructor(private readonly o: TurnUnderstandingOptions) {}

  /** The understanding of the turn's message, stored message `messageId`; recorded (once per message). */
  async understand(context: TurnContext, messageId: string): Promise<Understanding> {
    const { activity } = context;
    const conversationLanguage = this.o.conversationLanguage ? await this.o.conversationLanguage.get(context) : undefined;
    const understood = await this.o.recognizer.recognize(activity.text ?? '', { locale: activity.locale, conversationLanguage });
    const u: Understanding = { ...understood, messageId };
    context.turnState.set(TURN_UNDERSTANDING_KEY, u);
    if (this.o.conversationLanguage && u.languageEvidence && u.detectedLanguage !== conversationLanguage) await this.o.conversationLanguage.set(context, u.detectedLanguage);
    if (this.o.recorder) {
      await this.o.recorder
        .record({
          messageId,
          channel: activity.channelId,
          conversationId: activity.conversation.id,
          language: u.detectedLanguage,
          intent: u.intent,
          confidence: u.confidence,
          ranking: u.ranking,
          outOfScope: u.outOfScope,
          sentiment: u.sentiment,
          modelVersion: u.modelVersion !== 'unknown' ? u.modelVersion : (this.o.modelVersion ?? 'unknown'),
        })
        .catch(this.o.onError);
    }
    return u;
  }

  /**
   * After the turn: what the bot did with the message. A message a dialog took as the answer to its
   * prompt (an order number, an email) says nothing else: it was answered.
   */
  async finish(context: TurnContext, messageId: string): Promise<void> {
    if (!this.o.recorder) return;
    const outcome = turnOutcomeOf(context) ?? { outcome: 'answered' as const, reason: 'dialog_reply' };
    await this.o.recorder.recordOutcome(messageId, outcome.outcome, outcome.reason).catch(this.o.onError);
  }
}
