import type { Clock } from '#ports/clock';

/**
 * The container's clock. The local stack's runtime sets STEWARD_LOCAL_CLOCK_OFFSET_MS before each
 * call (its movable clock, as Lambda's runtime sets _X_AMZN_TRACE_ID); on AWS it is never set.
 */
export const systemClock: Clock = {
  now: () => new Date(Date.now() + Number(process.env.STEWARD_LOCAL_CLOCK_OFFSET_MS ?? 0)),
};
