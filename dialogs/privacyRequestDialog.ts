import type { Activity, TurnContext } from 'botbuilder-core';
import { ComponentDialog, Dialog, WaterfallDialog, recognizeChoices } from 'botbuilder-dialogs';
import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { ContentCatalog, fill, type Content } from './content';
import type { Language } from './recognizer';
import { choiceQuestionActivity } from './clarificationChoice';
import { replyLanguageOf } from './turnUnderstanding';
import { VERIFY_IDENTITY_DIALOG, type VerifyIdentityResult } from './verifyIdentityDialog';

export const PRIVACY_REQUEST_DIALOG = 'privacyRequest';
/** The `type` of a privacy choice's value (suggested action or card submit). */
export const PRIVACY_CHOICE_TYPE = 'concierge.privacy';

export type PrivacyRequestKind = 'export' | 'erasure';

/** What the bot tells the customer once the request exists. */
export interface PrivacyRequestReceipt {
  /** How the customer and the team name the request (its number). */
  reference: string;
  /** The deadline the request is tracked against. */
  dueAt: Date;
  /** The customer already had a request of this kind open: that one is answered, no second one is made. */
  alreadyOpen: boolean;
}

/** How dialogs file a data-subject request; the bot wiring implements it with crm/privacy. */
export interface PrivacyRequestPort {
  request(context: TurnContext, request: { customerId: string; kind: PrivacyRequestKind; language: Language }): Promise<PrivacyRequestReceipt>;
}

export interface PrivacyRequestOptions {
  language: Language;
  /** The customer's message (which kind it asks for, if it says). */
  text?: string;
}

type Choice = PrivacyRequestKind | 'confirm' | 'cancel';

interface PrivacyChoiceData {
  type: typeof PRIVACY_CHOICE_TYPE;
  choice: Choice;
}

interface State {
  language: Language;
  kind?: PrivacyRequestKind;
  customerId?: string;
  /** What the current step is waiting for. */
  awaiting?: 'kind' | 'confirm';
}

/** Words that ask for erasure and for a copy, EN and ZH; word boundaries only for English. */
const ERASURE_WORDS = /\b(delete|deleting|deletion|erase|erasing|erasure|remove|forget|wipe|close my account)\b|删除|删掉|清除|抹去|注销|忘掉|忘记我|被遗忘/i;
const EXPORT_WORDS = /\b(copy|export|download|access|see what|what data|which data|portab\w*)\b|导出|下载|副本|拷贝|查看我的|看看我的|我的哪些|数据访问|调取/i;

/** Which kind a message asks for: undefined when it names neither or both. Pure. */
export function privacyKindIn(text: string | undefined): PrivacyRequestKind | undefined {
  if (!text) return undefined;
  const erase = ERASURE_WORDS.test(text);
  const copy = EXPORT_WORDS.test(text);
  if (erase === copy) return undefined;
  return erase ? 'erasure' : 'export';
}

/** Yes and no, typed: English as words, Chinese as the reply's start (no word boundaries in Chinese). */
const YES = /^((yes|y|yeah|yep|ok|okay|sure|confirm|go ahead|please do|do it)\b|是|好|确认|确定|可以|对)/i;
const NO = /^((no|n|nope|cancel|stop|don't|do not|not now)\b|不|取消|算了|先不)/i;

/** A privacy question's button in an activity's value. */
export function privacyChoiceIn(value: unknown): Choice | undefined {
  const v = value as Partial<PrivacyChoiceData> | undefined;
  return v && typeof v === 'object' && v.type === PRIVACY_CHOICE_TYPE && typeof v.choice === 'string' ? v.choice : undefined;
}

/** The customer's answer to "which?" or "are you sure?": a tap, the label typed, its number, or a yes/no word. */
export function privacyAnswer(activity: Partial<Activity>, awaiting: 'kind' | 'confirm', t: Content): Choice | undefined {
  const tapped = privacyChoiceIn(activity.value);
  if (tapped) return tapped;
  const text = activity.text?.trim();
  if (!text) return undefined;
  if (awaiting === 'kind') {
    const named = privacyKindIn(text);
    if (named) return named;
    const labels = [t.privacyChooseExport, t.privacyChooseErasure];
    const found = recognizeChoices(text, labels, { recognizeOrdinals: true, recognizeNumbers: true })[0];
    return found ? (found.resolution.index === 0 ? 'export' : 'erasure') : undefined;
  }
  if (text === t.privacyConfirmErasure || YES.test(text)) return 'confirm';
  if (text === t.privacyCancel || NO.test(text)) return 'cancel';
  return undefined;
}

/** The privacy question's buttons, each carrying its choice back (clarificationChoice.ts shows them per channel). */
function choiceActivity(channelId: string | undefined, question: string, choices: Array<{ title: string; choice: Choice }>): Partial<Activity> {
  return choiceQuestionActivity(channelId, question, choices.map((c) => ({ title: c.title, value: { type: PRIVACY_CHOICE_TYPE, choice: c.choice } satisfies PrivacyChoiceData })));
}

/** A deadline as a calendar date in the customer's language (UTC: the deadline is a day, not an hour). */
export function privacyDueDate(dueAt: Date, language: Language): string {
  return new Intl.DateTimeFormat(language === 'zh' ? 'zh-CN' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(dueAt);
}

/**
 * "Delete my data" / "I want a copy of my data" (删除我的个人数据 / 我要导出我的数据): asks which when the
 * message does not say, proves who the customer is with the identity proof every account question
 * uses, and for an erasure says what will be deleted and asks to confirm; then files the request
 * through the port and tells its number and deadline. Without a proof nothing is filed.
 */
export class PrivacyRequestDialog extends ComponentDialog {
  constructor(
    private readonly requests?: PrivacyRequestPort,
    private readonly content: ContentCatalog = new ContentCatalog(),
  ) {
    super(PRIVACY_REQUEST_DIALOG);
    this.addDialog(new WaterfallDialog('privacySteps', [this.askKind.bind(this), this.prove.bind(this), this.askConfirmation.bind(this), this.file.bind(this)]));
    this.initialDialogId = 'privacySteps';
  }

  private state(step: WaterfallStepContext): State {
    const s = (step.values as { s: State }).s;
    s.language = replyLanguageOf(step.context, s.language);
    return s;
  }

  private async askKind(step: WaterfallStepContext) {
    const o = step.options as PrivacyRequestOptions;
    (step.values as { s: State }).s = { language: o.language, kind: privacyKindIn(o.text) };
    const s = this.state(step);
    const t = this.content.texts(s.language);
    if (!this.requests) {
      // No privacy service wired: say where the request goes instead of promising a feature.
      await step.context.sendActivity(t.privacyUnavailable);
      return step.endDialog();
    }
    if (s.kind) return step.next();
    s.awaiting = 'kind';
    await step.context.sendActivity(
      choiceActivity(step.context.activity.channelId, t.privacyAskKind, [
        { title: t.privacyChooseExport, choice: 'export' },
        { title: t.privacyChooseErasure, choice: 'erasure' },
        { title: t.privacyCancel, choice: 'cancel' },
      ]),
    );
    return Dialog.EndOfTurn;
  }

  private async prove(step: WaterfallStepContext) {
    const s = this.state(step);
    const t = this.content.texts(s.language);
    if (s.awaiting === 'kind') {
      s.awaiting = undefined;
      const answer = privacyAnswer(step.context.activity, 'kind', t);
      if (answer === 'export' || answer === 'erasure') s.kind = answer;
      else {
        await step.context.sendActivity(t.privacyNothingFiled);
        return step.endDialog();
      }
    }
    await step.context.sendActivity(s.kind === 'erasure' ? t.privacyProofNeededErasure : t.privacyProofNeededExport);
    return step.beginDialog(VERIFY_IDENTITY_DIALOG, { language: s.language });
  }

  private async askConfirmation(step: WaterfallStepContext) {
    const s = this.state(step);
    const t = this.content.texts(s.language);
    const proof = step.result as VerifyIdentityResult | undefined;
    if (!proof?.linked || !proof.customerId) {
      // The proof dialog has said why; the customer is told plainly that nothing was filed.
      await step.context.sendActivity(t.privacyNotProven);
      return step.endDialog();
    }
    s.customerId = proof.customerId;
    if (s.kind === 'export') return step.next();
    s.awaiting = 'confirm';
    await step.context.sendActivity(
      choiceActivity(step.context.activity.channelId, fill(t.privacyErasureWhat, { erasureScope: t.privacyErasureScope }), [
        { title: t.privacyConfirmErasure, choice: 'confirm' },
        { title: t.privacyCancel, choice: 'cancel' },
      ]),
    );
    return Dialog.EndOfTurn;
  }

  private async file(step: WaterfallStepContext) {
    const s = this.state(step);
    const t = this.content.texts(s.language);
    if (s.awaiting === 'confirm') {
      s.awaiting = undefined;
      if (privacyAnswer(step.context.activity, 'confirm', t) !== 'confirm') {
        await step.context.sendActivity(t.privacyErasureCancelled);
        return step.endDialog();
      }
    }
    const kind = s.kind!;
    const receipt = await this.requests!.request(step.context, { customerId: s.customerId!, kind, language: s.language });
    const values = { request: receipt.reference, due: privacyDueDate(receipt.dueAt, s.language) };
    const template = kind === 'erasure' ? (receipt.alreadyOpen ? t.privacyErasureAlreadyOpen : t.privacyErasureFiled) : receipt.alreadyOpen ? t.privacyExportAlreadyOpen : t.privacyExportFiled;
    await step.context.sendActivity(fill(template, values));
    return step.endDialog({ filed: true, kind, reference: receipt.reference });
  }
}
