/**
 * Streaming imports: `npm run crm -- import customers|products|orders|events FILE`.
 * CSV or JSON lines, gzip detected; batched multi-row upserts; rejected rows reported with reasons;
 * re-importing the same file changes nothing.
 */
import { ImportContext, IMPORT_KINDS, type ImportKind, type ImportOptions, type ImportReport } from './context';
import { importOrders } from './orders';
import { importProducts } from './products';
import { importCustomers } from './customers';
import { importEvents } from './events';

export { IMPORT_KINDS, ImportContext };
export type { ImportKind, ImportOptions, ImportReport };
export { openSource, detectFormat, type InputFormat, type SourceRecord } from './source';
export { RejectLog } from './rejects';
export { PRODUCT_CODE, RETAIL_COLUMNS, genericOrderSchema } from './orders';
export { toMinorUnits, toInstant, currencyDigits } from './values';

const importers: Record<ImportKind, (ctx: ImportContext) => Promise<void>> = {
  orders: importOrders,
  products: importProducts,
  customers: importCustomers,
  events: importEvents,
};

/** Runs one import to the end and returns its report (the rejected-rows file is flushed before). */
export async function runImport(options: ImportOptions): Promise<ImportReport> {
  const started = process.hrtime.bigint();
  const ctx = new ImportContext(options);
  try {
    await importers[options.kind](ctx);
  } finally {
    await ctx.rejects.close();
  }
  ctx.finishProgress();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    kind: options.kind,
    file: options.file,
    format: ctx.source.format,
    gzip: ctx.source.gzip,
    rows: ctx.rows,
    accepted: ctx.accepted,
    rejected: ctx.rejects.total,
    rejectedByReason: { ...ctx.rejects.counts },
    rejectsFile: ctx.rejects.written ? options.rejectsFile : null,
    entities: ctx.entities,
    seconds,
    rowsPerSecond: seconds > 0 ? ctx.rows / seconds : 0,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/** Human summary of a report (what the CLI prints). */
export function formatReport(r: ImportReport): string {
  const lines = [
    `${r.kind}: ${r.rows.toLocaleString('en')} rows read from ${r.file} (${r.format}${r.gzip ? ', gzip' : ''}) in ${r.seconds.toFixed(1)} s = ${Math.round(r.rowsPerSecond).toLocaleString('en')} rows/s; peak RSS ${r.peakRssMb.toFixed(0)} MB`,
    `accepted ${r.accepted.toLocaleString('en')}, rejected ${r.rejected.toLocaleString('en')}`,
  ];
  for (const [entity, c] of Object.entries(r.entities)) {
    lines.push(`  ${entity.padEnd(10)} inserted ${c.inserted.toLocaleString('en')}, updated ${c.updated.toLocaleString('en')}, unchanged ${c.unchanged.toLocaleString('en')}`);
  }
  const reasons = Object.entries(r.rejectedByReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) {
    lines.push('rejected rows by reason:');
    for (const [reason, n] of reasons) lines.push(`  ${reason.padEnd(24)} ${n.toLocaleString('en')}`);
    if (r.rejectsFile) lines.push(`rejected rows written to ${r.rejectsFile}`);
  }
  return lines.join('\n');
}
