import { formatInstant, truncateToMinute, type Instant } from './time.ts';

/** An admin may take a seat back during the first 7 x 24 h of an allocation, counted from the minute. */
export const REVOCATION_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

export type AllocationStatus = 'revocable' | 'locked';

/** Allocated 2022-01-01 14:38:59 -> removable until (not at) 2022-01-08 14:38:00. */
export const revocableUntil = (allocatedAt: Date): Instant =>
  formatInstant(new Date(truncateToMinute(allocatedAt).getTime() + REVOCATION_WINDOW_MS));

export const isRevocable = (until: Instant, now: Date): boolean => now.getTime() < Date.parse(until);

export const allocationStatus = (until: Instant, now: Date): AllocationStatus =>
  isRevocable(until, now) ? 'revocable' : 'locked';
