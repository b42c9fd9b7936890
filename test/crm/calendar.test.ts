import { addDays, calendarKind, canonicalTimeZone, dayPeriod, daysOf, lastDays, localDay, monthPeriod, previousPeriod, startOfDay, weekPeriod } from '../../crm/calendar';

const at = (iso: string) => new Date(iso);
const period = (start: string, end: string) => ({ start: at(start), end: at(end) });
const HOUR = 3_600_000;
const hours = (p: { start: Date; end: Date }) => (p.end.getTime() - p.start.getTime()) / HOUR;

/** Calendar periods in the support team's zone (crm/calendar): pure, no servers. */
describe('support time zone calendar (crm/calendar)', () => {
  it('accepts IANA names (canonicalised), refuses offsets and unknown zones', () => {
    expect(canonicalTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Etc/GMT+1')).toBe('Etc/GMT+1');
    expect(canonicalTimeZone('+01:00')).toBeNull();
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeNull();
    expect(canonicalTimeZone('')).toBeNull();
  });

  it('a local day in Europe/Berlin runs from local midnight to local midnight, 24 hours on ordinary days', () => {
    expect(dayPeriod('2026-11-21', 'Europe/Berlin')).toEqual(period('2026-11-20T23:00:00Z', '2026-11-21T23:00:00Z')); // CET, UTC+1
    expect(dayPeriod('2026-07-01', 'Europe/Berlin')).toEqual(period('2026-06-30T22:00:00Z', '2026-07-01T22:00:00Z')); // CEST, UTC+2
    expect(localDay(at('2026-11-20T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-21');
    expect(localDay(at('2026-11-20T22:59:59.999Z'), 'Europe/Berlin')).toBe('2026-11-20');
  });

  it('DST days in Europe/Berlin: 23 hours in spring (29 March 2026), 25 in autumn (25 October 2026)', () => {
    const spring = dayPeriod('2026-03-29', 'Europe/Berlin');
    expect(spring).toEqual(period('2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z'));
    expect(hours(spring)).toBe(23);
    const autumn = dayPeriod('2026-10-25', 'Europe/Berlin');
    expect(autumn).toEqual(period('2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z'));
    expect(hours(autumn)).toBe(25);
    // Days tile: each one ends where the next begins.
    expect(dayPeriod('2026-03-28', 'Europe/Berlin').end).toEqual(spring.start);
    expect(dayPeriod('2026-03-30', 'Europe/Berlin').start).toEqual(spring.end);
    expect(calendarKind(spring, 'Europe/Berlin')).toBe('day');
    expect(calendarKind(autumn, 'Europe/Berlin')).toBe('day');
    // The same 23 hours are no day in UTC, and a UTC day is none in Berlin.
    expect(calendarKind(spring, 'UTC')).toBe('custom');
    expect(calendarKind(period('2026-03-29T00:00:00Z', '2026-03-30T00:00:00Z'), 'Europe/Berlin')).toBe('custom');
  });

  it('Asia/Shanghai has no DST: every day is 24 hours from 16:00 UTC', () => {
    for (const day of ['2026-01-15', '2026-03-29', '2026-07-01', '2026-10-25']) {
      const p = dayPeriod(day, 'Asia/Shanghai');
      expect(p.start).toEqual(at(`${addDays(day, -1)}T16:00:00Z`));
      expect(hours(p)).toBe(24);
    }
    // 23:30 UTC is already the next morning in Shanghai.
    expect(localDay(at('2026-06-14T23:30:00Z'), 'Asia/Shanghai')).toBe('2026-06-15');
    expect(localDay(at('2026-06-14T23:30:00Z'), 'UTC')).toBe('2026-06-14');
  });

  it('ISO weeks start on Monday at local midnight; the DST week is 167 hours', () => {
    // Sunday 29 March 2026 lies in the week of Monday 23 March.
    const week = weekPeriod('2026-03-29', 'Europe/Berlin');
    expect(week).toEqual(period('2026-03-22T23:00:00Z', '2026-03-29T22:00:00Z'));
    expect(hours(week)).toBe(7 * 24 - 1);
    expect(weekPeriod('2026-03-23', 'Europe/Berlin')).toEqual(week);
    expect(calendarKind(week, 'Europe/Berlin')).toBe('week');
    expect(weekPeriod('2026-11-22', 'UTC')).toEqual(period('2026-11-16T00:00:00Z', '2026-11-23T00:00:00Z'));
    // Seven days from a Tuesday are no ISO week.
    expect(calendarKind(period('2026-11-17T00:00:00Z', '2026-11-24T00:00:00Z'), 'UTC')).toBe('custom');
  });

  it('months run from the 1st to the next 1st, local midnights (March 2026 in Berlin is 743 hours)', () => {
    const march = monthPeriod('2026-03-17', 'Europe/Berlin');
    expect(march).toEqual(period('2026-02-28T23:00:00Z', '2026-03-31T22:00:00Z'));
    expect(hours(march)).toBe(31 * 24 - 1);
    expect(calendarKind(march, 'Europe/Berlin')).toBe('month');
    expect(monthPeriod('2026-12-31', 'Asia/Shanghai')).toEqual(period('2026-11-30T16:00:00Z', '2026-12-31T16:00:00Z'));
  });

  it('previous day, week and month before an instant, in the zone (the nightly job at 02:00 local)', () => {
    const berlinNight = at('2026-03-30T00:00:00Z'); // 02:00 CEST on Monday 30 March
    expect(previousPeriod('day', berlinNight, 'Europe/Berlin')).toEqual(dayPeriod('2026-03-29', 'Europe/Berlin'));
    expect(previousPeriod('week', berlinNight, 'Europe/Berlin')).toEqual(weekPeriod('2026-03-23', 'Europe/Berlin'));
    expect(previousPeriod('month', berlinNight, 'Europe/Berlin')).toEqual(monthPeriod('2026-02-01', 'Europe/Berlin'));
    // The same instant in UTC is still Sunday: its previous day is Saturday.
    expect(previousPeriod('day', berlinNight, 'UTC')).toEqual(period('2026-03-29T00:00:00Z', '2026-03-30T00:00:00Z'));
    expect(previousPeriod('month', at('2026-01-10T12:00:00Z'), 'UTC')).toEqual(period('2025-12-01T00:00:00Z', '2026-01-01T00:00:00Z'));
    // Shanghai at 02:00 local (18:00 UTC the day before).
    expect(previousPeriod('day', at('2026-06-14T18:00:00Z'), 'Asia/Shanghai')).toEqual(period('2026-06-13T16:00:00Z', '2026-06-14T16:00:00Z'));
  });

  it('the last N days (today included) and the days a period touches, across a DST change', () => {
    const now = at('2026-03-30T10:00:00Z');
    const recent = lastDays(now, 3, 'Europe/Berlin');
    expect(recent).toEqual(period('2026-03-27T23:00:00Z', '2026-03-30T22:00:00Z'));
    expect(daysOf(recent, 'Europe/Berlin')).toEqual(['2026-03-28', '2026-03-29', '2026-03-30']);
    expect(daysOf(recent, 'UTC')).toEqual(['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30']);
    expect(daysOf(period('2026-03-30T00:00:00Z', '2026-03-30T00:00:00Z'), 'UTC')).toEqual([]);
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });

  it('a day whose midnight does not exist starts at its first local time (America/Santiago, 6 September 2026)', () => {
    // Chile moves its clocks from 00:00 to 01:00: the day starts at 01:00 -03, i.e. 04:00 UTC.
    const p = dayPeriod('2026-09-06', 'America/Santiago');
    expect(p.start).toEqual(at('2026-09-06T04:00:00Z'));
    expect(hours(p)).toBe(23);
    expect(startOfDay('2026-09-05', 'America/Santiago')).toEqual(at('2026-09-05T04:00:00Z'));
  });
});
