import { describe, expect, it } from 'vitest';
import { formatInstant, parseDurationMs } from '#core/time';

describe('durations and instants', () => {
  it('parses the contract durations', () => {
    expect(parseDurationMs('P7D')).toBe(7 * 86_400_000);
    expect(parseDurationMs('PT36H')).toBe(36 * 3_600_000);
    expect(parseDurationMs('P1DT1M30S')).toBe(86_400_000 + 90_000);
    expect(parseDurationMs('P1W')).toBe(7 * 86_400_000);
  });

  it('refuses calendar-dependent or malformed durations', () => {
    for (const bad of ['P', 'PT', 'P1M', 'P1Y', '7D', 'P-1D', '']) expect(parseDurationMs(bad)).toBeNull();
  });

  it('formats instants in UTC with Z and whole seconds', () => {
    expect(formatInstant(new Date('2026-01-01T06:38:00.123Z'))).toBe('2026-01-01T06:38:00Z');
  });
});
