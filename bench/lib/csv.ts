import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

/**
 * Streams records of an RFC 4180 CSV file (optionally gzip-compressed), one string[] per record,
 * without loading the file into memory. Handles quoted fields, doubled quotes and newlines inside
 * quotes; the first record (header) is yielded like any other.
 */
export async function* readCsvRecords(path: string): AsyncGenerator<string[]> {
  const raw = createReadStream(path);
  const input = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  for await (const line of lines) {
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (inQuotes) {
        if (ch === '"') {
          if (line[i + 1] === '"') { field += '"'; i++; } else inQuotes = false;
        } else field += ch;
      } else if (ch === '"') inQuotes = true;
      else if (ch === ',') { fields.push(field); field = ''; }
      else field += ch;
    }
    if (inQuotes) { field += '\n'; continue; } // record continues on the next line
    fields.push(field);
    yield fields;
    fields = [];
    field = '';
  }
  if (inQuotes || fields.length > 0) throw new Error(`${path}: unterminated quoted field at end of file`);
}
