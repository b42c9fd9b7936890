import { ComponentDialog, WaterfallDialog } from 'botbuilder-dialogs';
import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { ContentCatalog, fill } from './content';
import type { Language } from './recognizer';
import { formatPrice } from './money';

export const PRODUCT_DETAILS_DIALOG = 'productDetails';

/** One product as the catalogue describes it, in the customer's language where the catalogue has it. */
export interface ProductDetails {
  sku: string;
  name: string;
  priceMinor: number;
  currency: string;
  category: string | null;
  active: boolean;
  description?: string;
  /** Other facts the catalogue keeps ("material: stainless steel"), in its order. */
  facts: Array<{ name: string; value: string }>;
}

/** The shop's catalogue for the bot (the bot wiring implements it with crm/commerce). */
export interface ProductCataloguePort {
  product(sku: string, language: Language): Promise<ProductDetails | null>;
  /** The catalogue products a message names ("tell me more about the Gooseneck kettle"), best first. */
  namedIn(text: string, language: Language): Promise<ProductDetails[]>;
}

/** `value.type` of a "tell me more" tap on a product card: the product's SKU travels with it. */
export const PRODUCT_DETAILS_TYPE = 'product.details';

export interface ProductDetailsRequest {
  type: typeof PRODUCT_DETAILS_TYPE;
  sku: string;
  /** The language the card was shown in (the tap's text is ours, not the customer's words). */
  language?: Language;
}

export function productDetailsValue(sku: string, language: Language): ProductDetailsRequest {
  return { type: PRODUCT_DETAILS_TYPE, sku, language };
}

/** The product a message's `value` asks about, if it is such a tap's value (anything else: undefined). */
export function productDetailsRequestIn(value: unknown): ProductDetailsRequest | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as { type?: unknown; sku?: unknown; language?: unknown };
  if (v.type !== PRODUCT_DETAILS_TYPE || typeof v.sku !== 'string' || !v.sku.trim() || v.sku.length > 200) return undefined;
  return { type: PRODUCT_DETAILS_TYPE, sku: v.sku.trim(), ...(v.language === 'en' || v.language === 'zh' ? { language: v.language } : {}) };
}

export interface ProductDetailsOptions {
  language: Language;
  /** The product asked about; without it (or unknown) the general product answer. */
  sku?: string;
  product?: ProductDetails;
}

/** "Gooseneck kettle: €59.00. <description> Material: stainless steel." in the customer's language. */
export function productDetailsText(p: ProductDetails, language: Language, content: ContentCatalog = new ContentCatalog()): string {
  const t = content.texts(language);
  const parts = [fill(t.productDetails, { name: p.name, price: formatPrice(p.priceMinor, p.currency, language) })];
  if (p.description) parts.push(p.description.trim());
  if (p.facts.length) parts.push(fill(t.productFacts, { facts: p.facts.map((f) => fill(t.productFact, f)).join(t.productFactSeparator) }));
  if (!p.active) parts.push(t.productUnavailable);
  return parts.join(t.productSentenceBreak);
}

/** "Tell me more about …": the product's name, price, description and facts from the catalogue. */
export class ProductDetailsDialog extends ComponentDialog {
  constructor(
    private readonly catalogue?: ProductCataloguePort,
    private readonly content: ContentCatalog = new ContentCatalog(),
  ) {
    super(PRODUCT_DETAILS_DIALOG);
    this.addDialog(new WaterfallDialog('productDetailsSteps', [this.answer.bind(this)]));
    this.initialDialogId = 'productDetailsSteps';
  }

  private async answer(step: WaterfallStepContext) {
    const o = step.options as ProductDetailsOptions;
    const t = this.content.texts(o.language);
    const product = o.product ?? (o.sku && this.catalogue ? await this.catalogue.product(o.sku, o.language) : null);
    if (!product) {
      await step.context.sendActivity(t.answers.product_question ?? t.fallback);
      return step.endDialog({ sku: o.sku, found: false });
    }
    await step.context.sendActivity(productDetailsText(product, o.language, this.content));
    return step.endDialog({ sku: product.sku, found: true });
  }
}
