import { readCsvRecords } from './csv';

/** One cleaned purchase line of the UCI Online Retail data set. */
export interface RetailPurchase {
  invoiceNo: string;
  stockCode: string;
  description: string;
  quantity: number;
  /** Epoch ms; the file's local times are read as UTC (only their order matters here). */
  at: number;
  unitPrice: number;
  customerId: string;
  country: string;
}

export interface RetailLoad {
  purchases: RetailPurchase[];
  rows: number;
  dropped: Record<'cancellation' | 'noCustomer' | 'nonProduct' | 'nonPositive' | 'badDate', number>;
}

/**
 * Product stock codes are five digits plus an optional one- or two-letter variant (85123A, 15056BL).
 * Everything else is postage, fees, manual adjustments, discounts, gift vouchers or samples:
 * POST, DOT, M, C2, D, S, BANK CHARGES, AMAZONFEE, CRUK, PADS, B, gift_0001_*, DCGS*.
 */
export const PRODUCT_CODE = /^\d{5}[A-Z]{0,2}$/;

/**
 * Streams and cleans the file on purpose: drops cancellations (InvoiceNo "C…"), rows without a
 * customer, non-product codes, and non-positive quantities or prices.
 */
export async function loadOnlineRetail(path: string): Promise<RetailLoad> {
  const purchases: RetailPurchase[] = [];
  const dropped: RetailLoad['dropped'] = { cancellation: 0, noCustomer: 0, nonProduct: 0, nonPositive: 0, badDate: 0 };
  let header: string[] | null = null;
  let rows = 0;
  let col: Record<string, number> = {};
  for await (const rec of readCsvRecords(path)) {
    if (!header) {
      header = rec;
      col = Object.fromEntries(rec.map((name, i) => [name.trim(), i]));
      for (const need of ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country']) {
        if (col[need] === undefined) throw new Error(`${path}: missing column ${need}`);
      }
      continue;
    }
    rows++;
    const invoiceNo = rec[col.InvoiceNo].trim();
    if (invoiceNo.startsWith('C')) { dropped.cancellation++; continue; }
    const customerRaw = rec[col.CustomerID].trim();
    if (customerRaw === '') { dropped.noCustomer++; continue; }
    const stockCode = rec[col.StockCode].trim().toUpperCase();
    if (!PRODUCT_CODE.test(stockCode)) { dropped.nonProduct++; continue; }
    const quantity = Number(rec[col.Quantity]);
    const unitPrice = Number(rec[col.UnitPrice]);
    if (!(quantity > 0) || !(unitPrice > 0)) { dropped.nonPositive++; continue; }
    const at = Date.parse(`${rec[col.InvoiceDate].trim().replace(' ', 'T')}Z`);
    if (Number.isNaN(at)) { dropped.badDate++; continue; }
    purchases.push({
      invoiceNo, stockCode, description: rec[col.Description].trim(), quantity, at, unitPrice,
      // Some exports write ids as floats ("17850.0").
      customerId: customerRaw.replace(/\.0+$/, ''), country: rec[col.Country].trim(),
    });
  }
  return { purchases, rows, dropped };
}
