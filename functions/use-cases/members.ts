import { ulid } from 'ulid';
import type { z } from 'zod';
import { departureTiming, MAX_DEPARTURE_NOTICE_MS } from '#core/seat-pool';
import { formatInstant, type Instant } from '#core/time';
import { DomainError } from '#core/errors';
import { logger } from '#commons/logger';
import type { departureCancelled, employeeDeparted, employeeUpserted } from '#commons/schemas';
import type { Ports } from '#ports/ports';
import type { Seat } from '#ports/stores';
import { toAllocation, type Allocation } from './allocations.ts';
import { departureExecutionName, newHandoverId } from './handovers.ts';

/** An upsert that states `departedAt: null` also clears a departure scheduled for a later date. */
export const upsertMember = async (ports: Pick<Ports, 'members' | 'clock'>, data: z.infer<typeof employeeUpserted>['data']): Promise<void> => {
  await ports.members.upsertMember({
    corpId: data.corpId,
    memberId: data.memberId,
    name: data.name,
    managerId: data.managerId,
    departmentId: data.departmentId ?? null,
  });
  if (data.departedAt === null) await cancelDeparture(ports, data);
};

/**
 * The departure execution that offboards a member: one per member for a departure applied at
 * once, one per schedule for a scheduled one (a rescheduled departure needs a new execution, and
 * Step Functions never reuses a name).
 */
export const departureExecutionFor = (corpId: string, memberId: string, scheduleId: string | null): string =>
  scheduleId ? `${departureExecutionName(corpId, memberId)}-${scheduleId}` : departureExecutionName(corpId, memberId);

export type DepartureOutcome =
  | { outcome: 'departed'; releasedSeat: Seat | null }
  | { outcome: 'alreadyDeparted' }
  | { outcome: 'scheduled'; departedAt: Instant };

/**
 * A departedAt in the past or present: the seat goes back to the pool at once, locked or not, and
 * the departure workflow starts offboarding. A future one is recorded and a departure workflow
 * waits for its date. A repeated departure changes nothing and restarts nothing, because the
 * workflow is named after the member (or the schedule that applied the departure).
 */
export const departMember = async (
  ports: Pick<Ports, 'members' | 'seats' | 'workflows' | 'clock'>,
  data: z.infer<typeof employeeDeparted>['data'],
): Promise<DepartureOutcome> => {
  const { corpId, memberId } = data;
  const departedAt = formatInstant(new Date(data.departedAt));
  const now = ports.clock.now();
  switch (departureTiming(departedAt, now)) {
    case 'tooFarAhead':
      throw new DomainError('VALIDATION_FAILED', 'The request is not valid.', {
        errors: [{ path: '/data/departedAt', message: `At most ${MAX_DEPARTURE_NOTICE_MS / 86_400_000} days ahead` }],
      });
    case 'scheduled': {
      const schedule = await ports.members.scheduleDeparture(corpId, memberId, departedAt, ulid(now.getTime()));
      logger.info('member departure scheduled', { corpId, memberId, departedAt, alreadyDeparted: schedule === null });
      if (!schedule) return { outcome: 'alreadyDeparted' };
      await ports.workflows.start('departure', departureExecutionFor(corpId, memberId, schedule.scheduleId), {
        corpId,
        memberId,
        departAt: schedule.departedAt,
        scheduleId: schedule.scheduleId,
      });
      return { outcome: 'scheduled', departedAt: schedule.departedAt };
    }
    case 'now': {
      const departure = await ports.seats.depart(corpId, memberId, departedAt);
      logger.info('member departed', {
        corpId,
        memberId,
        seatReleased: departure.releasedSeat !== null,
        alreadyDeparted: departure.alreadyDeparted,
      });
      await ports.workflows.start('departure', departureExecutionFor(corpId, memberId, departure.scheduleId), {
        corpId,
        memberId,
        handoverId: newHandoverId(now),
      });
      return departure.alreadyDeparted ? { outcome: 'alreadyDeparted' } : { outcome: 'departed', releasedSeat: departure.releasedSeat };
    }
  }
};

/** `employee.departure_cancelled`: a scheduled departure whose date has not come is dropped; anything else is a no-op. */
export const cancelDeparture = async (
  ports: Pick<Ports, 'members' | 'clock'>,
  data: Pick<z.infer<typeof departureCancelled>['data'], 'corpId' | 'memberId'>,
): Promise<boolean> => {
  const cancelled = await ports.members.cancelScheduledDeparture(data.corpId, data.memberId, formatInstant(ports.clock.now()));
  logger.info('member departure cancellation', { corpId: data.corpId, memberId: data.memberId, cancelled });
  return cancelled;
};

/**
 * Departure workflow step, after the wait: applies the departure if this schedule is still the
 * member's (true also on a retry after it applied), and mints the handover id the plan will use.
 */
export const applyScheduledDeparture = async (
  ports: Pick<Ports, 'seats' | 'clock'>,
  input: { corpId: string; memberId: string; scheduleId: string },
): Promise<{ corpId: string; memberId: string; handoverId: string; applied: boolean }> => {
  const departure = await ports.seats.departAsScheduled(input.corpId, input.memberId, input.scheduleId);
  const applied = departure?.scheduleId === input.scheduleId;
  logger.info('scheduled departure', { ...input, applied, seatReleased: Boolean(departure?.releasedSeat) });
  return { corpId: input.corpId, memberId: input.memberId, handoverId: newHandoverId(ports.clock.now()), applied };
};

export type MemberView = {
  memberId: string;
  name: string;
  managerId: string | null;
  departmentId: string | null;
  status: 'active' | 'departed';
  departedAt: Instant | null;
  scheduledDeparture: { departedAt: Instant } | null;
  seat: Allocation | null;
};

export const getMemberView = async (ports: Pick<Ports, 'members' | 'clock'>, corpId: string, memberId: string): Promise<MemberView> => {
  const member = await ports.members.getMember(corpId, memberId);
  if (!member) throw new DomainError('MEMBER_NOT_FOUND', `No member ${memberId} in corp ${corpId}.`, { memberId });
  return {
    memberId: member.memberId,
    name: member.name,
    managerId: member.managerId,
    departmentId: member.departmentId,
    status: member.status,
    departedAt: member.departedAt,
    scheduledDeparture: member.scheduledDeparture && { departedAt: member.scheduledDeparture.departedAt },
    seat: member.seat && toAllocation(member.memberId, member.seat, ports.clock.now()),
  };
};
