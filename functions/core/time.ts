/** Instants travel as RFC 3339 UTC strings with second precision, e.g. `2026-01-01T06:38:00Z`. */
export type Instant = string;

/** Sorts after every real instant: "no boundary ahead". */
export const FAR_FUTURE: Instant = '9999-12-31T23:59:59Z';

export const formatInstant = (date: Date): Instant => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export const toDate = (instant: Instant): Date => new Date(instant);

const MINUTE_MS = 60_000;

export const truncateToMinute = (date: Date): Date =>
  new Date(Math.floor(date.getTime() / MINUTE_MS) * MINUTE_MS);

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * ISO 8601 durations made of weeks, days, hours, minutes and seconds (`P7D`, `PT36H`).
 * Years and months are refused: their length depends on the calendar position.
 */
export const parseDurationMs = (text: string): number | null => {
  const match = DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return null;
  const [, weeks, days, hours, minutes, seconds] = match;
  const n = (value: string | undefined) => (value ? Number(value) : 0);
  return ((((n(weeks) * 7 + n(days)) * 24 + n(hours)) * 60 + n(minutes)) * 60 + n(seconds)) * 1000;
};
