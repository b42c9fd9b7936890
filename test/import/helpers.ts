import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '../../crm';
import { runImport, type ImportKind, type ImportOptions, type ImportReport } from '../../crm/import';

export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `concierge-${prefix}-`));
}

export function openTestDatabase(): Promise<Database> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set (jest globalSetup creates it)');
  return openDatabase({ url, poolSize: 6 });
}

/** A prefix that keeps this test's natural keys apart from other tests' in the shared run database. */
export const uniq = (label: string) => `${label}${randomBytes(4).toString('hex').toUpperCase()}`;

export async function importFile(database: Database, kind: ImportKind, file: string, extra: Partial<ImportOptions> = {}): Promise<ImportReport> {
  return runImport({ db: database.db, kind, file, rejectsFile: `${file}.rejected.csv`, progress: null, ...extra });
}

export function csv(rows: Array<Array<string | number>>): string {
  return `${rows.map((r) => r.map((v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v))).join(',')).join('\n')}\n`;
}

export const RETAIL_HEADER = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'];
