import data from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import type { YearSchedule } from '#core/working-days';

/**
 * The State Council schedules the `chinese-days` package ships (2004 through its last known year).
 * Its own `isWorkday` treats later years as plain Mon-Fri without saying so; reading the data keeps
 * the covered years explicit.
 */
export const chineseDaysSchedules = (): YearSchedule[] => {
  const years = new Map<number, YearSchedule>();
  const yearOf = (day: string) => {
    const year = Number(day.slice(0, 4));
    if (!years.has(year)) years.set(year, { year, holidays: [], workdays: [] });
    return years.get(year)!;
  };
  for (const day of Object.keys(data.holidays)) yearOf(day).holidays.push(day);
  for (const day of Object.keys(data.workdays)) yearOf(day).workdays.push(day);
  return [...years.values()].sort((a, b) => a.year - b.year);
};
