import { describe, expect, it } from 'vitest';
import { allocationStatus, isRevocable, revocableUntil } from '#core/revocation';

describe('revocation window', () => {
  it('runs 7 x 24 h from the minute of allocation (the seed example)', () => {
    expect(revocableUntil(new Date('2022-01-01T14:38:59Z'))).toBe('2022-01-08T14:38:00Z');
    expect(revocableUntil(new Date('2022-01-01T14:38:00.000Z'))).toBe('2022-01-08T14:38:00Z');
  });

  it('is open until, not at, revocableUntil', () => {
    const until = '2022-01-08T14:38:00Z';
    expect(isRevocable(until, new Date('2022-01-08T14:37:00Z'))).toBe(true);
    expect(isRevocable(until, new Date('2022-01-08T14:37:59.999Z'))).toBe(true);
    expect(isRevocable(until, new Date('2022-01-08T14:38:00Z'))).toBe(false);
    expect(allocationStatus(until, new Date('2022-01-08T14:38:00Z'))).toBe('locked');
    expect(allocationStatus(until, new Date('2022-01-01T14:38:59Z'))).toBe('revocable');
  });
});
