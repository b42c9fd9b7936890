import type { Language } from './recognizer';

/** Minor units → "€12.00" / "€12.00" in the customer's language (ISO 4217 digits). */
export function formatPrice(priceMinor: number, currency: string, language: Language): string {
  const format = new Intl.NumberFormat(language === 'zh' ? 'zh-CN' : 'en-GB', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(priceMinor / 10 ** digits);
}
