import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { MessageUnderstandingRecord, UnderstandingRecorder } from '../crm';
import { TURN_UNDERSTANDING_KEY, turnOutcomeOf, type Recognizer, type Understanding } from '../dialogs';

export interface TurnUnderstandingOptions {
  recognizer: Recognizer;
  /** Where every inbound message's understanding and outcome are kept (crm/understanding). */
  recorder?: Pick<UnderstandingRecorder, 'record'>;
  /** The language the conversation's messages last told (conversation state): what "ok" is in. */
  conversationLanguage?: StatePropertyAccessor<string | undefined>;
  /** The model version recorded with each understanding. */
  modelVersion?: string;
  /** Recording never fails a turn: the customer is answered, the failure is logged. */
  onError: (err: unknown) => void;
}

/**
 * Understands each inbound message once, before the dialogs: the understanding travels on the turn
 * (turnState) to learning, the handoff bridge, the dialogs and ticket classification; it is recorded,
 * with its outcome, when the turn has decided it.
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
    // Written once, with the outcome, when the turn ends (finish): one statement per message, not two.
    context.turnState.set(PENDING_RECORD_KEY, {
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
    } satisfies MessageUnderstandingRecord);
    return u;
  }

  /**
   * After the turn: the understanding with what the bot did with the message. A message a dialog took
   * as the answer to its prompt (an order number, an email) says nothing else: it was answered. A turn
   * that failed (`failed`) records the understanding without an outcome.
   */
  async finish(context: TurnContext, messageId: string, o: { failed?: boolean } = {}): Promise<void> {
    const record = context.turnState.get(PENDING_RECORD_KEY) as MessageUnderstandingRecord | undefined;
    if (!this.o.recorder || !record || record.messageId !== messageId) return;
    context.turnState.delete(PENDING_RECORD_KEY);
    const outcome = o.failed ? undefined : (turnOutcomeOf(context) ?? { outcome: 'answered' as const, reason: 'dialog_reply' });
    // A re-run turn (after a crash) writes nothing if the first run recorded the message.
    await this.o.recorder.record({ ...record, ...(outcome ? { outcome: outcome.outcome, outcomeReason: outcome.reason } : {}) }).catch(this.o.onError);
  }
}

const PENDING_RECORD_KEY = Symbol('pendingUnderstandingRecord');
