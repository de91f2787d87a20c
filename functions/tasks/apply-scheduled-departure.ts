import { portsFrom } from '#commons/provider';
import { taskHandler } from '#commons/task';
import { clock } from '#providers/clock';
import { seats } from '#providers/seat-ledger';
import { applyScheduledDeparture } from '#use-cases/members';

const ports = portsFrom({ seats, clock });

/** Departure workflow step after the wait: release the seat unless the departure was cancelled or rescheduled. */
export const handler = taskHandler(async (input: { corpId: string; memberId: string; scheduleId: string }) => applyScheduledDeparture(ports, input));
