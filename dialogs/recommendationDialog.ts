import { CardFactory, MessageFactory } from 'botbuilder-core';
import type { Attachment, CardAction, TurnContext } from 'botbuilder-core';
import { ComponentDialog, WaterfallDialog } from 'botbuilder-dialogs';
import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { ContentCatalog, fill } from './content';
import type { Language } from './recognizer';
import { formatPrice } from './money';
import { productDetailsValue } from './productDialog';
import type { PersonalisationConsentPort } from './personalisationDialog';

export { formatPrice } from './money';

export const RECOMMENDATION_DIALOG = 'recommendation';
/** Cards in the chat carousel (the agent console's customer panel shows the same number). */
export const RECOMMENDATION_CARD_COUNT = 4;

/** One recommended product, as the port gives it (names and prices from the catalogue). */
export interface RecommendedProduct {
  sku: string;
  name: string;
  priceMinor: number;
  currency: string;
  category: string | null;
  /** 'stated-preference': shown because the customer said they like it (`liked`). */
  source: 'personalized' | 'similar' | 'same-category' | 'popular' | 'stated-preference';
  because?: { name: string; kind: 'bought' | 'looked_at' };
  /** The stated like it matches, in the customer's words ("tea"). */
  liked?: { term: string };
}

/**
 * Recommendations for the customer of this turn (the bot wiring implements it with crm/recommendations,
 * which also applies what the customer told the bot); `category`: only that catalogue category.
 */
export interface RecommendationPort {
  recommendFor(context: TurnContext, request: { language: Language; k: number; category?: string }): Promise<RecommendedProduct[]>;
}

export interface RecommendationDialogOptions {
  language: Language;
  /** Only this catalogue category (the preference dialog's button after "I love tea"). */
  category?: string;
}

/** `value.type` of a message asking for recommendations in one category (a button's messageBack). */
export const RECOMMEND_CATEGORY_TYPE = 'recommendations.category';

/** The value a "recommendations in this category" button sends along with its text. */
export function recommendCategoryValue(category: string): { type: typeof RECOMMEND_CATEGORY_TYPE; category: string } {
  return { type: RECOMMEND_CATEGORY_TYPE, category };
}

/** The category a message's `value` asks recommendations for, if it is such a button's value (anything else: undefined). */
export function recommendationCategoryIn(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as { type?: unknown; category?: unknown };
  if (v.type !== RECOMMEND_CATEGORY_TYPE || typeof v.category !== 'string') return undefined;
  const category = v.category.trim();
  return category && category.length <= 200 ? category : undefined;
}

/**
 * A card's "Tell me more": a messageBack whose value names the product (the main dialog answers from
 * the catalogue) and whose text is the question typed out, so a channel that drops the value, or a
 * customer who types it, still gets the product's details.
 */
function productDetailsAction(p: RecommendedProduct, language: Language, title: string, ask: string): CardAction {
  return { type: 'messageBack', title, text: ask, displayText: ask, value: productDetailsValue(p.sku, language) };
}

/**
 * channelData field of an outgoing message with the text the timeline stores after its text (the bot's
 * timeline middleware reads it and removes it before sending): what cards alone would not say.
 */
export const TIMELINE_SUMMARY_FIELD = 'timelineSummary';

/**
 * "Shown:" then one "• Coffee beans, 250 g (€13.00)" line per product, in the customer's language (a
 * line each: product names may contain commas).
 */
export function shownSummary(products: readonly RecommendedProduct[], language: Language, heading: string): string {
  return [heading, ...products.map((p) => `• ${p.name} (${formatPrice(p.priceMinor, p.currency, language)})`)].join('\n');
}

/**
 * "What would you recommend?": a carousel of product cards (name, price, why, a button), personal
 * when the customer's purchases are known, popular / same-category items with an honest
 * introduction otherwise.
 */
export class RecommendationDialog extends ComponentDialog {
  constructor(
    private readonly recommendations?: RecommendationPort,
    private readonly content: ContentCatalog = new ContentCatalog(),
    private readonly count = RECOMMENDATION_CARD_COUNT,
    /** Consent to personalisation: when withdrawn, the heading says the picks are not personalised (the port serves popular ones). */
    private readonly personalisation?: PersonalisationConsentPort,
  ) {
    super(RECOMMENDATION_DIALOG);
    this.addDialog(new WaterfallDialog('recommendationSteps', [this.show.bind(this)]));
    this.initialDialogId = 'recommendationSteps';
  }

  private async show(step: WaterfallStepContext) {
    const { language, category } = (step.options as RecommendationDialogOptions | undefined) ?? { language: 'en' as Language };
    const t = this.content.texts(language);
    const products = this.recommendations ? await this.recommendations.recommendFor(step.context, { language, k: this.count, ...(category ? { category } : {}) }) : [];
    if (products.length === 0) {
      // No port, no model yet, or nothing left to suggest: the built-in answer, then how to go on.
      await step.context.sendActivity(this.recommendations ? t.recommendationsNone : t.answers.recommendation ?? t.recommendationsNone);
      return step.endDialog({ shown: [] });
    }
    const personal = products.some((p) => p.source === 'personalized' || p.source === 'similar');
    const liked = products.some((p) => p.source === 'stated-preference');
    const cards: Attachment[] = products.map((p) =>
      CardFactory.heroCard(
        p.name,
        this.explain(p, language),
        undefined,
        [productDetailsAction(p, language, t.recommendationButton, fill(t.recommendationAsk, { item: p.name }))],
        { subtitle: formatPrice(p.priceMinor, p.currency, language) },
      ),
    );
    const withdrawn = !personal && !liked && this.personalisation ? !(await this.personalisation.allowed(step.context)) : false;
    const heading = personal && liked ? t.recommendationsLikedAndBought : personal ? t.recommendationsForYou : liked ? t.recommendationsLiked : withdrawn ? t.recommendationsNotPersonalised : t.recommendationsPopular;
    const carousel = MessageFactory.carousel(cards, heading);
    // The cards are not text: tell the timeline (what agents read) which products were shown.
    carousel.channelData = { ...carousel.channelData, [TIMELINE_SUMMARY_FIELD]: shownSummary(products, language, t.recommendationsShown) };
    await step.context.sendActivity(carousel);
    return step.endDialog({ shown: products.map((p) => p.sku) });
  }

  private explain(p: RecommendedProduct, language: Language): string {
    const t = this.content.texts(language);
    if (p.liked) return fill(t.recommendationBecauseLiked, { term: p.liked.term });
    if (p.because) return fill(p.because.kind === 'bought' ? t.recommendationBecauseBought : t.recommendationBecauseViewed, { item: p.because.name });
    if (p.source === 'personalized' || p.source === 'similar') return t.recommendationForYou;
    if (p.source === 'same-category' && p.category) return fill(t.recommendationPopularIn, { category: p.category });
    return t.recommendationPopularNow;
  }
}
