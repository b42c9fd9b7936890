/**
 * A small progress bar on stderr: bytes of the input read (so it works on gzip files too), rows,
 * rows per second. On a terminal it redraws one line; otherwise it prints a line every 10 %.
 */
export interface ProgressBar {
  update(bytesRead: number, rows: number): void;
  finish(bytesRead: number, rows: number): void;
}

export function progressBar(label: string, totalBytes: number, stream: NodeJS.WriteStream | null = process.stderr): ProgressBar {
  const started = Date.now();
  const tty = Boolean(stream?.isTTY);
  let lastDraw = 0;
  let lastDecile = -1;
  const width = 30;
  function line(bytes: number, rows: number): string {
    const fraction = totalBytes > 0 ? Math.min(1, bytes / totalBytes) : 0;
    const filled = Math.round(fraction * width);
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(rows / seconds) : 0;
    const eta = fraction > 0.01 ? Math.max(0, Math.round(seconds / fraction - seconds)) : null;
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}% ${rows.toLocaleString('en')} rows ${rate.toLocaleString('en')} rows/s${eta === null ? '' : ` eta ${eta}s`}`;
  }
  return {
    update(bytes, rows) {
      if (!stream) return;
      const now = Date.now();
      if (tty) {
        if (now - lastDraw < 100) return;
        lastDraw = now;
        stream.write(`\r${line(bytes, rows)}\x1b[K`);
      } else {
        const decile = totalBytes > 0 ? Math.floor((bytes / totalBytes) * 10) : 0;
        if (decile <= lastDecile) return;
        lastDecile = decile;
        stream.write(`${line(bytes, rows)}\n`);
      }
    },
    finish(bytes, rows) {
      if (!stream) return;
      stream.write(tty ? `\r${line(bytes, rows)}\x1b[K\n` : `${line(bytes, rows)}\n`);
    },
  };
}
