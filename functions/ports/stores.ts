import type { Order, PoolCorrection, SeatPool } from '#core/seat-pool';
import type { SeatSpan } from '#core/file-log';
import type { Instant } from '#core/time';

export type Page<T> = { items: T[]; nextCursor: string | null };
export type PageRequest = { limit: number; cursor: string | null };

export type MemberStatus = 'active' | 'departed';

export type Seat = {
  allocationId: string;
  allocatedAt: Instant;
  revocableUntil: Instant;
  /** Set by the seat-lock workflow; the API derives status from the clock, never from this. */
  lockedAt: Instant | null;
};

export type Member = {
  corpId: string;
  memberId: string;
  name: string;
  managerId: string | null;
  departmentId: string | null;
  status: MemberStatus;
  departedAt: Instant | null;
  /** Decides between an automatic and an admin-run handover; kept so a retried departure decides the same. */
  heldSeatAtDeparture: boolean;
  seat: Seat | null;
  /** Every seat the member held, oldest first (history kept from issue 16 on): "held a seat at t". */
  seatSpans: SeatSpan[];
  /** A departure HR announced for a later date; the member stays active until it is applied. */
  scheduledDeparture: ScheduledDeparture | null;
  /** The schedule that applied the departure (null: applied at once), so a redelivery restarts nothing new. */
  departureScheduleId: string | null;
};

export type ScheduledDeparture = { departedAt: Instant; scheduleId: string };

export type MemberProfile = Pick<Member, 'corpId' | 'memberId' | 'name' | 'managerId' | 'departmentId'>;

/**
 * `staleMarks` counts order changes, so a pool check that raced one does not mark the pool fresh;
 * `seatChanges` counts seat grants and releases, so a recount that raced one does not write.
 */
export type PoolRecord = SeatPool & { nextBoundaryAt: Instant; staleMarks: number; seatChanges: number };

export interface OrderBook {
  getOrder(corpId: string, orderId: string): Promise<Order | null>;
  /** Records a paid order once; answers false when it already exists. */
  recordOrder(order: Order): Promise<boolean>;
  /** Marks an order refunded once; answers false when unknown or already refunded. */
  markRefunded(corpId: string, orderId: string, refundedAt: Instant): Promise<boolean>;
  listOrders(corpId: string, page: PageRequest): Promise<Page<Order>>;
  allOrders(corpId: string): Promise<Order[]>;
  /** Applies one correction atomically with the order's `inPool` flag; false if another writer already did. */
  applyCorrection(corpId: string, correction: PoolCorrection): Promise<boolean>;
  /** False when an order changed since `seenStaleMarks` was read: check again. */
  setNextBoundary(corpId: string, nextBoundaryAt: Instant, seenStaleMarks: number): Promise<boolean>;
}

export interface MemberDirectory {
  getMember(corpId: string, memberId: string): Promise<Member | null>;
  getMembers(corpId: string, memberIds: readonly string[]): Promise<Map<string, Member>>;
  /** Every member the corp's HR ever reported (strongly consistent: seats and departures as they are now). */
  allMembers(corpId: string): Promise<Member[]>;
  /** Creates or updates a profile; never brings a departed member back nor clears a scheduled departure. */
  upsertMember(profile: MemberProfile): Promise<void>;
  /**
   * Records a future departure (creating the member if never seen). The same date again keeps the
   * schedule in force; another date replaces it. Answers the schedule in force, or null when the
   * member has already departed.
   */
  scheduleDeparture(corpId: string, memberId: string, departedAt: Instant, newScheduleId: string): Promise<ScheduledDeparture | null>;
  /** Drops a scheduled departure whose date is still after `now`; false when there was none. */
  cancelScheduledDeparture(corpId: string, memberId: string, now: Instant): Promise<boolean>;
}

export type SeatGrant = { memberId: string; seat: Seat };

export type AllocationAttempt =
  | { outcome: 'allocated' }
  | { outcome: 'exhausted'; available: number }
  | { outcome: 'poolStale' }
  | { outcome: 'memberChanged'; memberIds: string[] }
  | { outcome: 'contention' };

export type RevocationAttempt =
  | { outcome: 'revoked' }
  | { outcome: 'locked'; revocableUntil: Instant }
  | { outcome: 'notFound' };

export type Departure = { alreadyDeparted: boolean; releasedSeat: Seat | null; scheduleId: string | null };

export interface SeatLedger {
  getPool(corpId: string): Promise<PoolRecord | null>;
  /** All-or-nothing: every grant lands and the pool is charged, or nothing changes. */
  allocate(corpId: string, grants: readonly SeatGrant[], now: Date): Promise<AllocationAttempt>;
  revoke(corpId: string, memberId: string, now: Date): Promise<RevocationAttempt>;
  /** Marks the member departed and returns their seat to the pool in one step, locked or not. */
  depart(corpId: string, memberId: string, departedAt: Instant): Promise<Departure>;
  /** Applies a scheduled departure at its date; null when it was cancelled or rescheduled meanwhile. */
  departAsScheduled(corpId: string, memberId: string, scheduleId: string): Promise<Departure | null>;
  /** Seat holders counted from the members themselves (strongly consistent). */
  countSeatHolders(corpId: string): Promise<number>;
  /** Sets `allocated` (and `available`) unless seats changed since `seenSeatChanges` was read. */
  setAllocated(corpId: string, allocated: number, seenSeatChanges: number): Promise<boolean>;
  listAllocations(corpId: string, page: PageRequest): Promise<Page<Member & { seat: Seat }>>;
  markLocked(corpId: string, memberId: string, allocationId: string, lockedAt: Instant): Promise<boolean>;
}
