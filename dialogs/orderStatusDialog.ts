import { ComponentDialog, TextPrompt, WaterfallDialog } from 'botbuilder-dialogs';
import type { TurnContext } from 'botbuilder-core';
import type { PromptValidatorContext, WaterfallStepContext } from 'botbuilder-dialogs';
import { ContentCatalog, fill } from './content';
import type { Language, Recognizer } from './recognizer';
import { replyLanguageOf, understandTurn } from './turnUnderstanding';

export const ORDER_STATUS_DIALOG = 'orderStatus';
const ORDER_NUMBER_PROMPT = 'orderNumber';

export interface OrderSummary {
  orderNumber: string;
  /** Human sentence in the customer's language, e.g. "shipped on 3 March". */
  status: string;
  eta?: string;
  /** Only when the chat customer owns the order (proven identity): the items and the total, as text. */
  items?: string;
  total?: string;
}

/** Looks orders up for the bot (the commerce part of crm/ implements it). */
export interface OrderLookupPort {
  findOrder(orderNumber: string, context: { customerId?: string; language: Language }): Promise<OrderSummary | null>;
}

export interface OrderStatusOptions {
  language: Language;
  orderNumber?: string;
  customerId?: string;
}

/** What the dialog ends with: the order asked about, and whether this chat owns it (identity proven). */
export interface OrderStatusResult {
  orderNumber: string;
  found: boolean;
  owned?: boolean;
}

/** "Where is my order?": asks for the order number when it is missing, then looks it up. */
export class OrderStatusDialog extends ComponentDialog {
  constructor(
    private readonly recognizer: Recognizer,
    private readonly orders?: OrderLookupPort,
    private readonly content: ContentCatalog = new ContentCatalog(),
    /** Offer identity proof (email) after answering about an order the chat has not proven it owns. */
    private readonly offerProof = false,
  ) {
    super(ORDER_STATUS_DIALOG);
    this.addDialog(new TextPrompt(ORDER_NUMBER_PROMPT, this.hasOrderNumber.bind(this)));
    this.addDialog(new WaterfallDialog('orderStatusSteps', [this.askNumber.bind(this), this.answer.bind(this)]));
    this.initialDialogId = 'orderStatusSteps';
  }

  private async hasOrderNumber(prompt: PromptValidatorContext<string>): Promise<boolean> {
    if ((await this.orderNumberIn(prompt.context)) !== undefined) return true;
    // Asked again in the language of the reply (a Chinese chat may go on in English).
    const language = replyLanguageOf(prompt.context, (prompt.options.validations as { language?: Language } | undefined)?.language ?? 'en');
    prompt.options.retryPrompt = this.content.texts(language).orderNumberRetry;
    return false;
  }

  /** The order number in this turn's message (the reply to the prompt), from the turn's understanding. */
  private async orderNumberIn(context: TurnContext): Promise<string | undefined> {
    const u = await understandTurn(context, this.recognizer);
    const entity = u.entities.find((e) => e.type === 'order_number');
    return entity ? String(entity.value ?? entity.text) : undefined;
  }

  private async askNumber(step: WaterfallStepContext) {
    const o = step.options as OrderStatusOptions;
    (step.values as { o: OrderStatusOptions }).o = o;
    if (o.orderNumber) return step.next(o.orderNumber);
    const t = this.content.texts(o.language);
    return step.prompt(ORDER_NUMBER_PROMPT, { prompt: t.askOrderNumber, retryPrompt: t.orderNumberRetry, validations: { language: o.language } });
  }

  private async answer(step: WaterfallStepContext) {
    const stored = (step.values as { o: OrderStatusOptions }).o;
    const o = { ...stored, language: replyLanguageOf(step.context, stored.language) };
    const t = this.content.texts(o.language);
    const orderNumber = o.orderNumber ?? (await this.orderNumberIn(step.context))!;
    if (!this.orders) {
      await step.context.sendActivity(fill(t.orderLookupUnavailable, { order: orderNumber }));
      return step.endDialog({ orderNumber, found: false });
    }
    const order = await this.orders.findOrder(orderNumber, { customerId: o.customerId, language: o.language });
    if (!order) {
      await step.context.sendActivity(fill(t.orderNotFound, { order: orderNumber }));
      return step.endDialog({ orderNumber, found: false });
    }
    const values = { order: order.orderNumber, status: order.status, eta: order.eta ? ` (${order.eta})` : '' };
    if (order.items !== undefined) {
      await step.context.sendActivity(fill(t.orderFoundDetails, { ...values, items: order.items, total: order.total ?? '' }));
      return step.endDialog({ orderNumber: order.orderNumber, found: true, owned: true } satisfies OrderStatusResult);
    }
    await step.context.sendActivity(fill(t.orderFound, values));
    if (this.offerProof) await step.context.sendActivity(t.orderProofOffer);
    return step.endDialog({ orderNumber: order.orderNumber, found: true, owned: false } satisfies OrderStatusResult);
  }
}
