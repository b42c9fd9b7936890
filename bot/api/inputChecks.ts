/**
 * Pure checks for hostile input: characters PostgreSQL cannot store (NUL, lone UTF-16 surrogates),
 * JSON nested deep enough to exhaust the stack of whatever walks it later, and timestamps outside
 * the range the database and the reports make sense of. No I/O: the middleware in inputGuards.ts
 * turns a finding into a 400 before anything is written.
 */

/** Deeper JSON than any client of ours sends; each level costs stack in zod, pg and JSON.stringify. */
export const MAX_JSON_DEPTH = 64;

export type HostileCharacter = 'NUL character (\\u0000)' | 'lone UTF-16 surrogate';

/** The first character PostgreSQL's text and jsonb refuse, or undefined when the string is storable. */
export function hostileCharacterIn(s: string): HostileCharacter | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return 'NUL character (\\u0000)';
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return 'lone UTF-16 surrogate';
    }
    if (c >= 0xdc00 && c <= 0xdfff) return 'lone UTF-16 surrogate';
  }
  return undefined;
}

export interface HostileValueFinding {
  /** Where, as a dotted path from the root (`text`, `value.items.0.name`); the root itself is ''. */
  field: string;
  problem: HostileCharacter;
}

/**
 * The first string (value or object key) in a parsed JSON value or query that holds a hostile
 * character. Iterative, so a deep value cannot overflow the stack here either.
 */
export function findHostileString(root: unknown): HostileValueFinding | undefined {
  // Each entry points at its parent: the path is built only when something is found (copying it per
  // level would make a deep value quadratic).
  interface Entry { value: unknown; key?: string; parent?: Entry }
  const pathOf = (e: Entry | undefined, last?: string) => {
    const keys: string[] = last === undefined ? [] : [last];
    for (let at = e; at?.key !== undefined; at = at.parent) keys.push(at.key);
    return keys.reverse().join('.');
  };
  const stack: Entry[] = [{ value: root }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const { value } = entry;
    if (typeof value === 'string') {
      const problem = hostileCharacterIn(value);
      if (problem) return { field: pathOf(entry), problem };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: String(i), parent: entry });
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i];
        const problem = hostileCharacterIn(key);
        // The key is named escaped: echoing the raw character back would carry it on.
        if (problem) return { field: pathOf(entry, JSON.stringify(key).slice(1, -1)), problem };
        stack.push({ value: child, key, parent: entry });
      }
    }
  }
  return undefined;
}

/**
 * Whether JSON text nests objects and arrays deeper than `max`, by counting brackets outside strings
 * on the raw bytes: the deep value is refused before JSON.parse builds it.
 */
export function jsonNestsDeeperThan(text: Uint8Array | string, max: number): boolean {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped byte (a quote or another backslash)
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) {
      inString = true;
    } else if (b === 0x5b || b === 0x7b) {
      if (++depth > max) return true;
    } else if (b === 0x5d || b === 0x7d) {
      depth--;
    }
  }
  return false;
}

export interface TimestampRange {
  earliest: Date;
  latest: Date;
}

/** The instants any stored timestamp may hold: no year 0000 (PostgreSQL has none), none past 9999. */
export const STORABLE_TIMESTAMPS: TimestampRange = {
  earliest: new Date('1970-01-01T00:00:00Z'),
  latest: new Date('9999-12-31T23:59:59.999Z'),
};

/**
 * Why a timestamp string is refused (unparseable, or outside the range), or undefined when it is
 * fine. ISO 8601 with a 4-digit year only: `Date.parse` alone accepts much more than clients mean.
 */
export function timestampProblem(value: string, range: TimestampRange = STORABLE_TIMESTAMPS): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) return 'is not an ISO 8601 date-time with an offset';
  const at = Date.parse(value);
  if (Number.isNaN(at)) return 'is not a valid date-time';
  if (at < range.earliest.getTime() || at > range.latest.getTime()) return `is out of range (${range.earliest.toISOString()} to ${range.latest.toISOString()})`;
  return undefined;
}
