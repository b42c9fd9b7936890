import fs from 'node:fs';
import path from 'node:path';

/** A rejected input row: where it was, why, and its raw text. */
export interface Rejection {
  line: number;
  reason: string;
  detail?: string;
  raw?: string;
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Streams rejected rows to a CSV file (`line,reason,detail,raw`) and counts them per reason.
 * The file is created on the first rejection only.
 */
export class RejectLog {
  readonly counts: Record<string, number> = {};
  private out: fs.WriteStream | null = null;
  total = 0;

  constructor(readonly file: string | null) {}

  add(r: Rejection): void {
    this.total++;
    this.counts[r.reason] = (this.counts[r.reason] ?? 0) + 1;
    if (!this.file) return;
    if (!this.out) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this.out = fs.createWriteStream(this.file);
      this.out.write('line,reason,detail,raw\n');
    }
    this.out.write(`${r.line},${csvField(r.reason)},${csvField(r.detail ?? '')},${csvField(r.raw ?? '')}\n`);
  }

  /** Waits while the file's write buffer is full (call between batches: keeps memory flat). */
  async drain(): Promise<void> {
    const out = this.out;
    if (out && out.writableNeedDrain) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }

  /** Resolves once the file is flushed (or at once when nothing was rejected). */
  async close(): Promise<void> {
    const out = this.out;
    if (!out) return;
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }

  /** Whether the report file exists (something was rejected). */
  get written(): boolean {
    return this.out !== null;
  }
}
