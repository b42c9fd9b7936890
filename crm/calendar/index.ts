/** crm/calendar: days, ISO weeks and months in the support team's time zone (SUPPORT_TIME_ZONE), DST-correct. Pure. */
export {
  DEFAULT_TIME_ZONE,
  canonicalTimeZone,
  localDay,
  addDays,
  startOfDay,
  dayPeriod,
  weekPeriod,
  monthPeriod,
  previousPeriod,
  lastDays,
  daysOf,
  calendarKind,
} from './zoned';
export type { CalendarGranularity } from './zoned';
