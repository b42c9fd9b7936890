/** Parsing of field values shared by the importers. Each returns null when the value is unusable. */

const digitsCache = new Map<string, number>();

/** Minor-unit digits of an ISO 4217 currency (2 for GBP, 0 for JPY); null for an unknown code. */
export function currencyDigits(currency: string): number | null {
  const cached = digitsCache.get(currency);
  if (cached !== undefined) return cached;
  if (!/^[A-Z]{3}$/.test(currency)) return null;
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, digits);
    return digits;
  } catch {
    return null;
  }
}

/**
 * A decimal amount ("2.55", 2.55) in minor units (255), without floating-point drift. More decimals than
 * the currency has are rounded half away from zero (the source data has a few prices like 0.001... that
 * are not real prices; such values round to 0 and are then rejected as non-positive).
 */
export function toMinorUnits(value: unknown, digits: number): number | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  if (m[4]) {
    const n = Number(text);
    return Number.isFinite(n) ? Math.round(n * 10 ** digits) : null;
  }
  const sign = m[1] === '-' ? -1 : 1;
  const whole = m[2] || '0';
  const frac = (m[3] ?? '').padEnd(digits + 1, '0');
  const minor = Number(whole) * 10 ** digits + Number(frac.slice(0, digits) || '0');
  const roundUp = Number(frac[digits]) >= 5 ? 1 : 0;
  const result = sign * (minor + roundUp);
  return Number.isSafeInteger(result) ? result : null;
}

/** An integer from a string or number; null when not an integer. */
export function toInteger(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

const offsetCache = new Map<string, number>();

/** Offset (ms) of a time zone at a UTC instant. */
function zoneOffsetMs(timeZone: string, utcMs: number): number {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  const parts = Object.fromEntries(fmt.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/**
 * A timestamp: ISO 8601 with an offset is taken as is; a local "YYYY-MM-DD[ T]HH:MM[:SS]" is read in
 * `timeZone` (IANA name). Null when unparseable.
 */
export function toInstant(value: unknown, timeZone = 'UTC'): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/.exec(text);
  if (!m) {
    if (!/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(text)) return null;
    const d = new Date(text);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const [y, mo, d, h, mi, s, ms] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0', (m[7] ?? '0').padEnd(3, '0')].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const naive = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (new Date(naive).getUTCDate() !== d) return null; // 2011-02-30
  if (timeZone === 'UTC') return new Date(naive);
  // Two passes settle DST edges; the offset is cached per zone and local hour.
  const key = `${timeZone}|${text.slice(0, 13)}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    offset = zoneOffsetMs(timeZone, naive);
    offset = zoneOffsetMs(timeZone, naive - offset);
    if (offsetCache.size > 50_000) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return new Date(naive - offset);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export function str(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value.trim() : String(value).trim();
}

/** true/false from booleans and the usual strings; null when absent or unclear. */
export function toBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  const t = str(value).toLowerCase();
  if (['true', '1', 'yes', 'y'].includes(t)) return true;
  if (['false', '0', 'no', 'n'].includes(t)) return false;
  return null;
}
