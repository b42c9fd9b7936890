import type { TurnContext } from 'botbuilder';
import type { CustomerRecord } from '../crm';
import type { RecommendationService } from '../crm/recommendations';
import type { Language, RecommendationPort, RecommendedProduct } from '../dialogs';
import { CUSTOMER_KEY } from './timelineMiddleware';

/**
 * Recommendations for the bot from crm/recommendations: the customer is the one the timeline
 * middleware resolved for this turn (a web visitor linked to a shop customer gets that customer's
 * picks); unknown visitors get popular items.
 */
export class ServiceRecommendations implements RecommendationPort {
  constructor(private readonly service: Pick<RecommendationService, 'recommendFor'>) {}

  async recommendFor(context: TurnContext, request: { language: Language; k: number; category?: string }): Promise<RecommendedProduct[]> {
    const customer = context.turnState.get(CUSTOMER_KEY) as CustomerRecord | undefined;
    // The same service call as the console's customer panel, so both show the same list.
    const served = await this.service.recommendFor(customer?.id ?? null, { k: request.k, category: request.category });
    return served.cards.map((c) => ({
      sku: c.sku,
      name: c.name,
      priceMinor: c.priceMinor,
      currency: c.currency,
      category: c.category,
      source: c.source,
      ...(c.because ? { because: { name: c.because.name, kind: c.because.kind } } : {}),
      ...(c.liked ? { liked: { term: c.liked.term } } : {}),
    }));
  }
}
