import { randomUUID } from 'node:crypto';
import { allocationStatus, revocableUntil, type AllocationStatus } from '#core/revocation';
import { canAllocate } from '#core/seat-pool';
import { formatInstant, type Instant } from '#core/time';
import type { Deps } from '#commons/deps';
import { logger } from '#commons/logger';
import { Problem } from '#commons/problem';
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
export const allocateSeats = async (deps: Deps, corpId: string, requested: readonly string[]): Promise<Allocation[]> => {
  const memberIds = [...new Set(requested)];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const members = await deps.members.getMembers(corpId, memberIds);
    const unknown = memberIds.filter((id) => !members.has(id));
    if (unknown.length) {
      throw new Problem(404, 'MEMBER_NOT_FOUND', `Unknown member(s): ${unknown.join(', ')}.`, { memberIds: unknown });
    }
    const departed = memberIds.filter((id) => members.get(id)?.status === 'departed');
    if (departed.length) {
      throw new Problem(409, 'MEMBER_DEPARTED', `Departed member(s): ${departed.join(', ')}.`, { memberIds: departed });
    }
    const now = deps.clock.now();
    const grants: SeatGrant[] = memberIds
      .filter((id) => !members.get(id)?.seat)
      .map((memberId) => ({
        memberId,
        seat: { allocationId: randomUUID(), allocatedAt: formatInstant(now), revocableUntil: revocableUntil(now), lockedAt: null },
      }));
    const attempt = grants.length ? await deps.seats.allocate(corpId, grants, now) : ({ outcome: 'allocated' } as const);
    switch (attempt.outcome) {
      case 'allocated': {
        await startSeatLocks(deps, corpId, grants);
        const granted = new Map(grants.map((g) => [g.memberId, g.seat]));
        return memberIds.map((id) => toAllocation(id, granted.get(id) ?? (members.get(id) as Member).seat!, now));
      }
      case 'exhausted': {
        // The record may only look exhausted because an order began since it was last checked.
        const pool = await currentPool(deps, corpId);
        if (!canAllocate(pool, grants.length)) {
          throw new Problem(409, 'SEATS_EXHAUSTED', `${grants.length} seat(s) requested, ${pool.available} available.`, {
            available: pool.available,
            requested: grants.length,
          });
        }
        break;
      }
      case 'poolStale':
        await syncPool(deps, corpId);
        break;
      case 'memberChanged':
      case 'contention':
        break; // someone changed these members or the pool meanwhile: look again
    }
  }
  throw new Problem(409, 'CONFLICT', 'The seat pool is busy; retry the request.');
};

/** A seat-lock execution per new allocation; the API never waits on it, so a failed start is only logged. */
const startSeatLocks = async (deps: Deps, corpId: string, grants: readonly SeatGrant[]): Promise<void> => {
  const starts = await Promise.allSettled(
    grants.map((g) =>
      deps.workflows.start('seatLock', `seat-${g.seat.allocationId}`, {
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

export const revokeSeat = async (deps: Deps, corpId: string, memberId: string): Promise<void> => {
  const attempt = await deps.seats.revoke(corpId, memberId, deps.clock.now());
  if (attempt.outcome === 'notFound') throw new Problem(404, 'ALLOCATION_NOT_FOUND', `${memberId} holds no seat.`);
  if (attempt.outcome === 'locked') {
    throw new Problem(409, 'REVOCATION_LOCKED', `The seat of ${memberId} was locked at ${attempt.revocableUntil}.`, {
      revocableUntil: attempt.revocableUntil,
    });
  }
};

export const getAllocation = async (deps: Deps, corpId: string, memberId: string): Promise<Allocation> => {
  const member = await deps.members.getMember(corpId, memberId);
  if (!member?.seat) throw new Problem(404, 'ALLOCATION_NOT_FOUND', `${memberId} holds no seat.`);
  return toAllocation(memberId, member.seat, deps.clock.now());
};

export const listAllocations = async (deps: Deps, corpId: string, page: PageRequest): Promise<Page<Allocation>> => {
  const now = deps.clock.now();
  const result = await deps.seats.listAllocations(corpId, page);
  return { items: result.items.map((m) => toAllocation(m.memberId, m.seat, now)), nextCursor: result.nextCursor };
};

/** Seat-lock workflow step: record the lock on the allocation it was started for, if that still stands. */
export const lockSeat = async (
  deps: Deps,
  input: { corpId: string; memberId: string; allocationId: string },
): Promise<{ locked: boolean }> => ({
  locked: await deps.seats.markLocked(input.corpId, input.memberId, input.allocationId, formatInstant(deps.clock.now())),
});
