import { formatInstant, type Instant } from './time.ts';

/** One year of the State Council schedule: days off that would be working days, and make-up working days (调休). */
export type YearSchedule = { year: number; holidays: string[]; workdays: string[] };

export type WorkCalendar = { knownYears: ReadonlySet<number>; holidays: ReadonlySet<string>; workdays: ReadonlySet<string> };

/** Later schedules of the same year replace earlier ones, so an operator's correction wins over the library. */
export const workCalendar = (schedules: readonly YearSchedule[]): WorkCalendar => {
  const byYear = new Map(schedules.map((schedule) => [schedule.year, schedule]));
  return {
    knownYears: new Set(byYear.keys()),
    holidays: new Set([...byYear.values()].flatMap((s) => s.holidays)),
    workdays: new Set([...byYear.values()].flatMap((s) => s.workdays)),
  };
};

const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `YYYY-MM-DD` of an instant in Asia/Shanghai (UTC+8 all year, no daylight saving). */
export const shanghaiDay = (at: Date): string => new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);

const nextDay = (day: string): string => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** A day is worked unless the schedule gives it off; weekends are off unless the schedule makes them up. */
export const isWorkingDay = (day: string, calendar: WorkCalendar): boolean => {
  if (calendar.holidays.has(day)) return false;
  if (calendar.workdays.has(day)) return true;
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
};

export type DueDate = { dueBy: Instant; provisional: boolean };

/**
 * The end (23:59:59 Asia/Shanghai, as UTC) of the `workingDays`-th working day after the Shanghai
 * calendar day of `requestedAt`. Provisional when any day counted lies in a year the calendar does
 * not know: those days follow the plain weekday rule until the year's schedule is loaded.
 */
export const dueAfterWorkingDays = (requestedAt: Date, calendar: WorkCalendar, workingDays = 7): DueDate => {
  let day = shanghaiDay(requestedAt);
  let provisional = false;
  for (let counted = 0; counted < workingDays; ) {
    day = nextDay(day);
    if (!calendar.knownYears.has(Number(day.slice(0, 4)))) provisional = true;
    if (isWorkingDay(day, calendar)) counted += 1;
  }
  const endOfDay = Date.parse(`${day}T23:59:59Z`) - SHANGHAI_OFFSET_MS;
  return { dueBy: formatInstant(new Date(endOfDay)), provisional };
};
