/** CSV (RFC 4180) for report exports: pure, no I/O. */
import type { AgentFigures } from '../scores';
import { COMPONENT_KEYS } from '../scores';
import type { Ranking } from './types';

type Cell = string | number | null | undefined;

/**
 * One field: quoted when it holds a comma, quote or line break (quotes doubled). Text that a
 * spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe.
 */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows to CSV text: CRLF line ends, a trailing CRLF. */
export function toCsv(rows: Cell[][]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const FIGURE_COLUMNS: Array<keyof AgentFigures> = [
  'ticketsHandled',
  'firstResponseMedianSeconds',
  'firstResponseP90Seconds',
  'resolutionMedianSeconds',
  'resolutionP90Seconds',
  'slaCompliance',
  'csatAverage',
  'csatRatings',
  'csatResponseRate',
  'reopenRate',
  'transferRate',
  'sentimentChangeAverage',
];

const round = (v: number | null, digits = 4) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** The ranking as a table: rank, agent, email, composite, the points of every component, key figures. */
export function rankingCsv(ranking: Ranking): string {
  const header: Cell[] = ['period_start', 'period_end', 'rank', 'agent_id', 'agent', 'email', 'composite', ...COMPONENT_KEYS.map((k) => `points_${k}`), ...FIGURE_COLUMNS];
  const rows: Cell[][] = [header];
  for (const a of ranking.agents) {
    const points = new Map(a.components.map((c) => [c.key, c.included ? round(c.points, 2) : null]));
    rows.push([
      ranking.period?.start.toISOString(),
      ranking.period?.end.toISOString(),
      a.rank,
      a.agentId,
      a.displayName,
      a.email,
      a.composite,
      ...COMPONENT_KEYS.map((k) => points.get(k) ?? null),
      ...FIGURE_COLUMNS.map((f) => round(a.figures[f] as number | null)),
    ]);
  }
  return toCsv(rows);
}
