/**
 * Retention policy (pure): how long each kind of personal data is kept, and, given a moment, the
 * cutoff before which a kind has expired. No I/O: crm/privacy/retention.ts applies the cutoffs.
 */

/** The kinds of data retention applies to, and what happens to an expired one. */
export const RETENTION_KINDS = ['transcripts', 'closedTickets', 'events', 'learned', 'audit'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** What retention does to an expired row of each kind (for reports and the CLI). */
export const RETENTION_ACTIONS: Record<RetentionKind, string> = {
  transcripts: 'deleted (Direct Line transcripts and timeline messages)',
  closedTickets: 'anonymised (subject, summary, entities and CSAT comment stripped; the ticket and its events stay for reports and scores)',
  events: 'deleted (behavioural events)',
  learned: 'deleted (learned profiles not updated since, and intent labels learned from messages)',
  audit: 'deleted (audit log entries, through audit_log_purge)',
};

/** Days to keep each kind; null keeps it forever. */
export type RetentionPolicy = Record<RetentionKind, number | null>;

export const DEFAULT_RETENTION_DAYS: Record<RetentionKind, number> = { transcripts: 365, closedTickets: 730, events: 730, learned: 365, audit: 2555 };

const DAY_MS = 86_400_000;

/** The policy from configuration's day counts: 0 keeps a kind forever. */
export function retentionPolicyFromDays(days: Partial<Record<RetentionKind, number>>): RetentionPolicy {
  const policy = {} as RetentionPolicy;
  for (const kind of RETENTION_KINDS) {
    const d = days[kind] ?? DEFAULT_RETENTION_DAYS[kind];
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`retention of ${kind} must be a whole number of days ≥ 0, got ${d}`);
    policy[kind] = d === 0 ? null : d;
  }
  return policy;
}

/** The policy of a parsed configuration (config/index.ts RETENTION_*_DAYS). */
export function retentionPolicyFromConfig(c: {
  RETENTION_TRANSCRIPTS_DAYS: number;
  RETENTION_CLOSED_TICKETS_DAYS: number;
  RETENTION_EVENTS_DAYS: number;
  RETENTION_LEARNED_DAYS: number;
  RETENTION_AUDIT_DAYS: number;
}): RetentionPolicy {
  return retentionPolicyFromDays({
    transcripts: c.RETENTION_TRANSCRIPTS_DAYS,
    closedTickets: c.RETENTION_CLOSED_TICKETS_DAYS,
    events: c.RETENTION_EVENTS_DAYS,
    learned: c.RETENTION_LEARNED_DAYS,
    audit: c.RETENTION_AUDIT_DAYS,
  });
}

/**
 * Per kind, the instant before which its data has expired at `now` (strictly older goes), or null
 * for a kind kept forever.
 */
export function retentionCutoffs(policy: RetentionPolicy, now: Date): Record<RetentionKind, Date | null> {
  const out = {} as Record<RetentionKind, Date | null>;
  for (const kind of RETENTION_KINDS) {
    const days = policy[kind];
    out[kind] = days === null ? null : new Date(now.getTime() - days * DAY_MS);
  }
  return out;
}

/** Whether a row of `kind` dated `at` has expired at `now` under `policy`. */
export function hasExpired(policy: RetentionPolicy, kind: RetentionKind, at: Date, now: Date): boolean {
  const cutoff = retentionCutoffs(policy, now)[kind];
  return cutoff !== null && at.getTime() < cutoff.getTime();
}

/** What one run did (or, dry, would do): rows per kind; `kept forever` kinds are null. */
export type RetentionCounts = Record<RetentionKind, number | null>;

export interface RetentionReport {
  at: string;
  dryRun: boolean;
  cutoffs: Record<RetentionKind, string | null>;
  counts: RetentionCounts;
}

/** One line per kind, as the CLI and the job's log say it ("transcripts: 3 deleted …, older than 2025-12-07"). */
export function describeRetention(report: RetentionReport): string[] {
  return RETENTION_KINDS.map((kind) => {
    const cutoff = report.cutoffs[kind];
    if (cutoff === null) return `${kind}: kept forever`;
    const n = report.counts[kind] ?? 0;
    return `${kind}: ${n} ${report.dryRun ? 'would be ' : ''}${RETENTION_ACTIONS[kind]}, older than ${cutoff}`;
  });
}
