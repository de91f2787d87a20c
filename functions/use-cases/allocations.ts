import { randomUUID } from 'node:crypto';
import { allocationStatus, revocableUntil, type AllocationStatus } from '#core/revocation';
import { canAllocate } from '#core/seat-pool';
import { formatInstant, type Instant } from '#core/time';
import { DomainError } from '#core/errors';
import { logger } from '#commons/logger';
import { countMetric } from '#commons/metrics';
import type { Ports } from '#ports/ports';
import type { Member, Page, PageRequest, Seat, SeatGrant } from '#ports/stores';
import { currentPool, syncPool } from './pool.ts';

export type Allocation = { memberId: string; allocatedAt: Instant; revocableUntil: Instant; status: AllocationStatus };

export const toAllocation = (memberId: string, seat: Seat, now: Date): Allocation => ({
  memberId,
  allocatedAt: seat.allocatedAt,
  revocableUntil: seat.revocableUntil,
  status: allocationStatus(seat.revocableUntil, now),
});

const MAX_ROUNDS = 6;

/**
 * All or nothing: every listed member gets a seat, or none does. Members who already hold one
 * come back unchanged. The pool is charged in the same transaction that grants the seats.
 */
export const allocateSeats = async (
  ports: Pick<Ports, 'members' | 'seats' | 'orders' | 'clock' | 'workflows'>,
  corpId: string,
  requested: readonly string[],
): Promise<Allocation[]> => {
  const memberIds = [...new Set(requested)];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const members = await ports.members.getMembers(corpId, memberIds);
    const unknown = memberIds.filter((id) => !members.has(id));
    if (unknown.length) {
      throw new DomainError('MEMBER_NOT_FOUND', `Unknown member(s): ${unknown.join(', ')}.`, { memberIds: unknown });
    }
    const departed = memberIds.filter((id) => members.get(id)?.status === 'departed');
    if (departed.length) {
      throw new DomainError('MEMBER_DEPARTED', `Departed member(s): ${departed.join(', ')}.`, { memberIds: departed });
    }
    const now = ports.clock.now();
    const grants: SeatGrant[] = memberIds
      .filter((id) => !members.get(id)?.seat)
      .map((memberId) => ({
        memberId,
        seat: { allocationId: randomUUID(), allocatedAt: formatInstant(now), revocableUntil: revocableUntil(now), lockedAt: null },
      }));
    const attempt = grants.length ? await ports.seats.allocate(corpId, grants, now) : ({ outcome: 'allocated' } as const);
    switch (attempt.outcome) {
      case 'allocated': {
        if (grants.length) countMetric('SeatsAllocated', {}, grants.length);
        await startSeatLocks(ports, corpId, grants);
        const granted = new Map(grants.map((g) => [g.memberId, g.seat]));
        return memberIds.map((id) => toAllocation(id, granted.get(id) ?? (members.get(id) as Member).seat!, now));
      }
      case 'exhausted': {
        // The record may only look exhausted because an order began since it was last checked.
        const pool = await currentPool(ports, corpId);
        if (!canAllocate(pool, grants.length)) {
          throw new DomainError('SEATS_EXHAUSTED', `${grants.length} seat(s) requested, ${pool.available} available.`, {
            available: pool.available,
            requested: grants.length,
          });
        }
        break;
      }
      case 'poolStale':
        await syncPool(ports, corpId);
        break;
      case 'memberChanged':
      case 'contention':
        break; // someone changed these members or the pool meanwhile: look again
    }
  }
  throw new DomainError('CONFLICT', 'The seat pool is busy; retry the request.');
};

/** A seat-lock execution per new allocation; the API never waits on it, so a failed start is only logged. */
const startSeatLocks = async (ports: Pick<Ports, 'workflows'>, corpId: string, grants: readonly SeatGrant[]): Promise<void> => {
  const starts = await Promise.allSettled(
    grants.map((g) =>
      ports.workflows.start('seatLock', `seat-${g.seat.allocationId}`, {
        corpId,
        memberId: g.memberId,
        allocationId: g.seat.allocationId,
        revocableUntil: g.seat.revocableUntil,
      }),
    ),
  );
  starts.forEach((start, i) => {
    if (start.status === 'rejected') {
      logger.error('seat-lock workflow did not start', { corpId, memberId: grants[i]?.memberId, error: start.reason });
    }
  });
};

export const revokeSeat = async (ports: Pick<Ports, 'seats' | 'clock'>, corpId: string, memberId: string): Promise<void> => {
  const attempt = await ports.seats.revoke(corpId, memberId, ports.clock.now());
  if (attempt.outcome === 'notFound') throw new DomainError('ALLOCATION_NOT_FOUND', `${memberId} holds no seat.`);
  if (attempt.outcome === 'locked') {
    countMetric('RevocationsLocked', {});
    throw new DomainError('REVOCATION_LOCKED', `The seat of ${memberId} was locked at ${attempt.revocableUntil}.`, {
      revocableUntil: attempt.revocableUntil,
    });
  }
  countMetric('SeatsRevoked', {});
};

export const getAllocation = async (ports: Pick<Ports, 'members' | 'clock'>, corpId: string, memberId: string): Promise<Allocation> => {
  const member = await ports.members.getMember(corpId, memberId);
  if (!member?.seat) throw new DomainError('ALLOCATION_NOT_FOUND', `${memberId} holds no seat.`);
  return toAllocation(memberId, member.seat, ports.clock.now());
};

export const listAllocations = async (
  ports: Pick<Ports, 'seats' | 'clock'>,
  corpId: string,
  page: PageRequest,
): Promise<Page<Allocation>> => {
  const now = ports.clock.now();
  const result = await ports.seats.listAllocations(corpId, page);
  return { items: result.items.map((m) => toAllocation(m.memberId, m.seat, now)), nextCursor: result.nextCursor };
};

/** Seat-lock workflow step: record the lock on the allocation it was started for, if that still stands. */
export const lockSeat = async (
  ports: Pick<Ports, 'seats' | 'clock'>,
  input: { corpId: string; memberId: string; allocationId: string },
): Promise<{ locked: boolean }> => ({
  locked: await ports.seats.markLocked(input.corpId, input.memberId, input.allocationId, formatInstant(ports.clock.now())),
});
