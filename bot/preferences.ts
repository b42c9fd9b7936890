import type { PreferencePort, StatedPreference } from '../dialogs';
import { extractPreferences, type PreferenceVocabulary } from '../nlp';

/**
 * Stated preferences for the bot's confirmation: nlp's extractPreferences against the catalogue (the
 * same vocabulary the conversation learner matches to, so the reply says what the profile records),
 * with the matched products' names.
 */
export class CataloguePreferences implements PreferencePort {
  constructor(private readonly vocabulary: () => Promise<PreferenceVocabulary>) {}

  async statedIn(text: string): Promise<StatedPreference[]> {
    const vocabulary = await this.vocabulary();
    const names = new Map(vocabulary.products.map((p) => [p.sku, p.name]));
    return extractPreferences(text, vocabulary).map((p) =>
      p.kind === 'contact'
        ? { kind: 'contact', channel: p.channel }
        : { kind: p.kind, term: p.term, categories: p.categories, products: p.skus.map((sku) => ({ sku, name: names.get(sku) ?? sku })) },
    );
  }
}
