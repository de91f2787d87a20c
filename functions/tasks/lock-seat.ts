import { deps } from '#commons/deps';
import { lockSeat } from '#use-cases/allocations';

/** Seat-lock workflow step: the revocation window has closed; record the lock if the seat still stands. */
export const handler = (input: { corpId: string; memberId: string; allocationId: string }) => lockSeat(deps(), input);
