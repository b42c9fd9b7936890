import type { TurnContext } from 'botbuilder-core';
import { ComponentDialog, TextPrompt, WaterfallDialog } from 'botbuilder-dialogs';
import type { PromptValidatorContext, WaterfallStepContext } from 'botbuilder-dialogs';
import { ContentCatalog, fill } from './content';
import type { Language, Recognizer, Understanding } from './recognizer';
import { replyLanguageOf, understandTurn } from './turnUnderstanding';

export const VERIFY_IDENTITY_DIALOG = 'verifyIdentity';
const EMAIL_PROMPT = 'proofEmail';
const ORDER_PROMPT = 'proofOrderNumber';
/** After this many replies without the detail asked for, the dialog lets it go. */
const MAX_PROMPTS = 3;

export interface IdentityProof {
  email: string;
  /** Spellings of the order number to try, best first (the normalised one, then as typed). */
  orderNumbers: string[];
}

export type IdentityProofOutcome =
  | { status: 'linked'; customerId: string; displayName: string | null; alreadyLinked: boolean }
  /** Unknown order, or an email that is not the order's: the same answer, so nothing leaks. */
  | { status: 'mismatch' }
  /** Too many attempts in this conversation within the hour. */
  | { status: 'rate_limited' }
  /** The check could not run (a store unreachable). */
  | { status: 'unavailable' };

/** Proves who the chat customer is (the bot wiring implements it with crm/identity and a shared rate limit). */
export interface IdentityProofPort {
  prove(context: TurnContext, proof: IdentityProof): Promise<IdentityProofOutcome>;
}

export interface VerifyIdentityOptions {
  language: Language;
  email?: string;
  orderNumbers?: string[];
}

export interface VerifyIdentityResult {
  linked: boolean;
  customerId?: string;
  orderNumber?: string;
}

/** The email and order-number spellings in a message (from the recognizer's entities). */
export function proofDetailsIn(u: Pick<Understanding, 'entities'>): { email?: string; orderNumbers: string[] } {
  const email = u.entities.find((e) => e.type === 'email');
  const order = u.entities.find((e) => e.type === 'order_number');
  // The normalised number, as typed, and with the '#' some shops store (as the order lookup tries).
  const normalised = order ? String(order.value ?? order.text) : '';
  const orderNumbers = order ? [...new Set([normalised, order.text.replace(/^#\s*/, ''), `#${normalised}`].filter((n) => n && n !== '#'))] : [];
  return { email: email ? String(email.value ?? email.text).toLowerCase() : undefined, orderNumbers };
}

/**
 * "Prove who you are": asks for what is missing of an email and an order number (one message may
 * carry both), then asks the port to link this chat to the customer who owns the order. A mismatch
 * gets one neutral answer whatever was wrong; the port enforces the attempt limit.
 */
export class VerifyIdentityDialog extends ComponentDialog {
  constructor(
    private readonly recognizer: Recognizer,
    private readonly proofs?: IdentityProofPort,
    private readonly content: ContentCatalog = new ContentCatalog(),
  ) {
    super(VERIFY_IDENTITY_DIALOG);
    this.addDialog(new TextPrompt(EMAIL_PROMPT, (p) => this.accept(p, 'email')));
    this.addDialog(new TextPrompt(ORDER_PROMPT, (p) => this.accept(p, 'order')));
    this.addDialog(new WaterfallDialog('verifySteps', [this.askEmail.bind(this), this.askOrder.bind(this), this.check.bind(this)]));
    this.initialDialogId = 'verifySteps';
  }

  /** The email and order number in this turn's message (a reply to the prompt), from the turn's understanding. */
  private async details(context: TurnContext) {
    return proofDetailsIn(await understandTurn(context, this.recognizer));
  }

  /** A reply is taken when it has what was asked for, or after the last try (then the dialog gives up). */
  private async accept(prompt: PromptValidatorContext<string>, want: 'email' | 'order'): Promise<boolean> {
    const d = await this.details(prompt.context);
    const found = want === 'email' ? d.email !== undefined : d.orderNumbers.length > 0;
    if (found || prompt.attemptCount >= MAX_PROMPTS) return true;
    // Asked again in the language of the reply.
    const t = this.content.texts(replyLanguageOf(prompt.context, (prompt.options.validations as { language?: Language } | undefined)?.language ?? 'en'));
    prompt.options.retryPrompt = want === 'email' ? t.proofEmailRetry : t.orderNumberRetry;
    return false;
  }

  /** The dialog's options, its language now the one of this turn's message when it tells one. */
  private state(step: WaterfallStepContext): VerifyIdentityOptions {
    const o = (step.values as { o: VerifyIdentityOptions }).o;
    o.language = replyLanguageOf(step.context, o.language);
    return o;
  }

  private async askEmail(step: WaterfallStepContext) {
    (step.values as { o: VerifyIdentityOptions }).o = { ...(step.options as VerifyIdentityOptions) };
    const o = this.state(step);
    const t = this.content.texts(o.language);
    if (!this.proofs) {
      await step.context.sendActivity(t.proofUnavailable);
      return step.endDialog({ linked: false } satisfies VerifyIdentityResult);
    }
    if (o.email) return step.next();
    return step.prompt(EMAIL_PROMPT, { prompt: o.orderNumbers?.length ? t.proofAskEmailForOrder : t.proofAskEmail, retryPrompt: t.proofEmailRetry, validations: { language: o.language } });
  }

  private async askOrder(step: WaterfallStepContext) {
    const o = this.state(step);
    const t = this.content.texts(o.language);
    if (typeof step.result === 'string') {
      const d = await this.details(step.context);
      if (!d.email) return this.giveUp(step);
      o.email = d.email;
      if (d.orderNumbers.length && !o.orderNumbers?.length) o.orderNumbers = d.orderNumbers;
    }
    if (o.orderNumbers?.length) return step.next();
    return step.prompt(ORDER_PROMPT, { prompt: t.proofAskOrderNumber, retryPrompt: t.orderNumberRetry, validations: { language: o.language } });
  }

  private async check(step: WaterfallStepContext) {
    const o = this.state(step);
    const t = this.content.texts(o.language);
    if (typeof step.result === 'string') {
      const d = await this.details(step.context);
      if (!d.orderNumbers.length) return this.giveUp(step);
      o.orderNumbers = d.orderNumbers;
      if (d.email) o.email = d.email;
    }
    const outcome = await this.proofs!.prove(step.context, { email: o.email!, orderNumbers: o.orderNumbers! });
    switch (outcome.status) {
      case 'linked':
        await step.context.sendActivity(
          outcome.alreadyLinked ? t.proofAlreadyLinked : outcome.displayName ? fill(t.proofLinkedNamed, { name: outcome.displayName }) : t.proofLinked,
        );
        return step.endDialog({ linked: true, customerId: outcome.customerId, orderNumber: o.orderNumbers![0] } satisfies VerifyIdentityResult);
      case 'mismatch':
        await step.context.sendActivity(t.proofMismatch);
        break;
      case 'rate_limited':
        await step.context.sendActivity(t.proofRateLimited);
        break;
      case 'unavailable':
        await step.context.sendActivity(t.proofUnavailable);
        break;
    }
    return step.endDialog({ linked: false } satisfies VerifyIdentityResult);
  }

  private async giveUp(step: WaterfallStepContext) {
    await step.context.sendActivity(this.content.texts(this.state(step).language).proofGaveUp);
    return step.endDialog({ linked: false } satisfies VerifyIdentityResult);
  }
}
