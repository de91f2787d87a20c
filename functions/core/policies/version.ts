/** Client versions are dotted numbers ("4.1.2"); up to four parts, missing parts count as 0. */
const VERSION = /^\d{1,9}(?:\.\d{1,9}){0,3}$/;

export const parseClientVersion = (text: string): number[] | null => (VERSION.test(text) ? text.split('.').map(Number) : null);

export const isClientVersion = (text: string): boolean => VERSION.test(text);

/** True when `version` is older than `minimum`; a version that does not parse counts as older (it cannot enforce). */
export const isOlderThan = (version: string | undefined, minimum: readonly number[]): boolean => {
  const parts = version === undefined ? null : parseClientVersion(version);
  if (!parts) return true;
  for (let i = 0; i < 4; i++) {
    const a = parts[i] ?? 0;
    const b = minimum[i] ?? 0;
    if (a !== b) return a < b;
  }
  return false;
};
