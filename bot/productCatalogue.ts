import type { CommerceStore, Product } from '../crm/commerce';
import type { Language, ProductCataloguePort, ProductDetails } from '../dialogs';
import { extractEntities, type PreferenceVocabulary } from '../nlp';

/**
 * The shop's catalogue for the bot's product answers, from crm/commerce: a product by SKU (a card's
 * button), or the products a message names, matched against the catalogue's names as the NLP's
 * entity rules match them (no model call).
 */
export class CommerceProductCatalogue implements ProductCataloguePort {
  constructor(
    private readonly commerce: Pick<CommerceStore, 'product'>,
    /** The catalogue's names (the conversation learner's cached vocabulary). */
    private readonly vocabulary: () => Promise<PreferenceVocabulary>,
  ) {}

  async product(sku: string, language: Language): Promise<ProductDetails | null> {
    const row = await this.commerce.product(sku);
    return row ? detailsOf(row, language) : null;
  }

  async namedIn(text: string, language: Language): Promise<ProductDetails[]> {
    const { products } = await this.vocabulary();
    const named = extractEntities(text, { language, now: new Date(), products: products.map((p) => ({ id: p.sku, name: p.name })) }).filter((e) => e.type === 'product');
    // The longest name first: "Gooseneck kettle" before a product called "Kettle".
    const skus = [...new Set(named.sort((a, b) => b.text.length - a.text.length).map((e) => (e.value as { id: string }).id))];
    const found = await Promise.all(skus.map((sku) => this.product(sku, language)));
    return found.filter((p): p is ProductDetails => p !== null);
  }
}

/**
 * A product row as the bot tells it: the description in the customer's language when the catalogue has
 * one (`description_zh`), else `description`; every other plain attribute as a fact.
 */
export function detailsOf(row: Pick<Product, 'sku' | 'name' | 'priceMinor' | 'currency' | 'category' | 'active' | 'attributes'>, language: Language): ProductDetails {
  const attributes = row.attributes ?? {};
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
  const description = text(attributes[`description_${language}`]) ?? text(attributes.description);
  const facts = Object.entries(attributes)
    .filter(([key]) => !/^description(_|$)/.test(key))
    .flatMap(([key, value]) => {
      const shown = text(value);
      return shown ? [{ name: key.replace(/[_-]+/g, ' '), value: shown }] : [];
    });
  return { sku: row.sku, name: row.name, priceMinor: row.priceMinor, currency: row.currency, category: row.category, active: row.active, ...(description ? { description } : {}), facts };
}
