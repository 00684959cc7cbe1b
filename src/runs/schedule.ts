/**
 * The timer's NCRONTAB schedule (`{second} {minute} {hour} {day} {month} {day-of-week}`, UTC),
 * checked with cron-parser before registration so a typo is reported by name instead of the host
 * refusing to index the function.
 */
import { CronExpressionParser } from 'cron-parser';

export const DEFAULT_TIMER_SCHEDULE = '0 0 2 * * *';

export type ScheduleCheck = { ok: true; next: Date } | { ok: false; problem: string };

export function checkSchedule(schedule: string, from: Date = new Date()): ScheduleCheck {
  const fields = schedule.trim().split(/\s+/);
  // cron-parser also reads 5-field cron, which the Functions host rejects: insist on six.
  if (fields.length !== 6) {
    return {
      ok: false,
      problem: `SYNC_TIMER_SCHEDULE must have six fields ({second} {minute} {hour} {day} {month} {day-of-week}), got ${fields.length}: "${schedule}"`,
    };
  }
  try {
    const next = CronExpressionParser.parse(fields.join(' '), { tz: 'UTC', currentDate: from })
      .next()
      .toDate();
    return { ok: true, next };
  } catch (error) {
    return {
      ok: false,
      problem: `SYNC_TIMER_SCHEDULE "${schedule}" is not a valid NCRONTAB expression: ${(error as Error).message}`,
    };
  }
}
