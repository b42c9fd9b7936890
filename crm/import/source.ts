import fs from 'node:fs';
import { createInterface } from 'node:readline';
import { constants as zlibConstants, createGunzip, gunzipSync } from 'node:zlib';
import { PassThrough, type Readable } from 'node:stream';

export type InputFormat = 'csv' | 'jsonl';

/** One input record: CSV rows become objects keyed by the header; JSON lines are parsed objects. */
export interface SourceRecord {
  /** 1-based physical line where the record starts (the header is line 1 in CSV). */
  line: number;
  /** Null when the line could not be parsed (`error` says why). */
  value: Record<string, unknown> | null;
  error?: string;
  /** The raw text of the record, for the rejected-rows report. */
  raw: string;
}

export interface OpenedSource {
  format: InputFormat;
  gzip: boolean;
  /** Size of the file on disk (compressed size for .gz). */
  totalBytes: number;
  /** Bytes of the file read so far (compressed bytes for .gz): drives the progress bar. */
  bytesRead(): number;
  records(): AsyncGenerator<SourceRecord>;
  /** CSV header, once the first record has been read. */
  header(): string[] | null;
}

const GZIP_MAGIC = [0x1f, 0x8b];

function sniff(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Guesses the format from the name (.csv, .jsonl, .ndjson, .json; a trailing .gz is ignored) or the first character. */
export function detectFormat(file: string, firstText: string): InputFormat {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return 'jsonl';
  return firstText.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

/**
 * Opens a CSV or JSON-lines file for streaming, gzip detected from the magic bytes (not the name).
 * Nothing is read until `records()` is iterated; memory stays flat whatever the file size.
 */
export function openSource(file: string, options: { format?: InputFormat } = {}): OpenedSource {
  const stat = fs.statSync(file);
  const head = sniff(file);
  const gzip = head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  let firstText = '';
  if (!gzip) firstText = head.toString('utf8');
  else {
    try {
      firstText = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('utf8');
    } catch {
      firstText = '';
    }
  }
  const format = options.format ?? detectFormat(file, firstText);
  let read = 0;
  let header: string[] | null = null;

  function textStream(): Readable {
    const raw = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
    raw.on('data', (chunk) => {
      read += chunk.length;
    });
    if (!gzip) return raw;
    const out = new PassThrough();
    const gunzip = createGunzip();
    raw.on('error', (err) => out.destroy(err));
    gunzip.on('error', (err) => out.destroy(err));
    return raw.pipe(gunzip).pipe(out);
  }

  async function* csvRecords(): AsyncGenerator<SourceRecord> {
    const lines = createInterface({ input: textStream(), crlfDelay: Infinity });
    let fields: string[] = [];
    let field = '';
    let inQuotes = false;
    let lineNo = 0;
    let startLine = 1;
    let raw = '';
    for await (let line of lines) {
      lineNo++;
      if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      if (!inQuotes) {
        startLine = lineNo;
        raw = line;
        if (line === '' ) continue; // blank line
      } else raw += `\n${line}`;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (inQuotes) {
          if (ch === '"') {
            if (line[i + 1] === '"') {
              field += '"';
              i++;
            } else inQuotes = false;
          } else field += ch;
        } else if (ch === '"') inQuotes = true;
        else if (ch === ',') {
          fields.push(field);
          field = '';
        } else field += ch;
      }
      if (inQuotes) {
        field += '\n';
        continue;
      }
      fields.push(field);
      const record = fields;
      fields = [];
      field = '';
      if (!header) {
        header = record.map((h) => h.trim());
        continue;
      }
      if (record.length !== header.length) {
        yield { line: startLine, value: null, error: `expected ${header.length} fields, found ${record.length}`, raw };
        continue;
      }
      const value: Record<string, string> = {};
      for (let i = 0; i < header.length; i++) value[header[i]] = record[i];
      yield { line: startLine, value, raw };
    }
    if (inQuotes) yield { line: startLine, value: null, error: 'unterminated quoted field at end of file', raw };
  }

  async function* jsonRecords(): AsyncGenerator<SourceRecord> {
    const lines = createInterface({ input: textStream(), crlfDelay: Infinity });
    let lineNo = 0;
    for await (let line of lines) {
      lineNo++;
      if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      if (line.trim() === '') continue;
      try {
        const value = JSON.parse(line) as unknown;
        if (!value || typeof value !== 'object' || Array.isArray(value)) {
          yield { line: lineNo, value: null, error: 'a line must hold one JSON object', raw: line };
        } else yield { line: lineNo, value: value as Record<string, unknown>, raw: line };
      } catch (err) {
        yield { line: lineNo, value: null, error: `malformed JSON: ${(err as Error).message}`, raw: line };
      }
    }
  }

  return {
    format,
    gzip,
    totalBytes: stat.size,
    bytesRead: () => read,
    records: () => (format === 'csv' ? csvRecords() : jsonRecords()),
    header: () => header,
  };
}
