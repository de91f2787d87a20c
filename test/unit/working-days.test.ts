import { describe, expect, it } from 'vitest';
import { chineseDaysSchedules } from '#adapters/calendar/chinese-days-schedule';
import { dueAfterWorkingDays, isWorkingDay, workCalendar } from '#core/working-days';

/*
 * The official 2026 schedule (State Council, 国办发明电〔2025〕7号): New Year Jan 1-3 off, Sun Jan 4
 * worked; Spring Festival Feb 15-23 off, Sat Feb 14 and Sat Feb 28 worked; Qingming Apr 4-6;
 * Labour Day May 1-5 off, Sat May 9 worked; Dragon Boat Jun 19-21; Mid-Autumn Sep 25-27;
 * National Day Oct 1-7 off, Sun Sep 20 and Sat Oct 10 worked. Due = 23:59:59 Shanghai = 15:59:59Z.
 */
const calendar = workCalendar(chineseDaysSchedules());

describe('invoice due dates: 7 mainland-China working days', () => {
  const cases: [string, string, string, boolean][] = [
    // Wed Sep 30 -> Oct 1-7 off; Oct 8 (1), 9 (2), Sat Oct 10 make-up (3), 12 (4), 13 (5), 14 (6), 15 (7).
    ['2026-09-30T02:00:00Z', 'the day before National Day', '2026-10-15T15:59:59Z', false],
    // Fri Oct 9 -> Sat Oct 10 make-up (1), Oct 12 (2), 13 (3), 14 (4), 15 (5), 16 (6), Mon Oct 19 (7).
    ['2026-10-09T03:00:00Z', 'the Friday before the Oct 10 make-up Saturday', '2026-10-19T15:59:59Z', false],
    // Fri Feb 13 -> Sat Feb 14 make-up (1), Feb 15-23 off, Feb 24 (2), 25 (3), 26 (4), 27 (5),
    // Sat Feb 28 make-up (6), Mon Mar 2 (7).
    ['2026-02-13T02:00:00Z', 'the Friday before Spring Festival', '2026-03-02T15:59:59Z', false],
    // Tue Mar 10 -> Mar 11, 12, 13, 16, 17, 18, 19.
    ['2026-03-10T02:00:00Z', 'an ordinary Tuesday', '2026-03-19T15:59:59Z', false],
    // Sat Mar 14 -> Mon Mar 16 (1) ... Fri Mar 20 (5), Mon 23 (6), Tue 24 (7).
    ['2026-03-14T02:00:00Z', 'a Saturday', '2026-03-24T15:59:59Z', false],
    // 15:30Z on Fri Mar 13 is 23:30 Friday in Shanghai: counted from Friday -> Mar 16 ... Mar 24.
    ['2026-03-13T15:30:00Z', 'Friday 23:30 in Shanghai (15:30Z)', '2026-03-24T15:59:59Z', false],
    // 15:30Z on Thu Mar 12 is still Thursday there: Mar 13 (1), 16, 17, 18, 19 (5), 20 (6), Mon 23 (7) ...
    ['2026-03-12T15:30:00Z', 'Thursday 23:30 in Shanghai', '2026-03-23T15:59:59Z', false],
    // ... while 16:30Z the same UTC day is already Friday 00:30 there, one working day later.
    ['2026-03-12T16:30:00Z', 'Friday 00:30 in Shanghai (Thursday 16:30Z)', '2026-03-24T15:59:59Z', false],
    // 2027 has no schedule yet: weekday rule, Wed Mar 10 -> Mar 11, 12, 15, 16, 17, 18, 19; provisional.
    ['2027-03-10T02:00:00Z', 'a date in 2027 (no schedule yet)', '2027-03-19T15:59:59Z', true],
    // Mon Dec 28, 2026 -> Dec 29, 30, 31, then 2027 by the weekday rule: Fri Jan 1, Jan 4, 5, 6; provisional.
    ['2026-12-28T02:00:00Z', 'a request whose count runs into 2027', '2027-01-06T15:59:59Z', true],
  ];
  for (const [requestedAt, what, dueBy, provisional] of cases) {
    it(`${what}: ${requestedAt} -> ${dueBy}${provisional ? ' (provisional)' : ''}`, () => {
      expect(dueAfterWorkingDays(new Date(requestedAt), calendar)).toEqual({ dueBy, provisional });
    });
  }

  it('recomputes a provisional date once the year is loaded', () => {
    // An operator loads 2027 with New Year's Day off: Dec 29, 30, 31, Jan 4, 5, 6, 7.
    const loaded = workCalendar([...chineseDaysSchedules(), { year: 2027, holidays: ['2027-01-01'], workdays: [] }]);
    expect(dueAfterWorkingDays(new Date('2026-12-28T02:00:00Z'), loaded)).toEqual({ dueBy: '2027-01-07T15:59:59Z', provisional: false });
  });

  it('lets a loaded schedule correct the library for a year it knows', () => {
    const corrected = workCalendar([...chineseDaysSchedules(), { year: 2026, holidays: ['2026-03-16'], workdays: [] }]);
    expect(isWorkingDay('2026-03-16', calendar)).toBe(true);
    expect(isWorkingDay('2026-03-16', corrected)).toBe(false);
    expect(isWorkingDay('2026-10-10', corrected)).toBe(false);
  });

  it('knows the 2026 make-up days and holidays from the library', () => {
    expect(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'].every((d) => isWorkingDay(d, calendar))).toBe(true);
    expect(['2026-01-02', '2026-02-16', '2026-10-01', '2026-10-07'].some((d) => isWorkingDay(d, calendar))).toBe(false);
    expect(calendar.knownYears.has(2026)).toBe(true);
    expect(calendar.knownYears.has(2027)).toBe(false);
  });
});

describe('a year schedule as operators load it', () => {
  it('accepts a well-formed year and refuses days of another year or a day that is both', async () => {
    const { yearSchedule } = await import('#commons/schemas');
    expect(yearSchedule.safeParse({ year: 2027, holidays: ['2027-01-01'], workdays: ['2027-02-06'] }).success).toBe(true);
    const wrong = yearSchedule.safeParse({ year: 2027, holidays: ['2026-12-31', '2027-02-30'], workdays: ['2027-01-01', '2027-01-01x'] });
    expect(wrong.success).toBe(false);
    const paths = wrong.error!.issues.map((issue) => issue.path.join('/'));
    expect(paths).toEqual(expect.arrayContaining(['holidays/0', 'holidays/1', 'workdays/1']));
    const both = yearSchedule.safeParse({ year: 2027, holidays: ['2027-01-01'], workdays: ['2027-01-01'] });
    expect(both.error!.issues[0]!.message).toMatch(/Both a holiday and a working day/);
  });
});
