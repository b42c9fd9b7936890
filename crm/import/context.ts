import type { Db } from '../db';
import type { WriteOutcome } from '../commerce/store';
import { progressBar, type ProgressBar } from './progress';
import { RejectLog } from './rejects';
import { openSource, type InputFormat, type OpenedSource, type SourceRecord } from './source';

export const IMPORT_KINDS = ['customers', 'products', 'orders', 'events'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ImportOptions {
  db: Db;
  kind: ImportKind;
  file: string;
  format?: InputFormat;
  /** Where rejected rows are written (CSV). Null: counted only. */
  rejectsFile: string | null;
  /** Progress bar stream (stderr by default); null for none. */
  progress?: NodeJS.WriteStream | null;
  /** Source rows per database batch (default 5,000). */
  batchRows?: number;
  /** Currency of amounts that do not name one (default GBP: the online-retail data set is in sterling). */
  currency?: string;
  /** Time zone of timestamps without an offset (default Europe/London for the online-retail format, else UTC). */
  timeZone?: string;
  /** Identity kind of external customer ids (default retail_customer_id). */
  customerKind?: string;
}

export type Counts = Record<WriteOutcome, number>;

export interface ImportReport {
  kind: ImportKind;
  file: string;
  format: InputFormat;
  gzip: boolean;
  /** Data rows read (header and blank lines excluded). */
  rows: number;
  accepted: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  rejectsFile: string | null;
  /** Per entity (orders, order lines' products, customers, …): inserted / updated / unchanged. */
  entities: Record<string, Counts>;
  seconds: number;
  rowsPerSecond: number;
  /** High-water mark of this process's resident memory, MB. */
  peakRssMb: number;
}

export const emptyCounts = (): Counts => ({ inserted: 0, updated: 0, unchanged: 0 });

/** What an importer gets: the records, a way to reject one, counters and a progress tick. */
export class ImportContext {
  readonly source: OpenedSource;
  readonly rejects: RejectLog;
  readonly entities: Record<string, Counts> = {};
  readonly batchRows: number;
  rows = 0;
  accepted = 0;
  private readonly bar: ProgressBar;

  constructor(readonly options: ImportOptions) {
    this.source = openSource(options.file, { format: options.format });
    this.rejects = new RejectLog(options.rejectsFile);
    this.batchRows = options.batchRows ?? 5000;
    this.bar = progressBar(`import ${options.kind}`, this.source.totalBytes, options.progress === undefined ? process.stderr : options.progress);
  }

  get db(): Db {
    return this.options.db;
  }

  /** Iterates data records, counting them, rejecting unparseable ones and ticking the progress bar. */
  async *records(): AsyncGenerator<{ line: number; value: Record<string, unknown>; raw: string }> {
    for await (const rec of this.source.records() as AsyncGenerator<SourceRecord>) {
      this.rows++;
      if ((this.rows & 1023) === 0) this.bar.update(this.source.bytesRead(), this.rows);
      if (!rec.value) {
        this.reject(rec.line, 'malformed_row', rec.error, rec.raw);
        continue;
      }
      yield { line: rec.line, value: rec.value, raw: rec.raw };
    }
  }

  reject(line: number, reason: string, detail?: string, raw?: string): void {
    this.rejects.add({ line, reason, detail, raw });
  }

  count(entity: string, outcome: WriteOutcome, n = 1): void {
    (this.entities[entity] ??= emptyCounts())[outcome] += n;
  }

  tally(entity: string, outcomes: Iterable<WriteOutcome>): void {
    this.entities[entity] ??= emptyCounts();
    for (const o of outcomes) this.entities[entity][o]++;
  }

  finishProgress(): void {
    this.bar.finish(this.source.bytesRead(), this.rows);
  }
}
