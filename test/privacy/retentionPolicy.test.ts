import { parseConfig } from '../../config';
import { describeRetention, hasExpired, retentionCutoffs, retentionPolicyFromConfig, retentionPolicyFromDays, RETENTION_KINDS } from '../../crm/privacy';

const now = new Date('2026-12-07T12:00:00Z');
const daysBefore = (d: number) => new Date(now.getTime() - d * 86_400_000);

describe('retention policy (pure)', () => {
  it('defaults: transcripts 365 d, closed tickets 730 d, events 730 d, learned 365 d, audit 2555 d', () => {
    expect(retentionPolicyFromConfig(parseConfig({}))).toEqual({ transcripts: 365, closedTickets: 730, events: 730, learned: 365, audit: 2555 });
  });

  it('RETENTION_*_DAYS from the environment; 0 or blank keeps that kind forever; a bad value stops the start with its name', () => {
    const policy = retentionPolicyFromConfig(parseConfig({ RETENTION_TRANSCRIPTS_DAYS: '30', RETENTION_EVENTS_DAYS: '0', RETENTION_AUDIT_DAYS: '' }));
    expect(policy).toEqual({ transcripts: 30, closedTickets: 730, events: null, learned: 365, audit: null });
    expect(() => parseConfig({ RETENTION_LEARNED_DAYS: '-1' })).toThrow(/RETENTION_LEARNED_DAYS/);
    expect(() => parseConfig({ RETENTION_LEARNED_DAYS: 'a year' })).toThrow(/RETENTION_LEARNED_DAYS/);
  });

  it('cutoffs count back whole days from now; a kind kept forever has none', () => {
    const cutoffs = retentionCutoffs(retentionPolicyFromDays({ transcripts: 365, events: 0 }), now);
    expect(cutoffs.transcripts).toEqual(daysBefore(365));
    expect(cutoffs.closedTickets).toEqual(daysBefore(730));
    expect(cutoffs.events).toBeNull();
    expect(Object.keys(cutoffs).sort()).toEqual([...RETENTION_KINDS].sort());
  });

  it('expired means strictly older than the cutoff', () => {
    const policy = retentionPolicyFromDays({ transcripts: 10, events: 0 });
    expect(hasExpired(policy, 'transcripts', new Date(daysBefore(10).getTime() - 1), now)).toBe(true);
    expect(hasExpired(policy, 'transcripts', daysBefore(10), now)).toBe(false);
    expect(hasExpired(policy, 'transcripts', daysBefore(9), now)).toBe(false);
    // Kept forever: nothing expires, however old.
    expect(hasExpired(policy, 'events', new Date('1990-01-01T00:00:00Z'), now)).toBe(false);
  });

  it('refuses a negative or fractional number of days', () => {
    expect(() => retentionPolicyFromDays({ learned: -5 })).toThrow(RangeError);
    expect(() => retentionPolicyFromDays({ learned: 1.5 })).toThrow(RangeError);
  });

  it('describes a run per kind, saying what was done, would be done (dry run) or is kept forever', () => {
    const lines = describeRetention({
      at: now.toISOString(),
      dryRun: true,
      cutoffs: { transcripts: '2025-12-07T12:00:00.000Z', closedTickets: null, events: null, learned: null, audit: null },
      counts: { transcripts: 3, closedTickets: null, events: null, learned: null, audit: null },
    });
    expect(lines[0]).toBe('transcripts: 3 would be deleted (Direct Line transcripts and timeline messages), older than 2025-12-07T12:00:00.000Z');
    expect(lines[1]).toBe('closedTickets: kept forever');
  });
});
