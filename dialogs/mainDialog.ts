import { ActivityTypes, MessageFactory } from 'botbuilder-core';
import type { Activity, StatePropertyAccessor, TurnContext } from 'botbuilder-core';
import { ChoiceFactory, ChoicePrompt, ComponentDialog, DialogSet, DialogTurnStatus, ListStyle, WaterfallDialog } from 'botbuilder-dialogs';
import type { DialogState, FoundChoice, WaterfallStepContext } from 'botbuilder-dialogs';
import { ContentCatalog, fill } from './content';
import type { HandoffPort, HandoffTrigger } from './handoffPort';
import { HelpDialog, HELP_DIALOG } from './helpDialog';
import { OrderStatusDialog, ORDER_STATUS_DIALOG, type OrderLookupPort, type OrderStatusResult } from './orderStatusDialog';
import { proofDetailsIn, VerifyIdentityDialog, VERIFY_IDENTITY_DIALOG, type IdentityProofPort, type VerifyIdentityResult } from './verifyIdentityDialog';
import { RecommendationDialog, RECOMMENDATION_DIALOG, recommendationCategoryIn, type RecommendationPort } from './recommendationDialog';
import { PreferenceDialog, PREFERENCE_DIALOG, type PreferencePort } from './preferenceDialog';
import { languageOf } from './recognizer';
import type { Language, Recognizer, Understanding } from './recognizer';

export const MAIN_DIALOG = 'main';
const CLARIFY_PROMPT = 'clarify';

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
  /** A customer is handed over after this many misunderstood messages in a row. */
  misunderstandingsBeforeHandoff?: number;
  /** At or below this sentiment score the bot hands over instead of answering. */
  handoffSentiment?: number;
  /** "Did you mean A or B?" when the top two intents are within this margin (and the top one is unsure). */
  clarifyMargin?: number;
  /** What the bot says (built-in sentences with the operator's overrides). */
  content?: ContentCatalog;
}

/** Intents that name what the customer needs (a ticket's category), as opposed to small talk. */
const TOPIC_INTENTS = new Set([
  'order_status', 'cancel_order', 'return_refund', 'billing', 'account_access', 'update_details', 'technical_issue',
  'product_question', 'recommendation', 'shipping_info', 'subscription', 'feedback', 'privacy_request',
]);
const SMALL_TALK = new Set(['greeting', 'thanks', 'goodbye', 'help']);
/** What a clause beside a stated preference may ask for and win with: a need, or a person (feedback is no task). */
const TASK_INTENTS = new Set([...TOPIC_INTENTS, 'human_agent'].filter((i) => i !== 'feedback'));
/** A clause beside a stated preference must be at least this sure of its task to take the message over. */
const TASK_CONFIDENCE = 0.5;
/** Clause boundaries: sentence ends (a full stop only before a space, so emails stay whole), commas, dashes, "but". */
const CLAUSE_BREAK = /[.!?;:](?=\s|$)|[,，、。！？；：\n—–]|\s-\s|\bbut\b|但是|不过/i;
/** Account questions: after the answer, the bot offers to link the chat to the account (identity proof). */
const ACCOUNT_INTENTS = new Set(['account_access', 'update_details', 'privacy_request']);
/** An explicit request to be recognised: "verify my identity", "link my account", 验证身份. */
const VERIFY_REQUEST = /\b(verify|confirm|prove)\b.{0,20}\b(identity|account|who i am)\b|\blink (this chat|my account)\b|验证身份|核实身份|验证我的身份|关联账户|绑定账户/i;

/** Routes each message to the dialog for its intent; hands over to a person when it should. */
export class MainDialog extends ComponentDialog {
  private readonly o: Required<Pick<MainDialogOptions, 'misunderstandingsBeforeHandoff' | 'handoffSentiment' | 'clarifyMargin' | 'content'>> & MainDialogOptions;

  constructor(options: MainDialogOptions) {
    super(MAIN_DIALOG);
    this.o = { misunderstandingsBeforeHandoff: 2, handoffSentiment: -0.6, clarifyMargin: 0.12, ...options, content: options.content ?? new ContentCatalog() };
    this.addDialog(new HelpDialog(this.o.content));
    this.addDialog(new OrderStatusDialog(options.recognizer, options.orders, this.o.content, options.identity !== undefined));
    this.addDialog(new VerifyIdentityDialog(options.recognizer, options.identity, this.o.content));
    this.addDialog(new RecommendationDialog(options.recommendations, this.o.content));
    this.addDialog(new PreferenceDialog(options.preferences, this.o.content));
    this.addDialog(new ChoicePrompt(CLARIFY_PROMPT));
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

  private async route(step: WaterfallStepContext) {
    const text = step.context.activity.text ?? '';
    const heard = await this.o.recognizer.recognize(text, { locale: step.context.activity.locale });
    // "I prefer email — where is my order A10042?": the task wins (the learner still records the preference).
    const u = heard.intent === 'preference' ? ((await this.taskBesidePreference(text, heard, step.context.activity.locale)) ?? heard) : heard;
    (step.values as { u: Understanding }).u = u;
    const facts = await this.o.facts.get(step.context, { misunderstandings: 0 });
    const t = this.o.content.texts(u.language);

    const notUnderstood = u.outOfScope || u.intent === 'none';
    facts.misunderstandings = notUnderstood ? facts.misunderstandings + 1 : 0;
    const topic = this.topicOf(u);
    if (topic) facts.lastTopic = topic;

    // The preference dialog's button: recommendations in the liked category, whatever the text reads as.
    const category = recommendationCategoryIn(step.context.activity.value);
    if (category) {
      facts.misunderstandings = 0;
      facts.lastTopic = 'recommendation';
      return step.beginDialog(RECOMMENDATION_DIALOG, { language: u.language, category });
    }
    if (u.intent === 'human_agent') return this.handOff(step, u, 'asked_for_person');
    // A dislike is negative by nature ("I hate bitter coffee"): it is no reason to hand over.
    if (u.sentiment.score <= this.o.handoffSentiment && !SMALL_TALK.has(u.intent) && u.intent !== 'preference') return this.handOff(step, u, 'negative_sentiment');
    // Before the complaint check: "I am dana@example.com, order A10042" is someone identifying
    // themselves (the classifier can read such terse lines as a complaint); upset customers went above.
    if (this.o.identity) {
      // Proof when the message carries an email and an order number (or an email after an order question), or asks for it.
      const proof = proofDetailsIn(u);
      const orderNumbers = proof.orderNumbers.length ? proof.orderNumbers : facts.proofOrderNumber ? [facts.proofOrderNumber] : [];
      if ((proof.email && orderNumbers.length) || VERIFY_REQUEST.test(text)) {
        facts.misunderstandings = 0;
        return step.beginDialog(VERIFY_IDENTITY_DIALOG, { language: u.language, email: proof.email, orderNumbers });
      }
    }
    if (u.intent === 'complaint') return this.handOff(step, u, 'complaint');
    if (notUnderstood) {
      if (facts.misunderstandings >= this.o.misunderstandingsBeforeHandoff) return this.handOff(step, u, 'unresolved');
      await step.context.sendActivity(t.fallback);
      return step.next();
    }
    const [first, second] = u.ranking;
    if (
      first && second && first.confidence < 0.7 && first.confidence - second.confidence < this.o.clarifyMargin &&
      TOPIC_INTENTS.has(first.name) && TOPIC_INTENTS.has(second.name)
    ) {
      (step.values as { options: string[] }).options = [first.name, second.name];
      const names = [t.intentNames[first.name] ?? first.name, t.intentNames[second.name] ?? second.name];
      return step.prompt(CLARIFY_PROMPT, {
        prompt: fill(t.didYouMean, { a: names[0], b: names[1] }),
        choices: ChoiceFactory.toChoices([...names, t.neither]),
        style: ListStyle.suggestedAction,
      });
    }
    return this.dispatch(step, u.intent, u);
  }

  private async clarified(step: WaterfallStepContext) {
    const options = (step.values as { options?: string[] }).options;
    if (!options) return this.afterChild(step);
    const u = (step.values as { u: Understanding }).u;
    const index = (step.result as FoundChoice).index;
    if (index >= options.length) {
      await step.context.sendActivity(this.o.content.texts(u.language).fallback);
      return step.next();
    }
    const facts = await this.o.facts.get(step.context, { misunderstandings: 0 });
    facts.lastTopic = options[index];
    return this.dispatch(step, options[index], u);
  }

  private async dispatch(step: WaterfallStepContext, intent: string, u: Understanding) {
    const t = this.o.content.texts(u.language);
    switch (intent) {
      case 'help':
        return step.beginDialog(HELP_DIALOG, { language: u.language });
      case 'order_status': {
        const order = u.entities.find((e) => e.type === 'order_number');
        return step.beginDialog(ORDER_STATUS_DIALOG, { language: u.language, orderNumber: order ? String(order.value ?? order.text) : undefined, customerId: this.o.customerOf?.(step.context) });
      }
      case 'recommendation':
        return step.beginDialog(RECOMMENDATION_DIALOG, { language: u.language });
      case 'preference':
        return step.beginDialog(PREFERENCE_DIALOG, { language: u.language, text: step.context.activity.text ?? '' });
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
        return step.beginDialog(ORDER_STATUS_DIALOG, { language: u.language, orderNumber: result.orderNumber, customerId: result.customerId });
      }
    }
    return step.next(step.result);
  }

  private async handOff(step: WaterfallStepContext, u: Understanding, trigger: HandoffTrigger) {
    const t = this.o.content.texts(u.language);
    if (!this.o.handoff) {
      await step.context.sendActivity(t.handoff);
      return step.next();
    }
    const facts = await this.o.facts.get(step.context, { misunderstandings: 0 });
    const topic = this.topicOf(u) ?? facts.lastTopic ?? (u.intent === 'complaint' ? 'complaint' : 'general');
    const outcome = await this.o.handoff.requestHandoff(step.context, { understanding: u, trigger, topic });
    facts.misunderstandings = 0;
    const message = outcome.agentName
      ? fill(t.handoffAssigned, { ticket: outcome.ticketNumber, agent: outcome.agentName })
      : fill(t.handoffQueued, { ticket: outcome.ticketNumber, position: outcome.position ?? 1 });
    await step.context.sendActivity(message);
    return step.next();
  }

  /**
   * The task in another clause of a message the recognizer read as a stated preference: the first
   * clause that asks for a need (or a person) with some confidence, with the whole message's
   * entities, language and sentiment.
   */
  private async taskBesidePreference(text: string, u: Understanding, locale: string | undefined): Promise<Understanding | undefined> {
    const clauses = text.split(CLAUSE_BREAK).map((c) => c.trim()).filter((c) => c.replace(/[\s\p{P}]/gu, '').length >= 3);
    if (clauses.length < 2) return undefined;
    for (const clause of clauses) {
      const c = await this.o.recognizer.recognize(clause, { locale });
      if (!c.outOfScope && TASK_INTENTS.has(c.intent) && c.confidence >= TASK_CONFIDENCE) {
        return { ...c, language: u.language, sentiment: u.sentiment, entities: u.entities };
      }
    }
    return undefined;
  }

  /** The best-ranked intent that names a need (not small talk), if the recognizer gives it some weight. */
  private topicOf(u: Understanding): string | undefined {
    if (TOPIC_INTENTS.has(u.intent)) return u.intent;
    return u.ranking.find((r) => TOPIC_INTENTS.has(r.name) && r.confidence >= 0.05)?.name;
  }

  private async done(step: WaterfallStepContext) {
    return step.endDialog();
  }
}

/** The greeting sent when a customer joins a conversation. */
export function welcomeActivity(locale?: string, catalog: ContentCatalog = new ContentCatalog()): Partial<Activity> {
  return { ...MessageFactory.text(catalog.texts(languageOf(locale) as Language).welcome), type: ActivityTypes.Message };
}
