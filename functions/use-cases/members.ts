import type { z } from 'zod';
import { formatInstant } from '#core/time';
import { logger } from '#commons/logger';
import type { employeeDeparted, employeeUpserted } from '#commons/schemas';
import type { Ports } from '#ports/ports';
import type { Departure } from '#ports/stores';
import { departureExecutionName, newHandoverId } from './handovers.ts';

export const upsertMember = async (ports: Pick<Ports, 'members'>, data: z.infer<typeof employeeUpserted>['data']): Promise<void> => {
  await ports.members.upsertMember({
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
export const departMember = async (
  ports: Pick<Ports, 'seats' | 'workflows' | 'clock'>,
  data: z.infer<typeof employeeDeparted>['data'],
): Promise<Departure> => {
  const departure = await ports.seats.depart(data.corpId, data.memberId, formatInstant(new Date(data.departedAt)));
  logger.info('member departed', {
    corpId: data.corpId,
    memberId: data.memberId,
    seatReleased: departure.releasedSeat !== null,
    alreadyDeparted: departure.alreadyDeparted,
  });
  await ports.workflows.start('departure', departureExecutionName(data.corpId, data.memberId), {
    corpId: data.corpId,
    memberId: data.memberId,
    handoverId: newHandoverId(ports.clock.now()),
  });
  return departure;
};
