/**
 * Calendar periods in the support team's time zone (pure, no I/O): local days, ISO weeks (Monday
 * 00:00 to the next Monday 00:00) and calendar months as half-open UTC intervals [start, end).
 * DST-correct: a local day is whatever lies between two local midnights (23, 24 or 25 hours).
 * Days are written `YYYY-MM-DD`, always meaning a calendar date in the given zone.
 */
import type { Period } from '../scores/types';

export const DEFAULT_TIME_ZONE = 'UTC';

const DAY_MS = 86_400_000;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
/** An IANA name (Europe/Berlin, UTC, Etc/GMT+1), not an offset: PostgreSQL reads `+01:00` with the POSIX sign, Intl with ISO's. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, f);
  }
  return f;
}

/** The canonical IANA name of `zone` (`europe/berlin` → `Europe/Berlin`), or null when it is none. */
export function canonicalTimeZone(zone: string): string | null {
  if (!ZONE_NAME.test(zone)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(instant: Date, zone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const dayOf = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

function parseDay(day: string): { y: number; m: number; d: number } {
  const match = DAY_PATTERN.exec(day);
  if (!match) throw new RangeError(`not a calendar day (YYYY-MM-DD): ${day}`);
  return { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) };
}

/** The calendar day (`YYYY-MM-DD`) in `zone` at `instant`. */
export function localDay(instant: Date, zone: string): string {
  const p = localParts(instant, zone);
  return dayOf(p.year, p.month, p.day);
}

/** Calendar arithmetic on days (no zone involved): `addDays('2026-03-31', 1)` is `2026-04-01`. */
export function addDays(day: string, days: number): string {
  const { y, m, d } = parseDay(day);
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

/** 0 for Monday … 6 for Sunday. */
function isoWeekday(day: string): number {
  const { y, m, d } = parseDay(day);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/**
 * The first instant of a local day: its midnight, or (where a DST change skips midnight, as in
 * some zones that switch at 00:00) the first local time that exists on it.
 */
export function startOfDay(day: string, zone: string): Date {
  const { y, m, d } = parseDay(day);
  const asUtc = Date.UTC(y, m - 1, d);
  // Two rounds of "local wall time − offset" settle on midnight unless midnight falls in a gap.
  let t = asUtc;
  for (let i = 0; i < 2; i++) {
    const p = localParts(new Date(t), zone);
    const offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000;
    t = asUtc - offset;
  }
  if (localDay(new Date(t), zone) === day && localDay(new Date(t - 1), zone) < day) return new Date(t);
  // Midnight does not exist (or is repeated): search the first instant whose local day is `day`.
  let lo = asUtc - 15 * 3_600_000;
  let hi = asUtc + 15 * 3_600_000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDay(new Date(mid), zone) >= day) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/** One local calendar day. */
export function dayPeriod(day: string, zone: string): Period {
  return { start: startOfDay(day, zone), end: startOfDay(addDays(day, 1), zone) };
}

/** The ISO week (Monday to the next Monday, local midnights) containing `day`. */
export function weekPeriod(day: string, zone: string): Period {
  const monday = addDays(day, -isoWeekday(day));
  return { start: startOfDay(monday, zone), end: startOfDay(addDays(monday, 7), zone) };
}

/** The calendar month containing `day` (the 1st's local midnight to the next month's). */
export function monthPeriod(day: string, zone: string): Period {
  const { y, m } = parseDay(day);
  const next = m === 12 ? dayOf(y + 1, 1, 1) : dayOf(y, m + 1, 1);
  return { start: startOfDay(dayOf(y, m, 1), zone), end: startOfDay(next, zone) };
}

export type CalendarGranularity = 'day' | 'week' | 'month';

/** The whole day, ISO week or month in `zone` before the one containing `now` (the nightly job's "yesterday"). */
export function previousPeriod(granularity: CalendarGranularity, now: Date, zone: string): Period {
  const today = localDay(now, zone);
  if (granularity === 'day') return dayPeriod(addDays(today, -1), zone);
  if (granularity === 'week') return weekPeriod(addDays(today, -7), zone);
  const { y, m } = parseDay(today);
  return monthPeriod(m === 1 ? dayOf(y - 1, 12, 1) : dayOf(y, m - 1, 1), zone);
}

/** The last `days` local days, today included. */
export function lastDays(now: Date, days: number, zone: string): Period {
  const today = localDay(now, zone);
  return { start: startOfDay(addDays(today, 1 - days), zone), end: startOfDay(addDays(today, 1), zone) };
}

/** The local days (`YYYY-MM-DD`) a period touches, in order. */
export function daysOf(period: Period, zone: string): string[] {
  if (period.end.getTime() <= period.start.getTime()) return [];
  const last = localDay(new Date(period.end.getTime() - 1), zone);
  const days: string[] = [];
  for (let d = localDay(period.start, zone); d <= last; d = addDays(d, 1)) days.push(d);
  return days;
}

const samePeriod = (a: Period, b: Period) => a.start.getTime() === b.start.getTime() && a.end.getTime() === b.end.getTime();

/** `day`, `week` or `month` when the period is exactly one local day, ISO week or calendar month in `zone`; else `custom`. */
export function calendarKind(period: Period, zone: string): CalendarGranularity | 'custom' {
  const first = localDay(period.start, zone);
  if (samePeriod(period, dayPeriod(first, zone))) return 'day';
  if (samePeriod(period, weekPeriod(first, zone))) return 'week';
  if (samePeriod(period, monthPeriod(first, zone))) return 'month';
  return 'custom';
}
