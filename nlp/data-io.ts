/** Reading labelled data (JSON lines or CSV), hashing it and splitting it deterministically. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Language, LabelledExample } from './types';

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * Parse JSON lines `{"text","intent","lang"?}` or CSV with a `text` column and an
 * `intent` or `category` column (banking77 uses `text,category`).
 */
export function parseExamples(content: string, fileName = ''): LabelledExample[] {
  const trimmed = content.replace(/^\uFEFF/, '').trimStart();
  const looksJson = fileName.endsWith('.jsonl') || fileName.endsWith('.json') || trimmed.startsWith('{');
  if (looksJson) {
    const out: LabelledExample[] = [];
    trimmed.split(/\r?\n/).forEach((line, n) => {
      if (!line.trim()) return;
      let obj: { text?: unknown; intent?: unknown; category?: unknown; lang?: unknown };
      try {
        obj = JSON.parse(line);
      } catch {
        throw new Error(`${fileName || 'input'}:${n + 1}: invalid JSON`);
      }
      const intent = obj.intent ?? obj.category;
      if (typeof obj.text !== 'string' || typeof intent !== 'string') {
        throw new Error(`${fileName || 'input'}:${n + 1}: need string "text" and "intent"`);
      }
      const ex: LabelledExample = { text: obj.text, intent };
      if (obj.lang === 'en' || obj.lang === 'zh') ex.lang = obj.lang as Language;
      out.push(ex);
    });
    return out;
  }
  const rows = parseCsv(trimmed);
  const header = (rows.shift() ?? []).map((h) => h.trim().toLowerCase());
  const ti = header.indexOf('text');
  let li = header.indexOf('intent');
  if (li < 0) li = header.indexOf('category');
  if (ti < 0 || li < 0) throw new Error(`${fileName || 'input'}: CSV needs "text" and "intent" or "category" columns`);
  const langI = header.indexOf('lang');
  return rows
    .filter((r) => r.length > Math.max(ti, li))
    .map((r) => {
      const ex: LabelledExample = { text: r[ti], intent: r[li].trim() };
      const lang = langI >= 0 ? r[langI] : undefined;
      if (lang === 'en' || lang === 'zh') ex.lang = lang;
      return ex;
    });
}

/** A file, or a directory whose `.jsonl` / `.csv` files are read in name order (the frozen test set is one file per intent). */
export function readExamples(path: string): LabelledExample[] {
  if (!statSync(path).isDirectory()) return parseExamples(readFileSync(path, 'utf8'), path);
  return readdirSync(path)
    .filter((f) => /\.(jsonl|csv)$/.test(f))
    .sort()
    .flatMap((f) => parseExamples(readFileSync(join(path, f), 'utf8'), join(path, f)));
}

/** Order-independent? No: the hash covers the rows in order, so any edit changes it. */
export function hashExamples(rows: LabelledExample[]): string {
  const h = createHash('sha256');
  for (const r of rows) h.update(`${r.intent}\u0001${r.lang ?? ''}\u0001${r.text}\n`);
  return h.digest('hex').slice(0, 16);
}

/**
 * Deterministic held-out split: a row is held out when a hash of its text falls below the
 * fraction. Stable under reordering and under adding other rows, unlike a shuffled split.
 */
export function isHeldOut(text: string, fraction = 0.2): boolean {
  const d = createHash('sha1').update(text.trim()).digest();
  return d.readUInt32BE(0) / 0x100000000 < fraction;
}

/** Stratified deterministic split: per (intent, lang) group, about `fraction` of rows held out. */
export function splitExamples(
  rows: LabelledExample[],
  fraction = 0.2,
): { train: LabelledExample[]; test: LabelledExample[] } {
  const groups = new Map<string, LabelledExample[]>();
  for (const r of rows) {
    const key = `${r.intent}\u0001${r.lang ?? ''}`;
    const g = groups.get(key) ?? [];
    g.push(r);
    groups.set(key, g);
  }
  const testSet = new Set<LabelledExample>();
  for (const g of groups.values()) {
    // Rank by text hash and hold out the lowest ones: exact fraction per group, still stable.
    const ranked = g
      .map((r) => ({ r, h: createHash('sha1').update(r.text.trim()).digest().readUInt32BE(0) }))
      .sort((a, b) => a.h - b.h);
    const k = Math.round(g.length * fraction);
    for (let i = 0; i < k; i++) testSet.add(ranked[i].r);
  }
  return { train: rows.filter((r) => !testSet.has(r)), test: rows.filter((r) => testSet.has(r)) };
}
