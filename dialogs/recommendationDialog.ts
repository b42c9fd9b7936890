import { CardFactory, MessageFactory } from 'botbuilder-core';
import type { Attachment, TurnContext } from 'botbuilder-core';
import { ComponentDialog, WaterfallDialog } from 'botbuilder-dialogs';
import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { ContentCatalog, fill } from './content';
import type { Language } from './recognizer';

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
  source: 'personalized' | 'similar' | 'same-category' | 'popular';
  because?: { name: string; kind: 'bought' | 'looked_at' };
}

/** Recommendations for the customer of this turn (the bot wiring implements it with crm/recommendations). */
export interface RecommendationPort {
  recommendFor(context: TurnContext, request: { language: Language; k: number }): Promise<RecommendedProduct[]>;
}

export interface RecommendationDialogOptions {
  language: Language;
}

/** Minor units → "€12.00" / "€12.00" in the customer's language (ISO 4217 digits). */
export function formatPrice(priceMinor: number, currency: string, language: Language): string {
  const format = new Intl.NumberFormat(language === 'zh' ? 'zh-CN' : 'en-GB', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(priceMinor / 10 ** digits);
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
  ) {
    super(RECOMMENDATION_DIALOG);
    this.addDialog(new WaterfallDialog('recommendationSteps', [this.show.bind(this)]));
    this.initialDialogId = 'recommendationSteps';
  }

  private async show(step: WaterfallStepContext) {
    const { language } = (step.options as RecommendationDialogOptions | undefined) ?? { language: 'en' as Language };
    const t = this.content.texts(language);
    const products = this.recommendations ? await this.recommendations.recommendFor(step.context, { language, k: this.count }) : [];
    if (products.length === 0) {
      // No port, no model yet, or nothing left to suggest: the built-in answer, then how to go on.
      await step.context.sendActivity(this.recommendations ? t.recommendationsNone : t.answers.recommendation ?? t.recommendationsNone);
      return step.endDialog({ shown: [] });
    }
    const personal = products.some((p) => p.source === 'personalized' || p.source === 'similar');
    const cards: Attachment[] = products.map((p) =>
      CardFactory.heroCard(
        p.name,
        this.explain(p, language),
        undefined,
        [{ type: 'imBack', title: t.recommendationButton, value: fill(t.recommendationAsk, { item: p.name }) }],
        { subtitle: formatPrice(p.priceMinor, p.currency, language) },
      ),
    );
    const carousel = MessageFactory.carousel(cards, personal ? t.recommendationsForYou : t.recommendationsPopular);
    // The cards are not text: tell the timeline (what agents read) which products were shown.
    carousel.channelData = { ...carousel.channelData, [TIMELINE_SUMMARY_FIELD]: shownSummary(products, language, t.recommendationsShown) };
    await step.context.sendActivity(carousel);
    return step.endDialog({ shown: products.map((p) => p.sku) });
  }

  private explain(p: RecommendedProduct, language: Language): string {
    const t = this.content.texts(language);
    if (p.because) return fill(p.because.kind === 'bought' ? t.recommendationBecauseBought : t.recommendationBecauseViewed, { item: p.because.name });
    if (p.source === 'personalized' || p.source === 'similar') return t.recommendationForYou;
    if (p.source === 'same-category' && p.category) return fill(t.recommendationPopularIn, { category: p.category });
    return t.recommendationPopularNow;
  }
}
