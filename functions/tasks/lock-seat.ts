import { portsFrom } from '#commons/provider';
import { taskHandler } from '#commons/task';
import { clock } from '#providers/clock';
import { seats } from '#providers/seat-ledger';
import { lockSeat } from '#use-cases/allocations';

const ports = portsFrom({ seats, clock });

/** Seat-lock workflow step: the revocation window has closed; record the lock if the seat still stands. */
export const handler = taskHandler(async (input: { corpId: string; memberId: string; allocationId: string }) => lockSeat(ports, input));
