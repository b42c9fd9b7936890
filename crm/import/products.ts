import { CommerceStore, type CatalogProduct, type WriteOutcome } from '../commerce/store';
import type { ImportContext } from './context';
import { currencyDigits, str, toBool, toInteger, toMinorUnits } from './values';

const KNOWN = new Set(['sku', 'name', 'category', 'price', 'price_minor', 'currency', 'active', 'attributes']);

/**
 * Imports the catalogue: `sku, name, category, price | price_minor, currency, active, attributes`
 * (JSON object; in CSV any other column becomes a string attribute). The SKU is the natural key;
 * a product is updated only when a field differs.
 */
export async function importProducts(ctx: ImportContext): Promise<void> {
  const store = new CommerceStore(ctx.db);
  const defaultCurrency = ctx.options.currency ?? 'GBP';
  const seen = new Map<string, WriteOutcome>();
  let batch: CatalogProduct[] = [];
  async function flush(): Promise<void> {
    const items = batch;
    batch = [];
    if (items.length === 0) return;
    const out = await store.upsertCatalogProducts(items);
    for (const [sku, r] of out) {
      const prev = seen.get(sku);
      seen.set(sku, prev === 'inserted' ? 'inserted' : prev === 'updated' && r.outcome === 'unchanged' ? 'updated' : r.outcome);
    }
    await ctx.rejects.drain();
  }
  for await (const rec of ctx.records()) {
    const v = rec.value;
    const reject = (reason: string, detail?: string) => ctx.reject(rec.line, reason, detail, rec.raw);
    const sku = str(v.sku).toUpperCase();
    if (!sku) { reject('missing_sku'); continue; }
    const name = str(v.name);
    if (!name) { reject('missing_name'); continue; }
    const currency = str(v.currency) || defaultCurrency;
    const digits = currencyDigits(currency);
    if (digits === null) { reject('bad_currency', currency); continue; }
    const price = v.price_minor !== undefined && str(v.price_minor) !== '' ? toInteger(v.price_minor) : toMinorUnits(v.price, digits);
    if (price === null) { reject('bad_price', `price ${str(v.price ?? v.price_minor)}`); continue; }
    if (price < 0) { reject('non_positive_price', `price ${price}`); continue; }
    const activeRaw = v.active;
    const active = activeRaw === undefined || str(activeRaw) === '' ? true : toBool(activeRaw);
    if (active === null) { reject('bad_active_flag', str(activeRaw)); continue; }
    let attributes: Record<string, unknown> = {};
    if (v.attributes !== undefined && v.attributes !== '') {
      const a = typeof v.attributes === 'string' ? safeJson(v.attributes) : v.attributes;
      if (!a || typeof a !== 'object' || Array.isArray(a)) { reject('bad_attributes', 'attributes must be a JSON object'); continue; }
      attributes = a as Record<string, unknown>;
    }
    if (ctx.source.format === 'csv') {
      for (const [k, val] of Object.entries(v)) if (!KNOWN.has(k) && str(val) !== '') attributes[k] = str(val);
    }
    ctx.accepted++;
    batch.push({ sku, name, category: str(v.category) || null, priceMinor: price, currency, active, attributes });
    if (batch.length >= ctx.batchRows) await flush();
  }
  await flush();
  ctx.tally('products', seen.values());
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
