import { systemClock } from '#adapters/aws/system-clock';
import { provider } from '#commons/provider';
import type { Clock } from '#ports/clock';

/** The system clock; the local stack puts its movable clock in place. */
export const clock = provider<Clock>(() => systemClock);
