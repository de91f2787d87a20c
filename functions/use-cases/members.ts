import type { z } from 'zod';
import { formatInstant } from '#core/time';
import type { Deps } from '#commons/deps';
import { logger } from '#commons/logger';
import type { employeeDeparted, employeeUpserted } from '#commons/schemas';
import type { Departure } from '#ports/stores';
import { departureExecutionName, newHandoverId } from './handovers.ts';

export const upsertMember = async (deps: Deps, data: z.infer<typeof employeeUpserted>['data']): Promise<void> => {
  await deps.members.upsertMember({
    corpId: data.corpId,
    memberId: data.memberId,
    name: data.name,
    managerId: data.managerId,
    departmentId: data.departmentId ?? null,
  });
};

/**
 * The seat goes back to the pool at once, locked or not, and the departure workflow starts
 * offboarding. A repeated departure changes nothing; it restarts nothing either, because the
 * workflow is named after the member.
 */
export const departMember = async (deps: Deps, data: z.infer<typeof employeeDeparted>['data']): Promise<Departure> => {
  const departure = await deps.seats.depart(data.corpId, data.memberId, formatInstant(new Date(data.departedAt)));
  logger.info('member departed', {
    corpId: data.corpId,
    memberId: data.memberId,
    seatReleased: departure.releasedSeat !== null,
    alreadyDeparted: departure.alreadyDeparted,
  });
  await deps.workflows.start('departure', departureExecutionName(data.corpId, data.memberId), {
    corpId: data.corpId,
    memberId: data.memberId,
    handoverId: newHandoverId(deps.clock.now()),
  });
  return departure;
};
