import type { TurnContext } from 'botbuilder-core';
import { ComponentDialog, WaterfallDialog } from 'botbuilder-dialogs';
import type { WaterfallStepContext } from 'botbuilder-dialogs';
import type { PersonalisationRequest } from '../nlp';
import { ContentCatalog } from './content';
import type { Language } from './recognizer';

export const PERSONALISATION_DIALOG = 'personalisation';

/**
 * The customer's consent to personalisation, for this turn's customer (the bot wiring implements it
 * with crm/identity's profile consent, its history and the audit log).
 */
export interface PersonalisationConsentPort {
  /** Whether personalisation is allowed (no decision yet: allowed). */
  allowed(context: TurnContext): Promise<boolean>;
  /**
   * Records the customer's own decision, at once (consent, its history, an audit entry with source
   * chat). `changed`: false when it already held; `unavailable`: no customer known for this turn.
   */
  set(context: TurnContext, granted: boolean): Promise<{ changed: boolean } | 'unavailable'>;
}

export interface PersonalisationDialogOptions {
  language: Language;
  request: PersonalisationRequest;
}

export interface PersonalisationDialogResult {
  /** The decision now recorded (null: nothing could be recorded). */
  granted: boolean | null;
  changed: boolean;
}

/**
 * "stop personalising", 不要再给我个性化推荐 / "you can personalise again", 可以恢复个性化推荐: records the
 * decision through the port and confirms, in the customer's language, only what now holds.
 */
export class PersonalisationDialog extends ComponentDialog {
  constructor(
    private readonly consent?: PersonalisationConsentPort,
    private readonly content: ContentCatalog = new ContentCatalog(),
  ) {
    super(PERSONALISATION_DIALOG);
    this.addDialog(new WaterfallDialog('personalisationSteps', [this.decide.bind(this)]));
    this.initialDialogId = 'personalisationSteps';
  }

  private async decide(step: WaterfallStepContext) {
    const { language, request } = step.options as PersonalisationDialogOptions;
    const t = this.content.texts(language);
    const granted = request === 'grant';
    const outcome = this.consent ? await this.consent.set(step.context, granted) : 'unavailable';
    if (outcome === 'unavailable') {
      await step.context.sendActivity(t.personalisationUnavailable);
      return step.endDialog({ granted: null, changed: false } satisfies PersonalisationDialogResult);
    }
    const reply = granted
      ? outcome.changed
        ? t.personalisationGranted
        : t.personalisationAlreadyGranted
      : outcome.changed
        ? t.personalisationWithdrawn
        : t.personalisationAlreadyWithdrawn;
    await step.context.sendActivity(reply);
    return step.endDialog({ granted, changed: outcome.changed } satisfies PersonalisationDialogResult);
  }
}
