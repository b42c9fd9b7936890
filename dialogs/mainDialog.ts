import { ActivityTypes, MessageFactory } from 'botbuilder-core';
import type { Activity, StatePropertyAccessor, TurnContext } from 'botbuilder-core';
import { ComponentDialog, Dialog, DialogSet, DialogTurnStatus, WaterfallDialog } from 'botbuilder-dialogs';
import type { DialogContext, DialogState, DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { isBuiltInIntent, reportsBillingProblem, TOPIC_INTENTS, type BuiltInIntent, type TurnIntent } from '../nlp';
import { ContentCatalog, fill } from './content';
import type { HandoffPort, HandoffTrigger } from './handoffPort';
import { HelpDialog, HELP_DIALOG } from './helpDialog';
import { OrderStatusDialog, ORDER_STATUS_DIALOG, type OrderLookupPort, type OrderStatusResult } from './orderStatusDialog';
import { proofDetailsIn, VerifyIdentityDialog, VERIFY_IDENTITY_DIALOG, type IdentityProofPort, type VerifyIdentityResult } from './verifyIdentityDialog';
import { RecommendationDialog, RECOMMENDATION_DIALOG, recommendationCategoryIn, type RecommendationPort } from './recommendationDialog';
import { PreferenceDialog, PREFERENCE_DIALOG, type PreferencePort } from './preferenceDialog';
import { PrivacyRequestDialog, PRIVACY_REQUEST_DIALOG, type PrivacyRequestPort } from './privacyRequestDialog';
import { PersonalisationDialog, PERSONALISATION_DIALOG, type PersonalisationConsentPort } from './personalisationDialog';
import { clarificationActivity, clarificationAnswer, clarificationDataIn, type ClarificationPort, type ClarificationQuestion } from './clarificationChoice';
import { givesWayTo } from './newRequests';
import { ProductDetailsDialog, PRODUCT_DETAILS_DIALOG, productDetailsRequestIn, type ProductCataloguePort } from './productDialog';
import { languageOf } from './recognizer';
import type { Language, Recognizer, Understanding } from './recognizer';
import { replyLanguageOf, setTurnOutcome, understandTurn } from './turnUnderstanding';

export const MAIN_DIALOG = 'main';

/** What the main dialog remembers between turns of a conversation. */
export interface ConversationFacts {
  /** Messages in a row the bot did not understand. */
  misunderstandings: number;
  /** The last thing the customer wanted help with (the ticket category if they ask for a person). */
  lastTopic?: string;
  /** An order the customer asked about without having proven it is theirs: an email alone then proves it. */
  proofOrderNumber?: string;
}

export interface MainDialogOptions {
  recognizer: Recognizer;
  facts: StatePropertyAccessor<ConversationFacts>;
  handoff?: HandoffPort;
  orders?: OrderLookupPort;
  /** Identity proof in chat (email + order number); without it the bot never offers it. */
  identity?: IdentityProofPort;
  /** The customer this turn belongs to (the bot's timeline resolves it), so order answers can tell owners more. */
  customerOf?: (context: TurnContext) => string | undefined;
  /** Product recommendations for the `recommendation` intent (a carousel); without it, the built-in answer. */
  recommendations?: RecommendationPort;
  /** Stated preferences matched to the catalogue, for the `preference` intent's confirmation; without it, a plain thank-you. */
  preferences?: PreferencePort;
  /** The customer's consent to personalisation: "stop personalising" in chat, and what recommendation and preference replies may claim; without it, such requests are answered as unavailable. */
  personalisation?: PersonalisationConsentPort;
  /** The catalogue, for "tell me more about …" (a card's button or typed); without it, the general product answer. */
  products?: ProductCataloguePort;
  /** Data-subject requests (a copy of one's data, its deletion) filed from chat; without it the bot says it cannot take them. */
  privacy?: PrivacyRequestPort;
  /** Where a clarification choice is kept as a labelled example; without it the choice is only followed. */
  clarifications?: ClarificationPort;
  /** A customer is handed over after this many misunderstood messages in a row. */
  misunderstandingsBeforeHandoff?: number;
  /** At or below this sentiment score the bot hands over instead of answering. */
  handoffSentiment?: number;
  /** What the bot says (built-in sentences with the operator's overrides). */
  content?: ContentCatalog;
}

/** The intents that name what the customer needs (a ticket's category), as opposed to small talk. */
const TOPICS: ReadonlySet<string> = TOPIC_INTENTS;
const SMALL_TALK: ReadonlySet<string> = new Set<BuiltInIntent | 'help'>(['greeting', 'thanks', 'goodbye', 'help']);
/** Account questions: after the answer, the bot offers to link the chat to the account (identity proof). */
const ACCOUNT_INTENTS: ReadonlySet<string> = new Set<BuiltInIntent>(['account_access', 'update_details']);
/** The languages the bot speaks; a message in any other is handed to a person. */
const SPOKEN: ReadonlySet<string> = new Set<Language>(['en', 'zh']);

/** A clarification asked on this turn and answered on the next: the question and the message it is about. */
interface PendingClarification {
  question: ClarificationQuestion;
  u: Understanding;
}

/** Routes each message to the dialog for its intent; hands over to a person when it should. */
export class MainDialog extends ComponentDialog {
  private readonly o: Required<Pick<MainDialogOptions, 'misunderstandingsBeforeHandoff' | 'handoffSentiment' | 'content'>> & MainDialogOptions;

  constructor(options: MainDialogOptions) {
    super(MAIN_DIALOG);
    this.o = { misunderstandingsBeforeHandoff: 2, handoffSentiment: -0.8, ...options, content: options.content ?? new ContentCatalog() };
    this.addDialog(new HelpDialog(this.o.content));
    this.addDialog(new OrderStatusDialog(options.recognizer, options.orders, this.o.content, options.identity !== undefined));
    this.addDialog(new VerifyIdentityDialog(options.recognizer, options.identity, this.o.content));
    this.addDialog(new RecommendationDialog(options.recommendations, this.o.content, undefined, options.personalisation));
    this.addDialog(new PreferenceDialog(options.preferences, this.o.content, options.personalisation));
    this.addDialog(new PersonalisationDialog(options.personalisation, this.o.content));
    this.addDialog(new ProductDetailsDialog(options.products, this.o.content));
    this.addDialog(new PrivacyRequestDialog(options.privacy, this.o.content));
    this.addDialog(new WaterfallDialog('mainSteps', [this.route.bind(this), this.clarified.bind(this), this.done.bind(this)]));
    this.initialDialogId = 'mainSteps';
  }

  get content(): ContentCatalog {
    return this.o.content;
  }

  /** Continues the active dialog, or starts this one: the CoreBot pattern. */
  async run(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    const dialogSet = new DialogSet(accessor);
    dialogSet.add(this);
    const dc = await dialogSet.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.id);
  }

  /**
   * A prompt gives way to a new question: while a dialog waits for a reply (an order number, an
   * email), a message that asks for something else ends it and is routed like any other message.
   */
  protected override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    const active = innerDc.activeDialog?.id;
    if (active && active !== 'mainSteps') {
      const u = await understandTurn(innerDc.context, this.o.recognizer);
      if (givesWayTo(active, u, innerDc.context.activity.value)) {
        await innerDc.cancelAllDialogs();
        return innerDc.beginDialog('mainSteps');
      }
    }
    return super.onContinueDialog(innerDc);
  }

  private async route(step: WaterfallStepContext) {
    const u = await understandTurn(step.context, this.o.recognizer);
    (step.values as { u: Understanding }).u = u;
    const facts = await this.o.facts.get(step.context, { misunderstandings: 0 });
    const t = this.o.content.texts(u.language);

    const notUnderstood = u.decision.action === 'not_understood';
    facts.misunderstandings = notUnderstood ? facts.misunderstandings + 1 : 0;
    const topic = this.topicOf(u);
    if (topic) facts.lastTopic = topic;

    // The preference dialog's button: recommendations in the liked category, whatever the text reads as.
    const category = recommendationCategoryIn(step.context.activity.value);
    if (category) {
      facts.misunderstandings = 0;
      facts.lastTopic = 'recommendation';
      setTurnOutcome(step.context, 'answered', 'recommendation_button');
      return step.beginDialog(RECOMMENDATION_DIALOG, { language: u.language, category });
    }
    // A product card's "Tell me more": that product's details, in the language the card was shown in.
    const asked = productDetailsRequestIn(step.context.activity.value);
    if (asked) {
      facts.misunderstandings = 0;
      facts.lastTopic = 'product_question';
      setTurnOutcome(step.context, 'answered', 'product_button');
      return step.beginDialog(PRODUCT_DETAILS_DIALOG, { language: asked.language ?? u.language, sku: asked.sku });
    }
    // A choice tapped on a clarification that is no longer open (the conversation moved on): follow it.
    const stale = clarificationDataIn(step.context.activity.value);
    if (stale && isBuiltInIntent(stale.intent) && TOPICS.has(stale.intent)) {
      facts.misunderstandings = 0;
      facts.lastTopic = stale.intent;
      setTurnOutcome(step.context, 'answered', 'clarification_choice');
      return this.dispatch(step, stale.intent, u);
    }
    // A language the bot does not speak: say so in English and get a person who may.
    if (!SPOKEN.has(u.detectedLanguage)) {
      facts.misunderstandings = 0;
      await step.context.sendActivity(this.o.content.texts('en').otherLanguage);
      return this.handOff(step, u, 'other_language');
    }
    // "stop personalising", 不要再给我个性化推荐, or the reverse: a consent command, whatever the intent reads as.
    if (u.personalisation) {
      facts.misunderstandings = 0;
      setTurnOutcome(step.context, 'answered', `personalisation_${u.personalisation}`);
      return step.beginDialog(PERSONALISATION_DIALOG, { language: u.language, request: u.personalisation });
    }
    if (u.intent === 'human_agent') return this.handOff(step, u, 'asked_for_person');
    // A dislike is negative by nature ("I hate bitter coffee"): it is no reason to hand over.
    if (u.sentiment.score <= this.o.handoffSentiment && !SMALL_TALK.has(u.intent) && u.intent !== 'preference') {
      // An upset customer who states a concrete problem ("I was charged twice, this is outrageous"): the
      // problem is why they need a person (and which team); being upset raises the ticket's priority,
      // which reads the sentiment, rather than replacing the reason.
      if (reportsBillingProblem({ text: u.text, intent: u.intent, sentiment: u.sentiment })) return this.handOff(step, u, 'reported_problem', 'billing');
      return this.handOff(step, u, 'negative_sentiment');
    }
    // Before the complaint check: "I am dana@example.com, order A10042" is someone identifying
    // themselves (the classifier can read such terse lines as a complaint); upset customers went above.
    if (this.o.identity) {
      // Proof when the message carries an email and an order number (or an email after an order question), or asks for it.
      const proof = proofDetailsIn(u);
      const orderNumbers = proof.orderNumbers.length ? proof.orderNumbers : facts.proofOrderNumber ? [facts.proofOrderNumber] : [];
      if ((proof.email && orderNumbers.length) || u.asksToVerifyIdentity) {
        facts.misunderstandings = 0;
        setTurnOutcome(step.context, 'answered', 'identity_proof');
        return step.beginDialog(VERIFY_IDENTITY_DIALOG, { language: u.language, email: proof.email, orderNumbers });
      }
    }
    if (u.intent === 'complaint') return this.handOff(step, u, 'complaint');
    if (notUnderstood) {
      if (facts.misunderstandings >= this.o.misunderstandingsBeforeHandoff) return this.handOff(step, u, 'unresolved');
      setTurnOutcome(step.context, 'not_understood', u.outOfScope ? 'out_of_scope' : 'low_confidence');
      await step.context.sendActivity(t.fallback);
      return step.next();
    }
    if (u.decision.action === 'clarify') {
      const question: ClarificationQuestion = {
        question: fill(t.didYouMean, { a: t.intentNames[u.decision.options[0]] ?? u.decision.options[0], b: t.intentNames[u.decision.options[1]] ?? u.decision.options[1] }),
        options: u.decision.options.map((intent) => ({ intent, label: t.intentNames[intent] ?? intent })),
        somethingElse: t.neither,
        messageId: u.messageId,
      };
      (step.values as { clarification: PendingClarification }).clarification = { question, u };
      setTurnOutcome(step.context, 'clarified', `close:${u.decision.options.join('|')}`);
      await step.context.sendActivity(clarificationActivity(step.context.activity.channelId, question));
      return Dialog.EndOfTurn;
    }
    setTurnOutcome(step.context, 'answered', u.rules.length ? u.rules.join(',') : undefined);
    return this.dispatch(step, u.intent, u);
  }

  /**
   * The answer to "Did you mean … or …?": the intent chosen is handled as the first message's intent
   * (its text and entities) and kept as a labelled example; "something else" gets the fallback; any
   * other message is a new request and is routed as one.
   */
  private async clarified(step: WaterfallStepContext) {
    const pending = (step.values as { clarification?: PendingClarification }).clarification;
    if (!pending) return this.afterChild(step);
    const answer = clarificationAnswer(step.context.activity, pending.question);
    if (!answer) return step.replaceDialog('mainSteps');
    const { u } = pending;
    const facts = await this.o.facts.get(step.context, { misunderstandings: 0 });
    if (answer.kind === 'something_else') {
      setTurnOutcome(step.context, 'not_understood', 'clarification_declined');
      await step.context.sendActivity(this.o.content.texts(u.language).fallback);
      return step.next();
    }
    facts.misunderstandings = 0;
    facts.lastTopic = answer.intent;
    setTurnOutcome(step.context, 'answered', 'clarification_choice');
    if (this.o.clarifications && u.messageId) {
      await this.o.clarifications.recordClarification({ messageId: u.messageId, text: u.text, language: u.detectedLanguage, intent: answer.intent, previousIntent: u.modelIntent?.name ?? null });
    }
    return this.dispatch(step, answer.intent, { ...u, intent: answer.intent as Understanding['intent'] });
  }

  private async dispatch(step: WaterfallStepContext, intent: string, u: Understanding) {
    const t = this.o.content.texts(u.language);
    switch (intent as TurnIntent) {
      case 'help':
        return step.beginDialog(HELP_DIALOG, { language: u.language });
      case 'order_status': {
        const order = u.entities.find((e) => e.type === 'order_number');
        return step.beginDialog(ORDER_STATUS_DIALOG, { language: u.language, orderNumber: order ? String(order.value ?? order.text) : undefined, customerId: this.o.customerOf?.(step.context) });
      }
      case 'recommendation':
        return step.beginDialog(RECOMMENDATION_DIALOG, { language: u.language });
      case 'product_question': {
        // "Tell me more about the Gooseneck kettle": the catalogue's answer when the message names a product.
        const [product] = this.o.products ? await this.o.products.namedIn(u.text, u.language) : [];
        if (product) return step.beginDialog(PRODUCT_DETAILS_DIALOG, { language: u.language, product });
        await step.context.sendActivity(t.answers.product_question ?? t.fallback);
        break;
      }
      case 'billing':
      case 'return_refund':
        // "I was charged twice": a problem for the billing team, not the text about where invoices are.
        if (reportsBillingProblem({ text: u.text, intent, sentiment: u.sentiment })) return this.handOff(step, u, 'reported_problem', 'billing');
        await step.context.sendActivity(t.answers[intent] ?? t.fallback);
        break;
      case 'preference':
        return step.beginDialog(PREFERENCE_DIALOG, { language: u.language, text: u.text });
      case 'privacy_request':
        return step.beginDialog(PRIVACY_REQUEST_DIALOG, { language: u.language, text: u.text });
      case 'greeting':
        await step.context.sendActivity(t.greeting);
        break;
      case 'thanks':
        await step.context.sendActivity(t.thanks);
        break;
      case 'goodbye':
        await step.context.sendActivity(t.goodbye);
        break;
      default:
        await step.context.sendActivity(t.answers[intent] ?? t.fallback);
        if (this.o.identity && ACCOUNT_INTENTS.has(intent)) await step.context.sendActivity(t.proofOffer);
    }
    return step.next();
  }

  /**
   * What a child dialog's result means for the conversation: an order asked about but not proven is
   * remembered (an email then proves it); after a proof that named an order, that order is answered
   * again, now with its items and total.
   */
  private async afterChild(step: WaterfallStepContext) {
    const result = step.result as Partial<OrderStatusResult & VerifyIdentityResult> | undefined;
    const facts = await this.o.facts.get(step.context, { misunderstandings: 0 });
    if (result?.found !== undefined) facts.proofOrderNumber = result.found && !result.owned ? result.orderNumber : undefined;
    if (result?.linked !== undefined) {
      facts.proofOrderNumber = undefined;
      if (result.linked && result.orderNumber) {
        const u = (step.values as { u: Understanding }).u;
        return step.beginDialog(ORDER_STATUS_DIALOG, { language: replyLanguageOf(step.context, u.language), orderNumber: result.orderNumber, customerId: result.customerId });
      }
    }
    return step.next(step.result);
  }

  /** `topic`: the ticket's category when the trigger decides it (a billing problem), else the message's need. */
  private async handOff(step: WaterfallStepContext, u: Understanding, trigger: HandoffTrigger, topic?: string) {
    const t = this.o.content.texts(u.language);
    if (trigger === 'other_language') setTurnOutcome(step.context, 'other_language', `language:${u.detectedLanguage}`);
    else setTurnOutcome(step.context, 'handed_over', trigger);
    if (!this.o.handoff) {
      await step.context.sendActivity(t.handoff);
      return step.next();
    }
    const facts = await this.o.facts.get(step.context, { misunderstandings: 0 });
    const category = topic ?? this.topicOf(u) ?? facts.lastTopic ?? (u.intent === 'complaint' ? 'complaint' : 'general');
    const outcome = await this.o.handoff.requestHandoff(step.context, { understanding: u, trigger, topic: category });
    facts.misunderstandings = 0;
    const message = outcome.agentName
      ? fill(t.handoffAssigned, { ticket: outcome.ticketNumber, agent: outcome.agentName })
      : fill(t.handoffQueued, { ticket: outcome.ticketNumber, position: outcome.position ?? 1 });
    await step.context.sendActivity(message);
    return step.next();
  }

  /** The best-ranked intent that names a need (not small talk), if the recognizer gives it some weight. */
  private topicOf(u: Understanding): string | undefined {
    if (TOPICS.has(u.intent)) return u.intent;
    return u.ranking.find((r) => TOPICS.has(r.name) && r.confidence >= 0.05)?.name;
  }

  private async done(step: WaterfallStepContext) {
    return step.endDialog();
  }
}

/** The greeting sent when a customer joins a conversation. */
export function welcomeActivity(locale?: string, catalog: ContentCatalog = new ContentCatalog()): Partial<Activity> {
  return { ...MessageFactory.text(catalog.texts(languageOf(locale)).welcome), type: ActivityTypes.Message };
}
