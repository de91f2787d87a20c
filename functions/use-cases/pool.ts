import { planPoolCorrections, recountedPool, type Order, type SeatPool } from '#core/seat-pool';
import { DomainError } from '#core/errors';
import { logger } from '#commons/logger';
import type { Ports } from '#ports/ports';

type PoolPorts = Pick<Ports, 'orders' | 'seats' | 'clock'>;

/**
 * Brings the corp's pool record in line with its orders as of now (term start and end, refunds),
 * then records the next instant that needs another look. Answers the orders it read. Safe to run concurrently: each order's
 * contribution flips under a condition, and a check that raced an order change runs again.
 */
export const syncPool = async ({ orders, seats, clock }: PoolPorts, corpId: string): Promise<Order[]> => {
  for (let round = 0; round < 5; round++) {
    const pool = await seats.getPool(corpId);
    if (!pool) return [];
    const corpOrders = await orders.allOrders(corpId);
    const { corrections, nextBoundaryAt } = planPoolCorrections(corpOrders, clock.now());
    for (const correction of corrections) await orders.applyCorrection(corpId, correction);
    if (await orders.setNextBoundary(corpId, nextBoundaryAt, pool.staleMarks)) return corpOrders;
  }
  throw new Error(`Pool of ${corpId} kept changing during sync`);
};

/** Whether an order's term has started or ended since the pool record was last brought in line. */
const boundaryPassed = (pool: { nextBoundaryAt: string }, now: Date): boolean => Date.parse(pool.nextBoundaryAt) <= now.getTime();

/** The pool as of now, whether or not the purchase workflow has reached the latest boundary yet. */
export const currentPool = async (ports: PoolPorts, corpId: string): Promise<SeatPool> => {
  let pool = await ports.seats.getPool(corpId);
  if (pool && boundaryPassed(pool, ports.clock.now())) {
    await syncPool(ports, corpId);
    pool = await ports.seats.getPool(corpId);
  }
  return pool
    ? { purchased: pool.purchased, allocated: pool.allocated, available: pool.available }
    : { purchased: 0, allocated: 0, available: 0 };
};

/**
 * Repair: sets `allocated` to the number of members holding a seat. Safe beside allocations,
 * revocations and departures: the write is conditional on no seat having changed hands since the
 * pool was read, and a recount that raced one counts again.
 */
export const recountPool = async (ports: PoolPorts, corpId: string): Promise<{ before: SeatPool; after: SeatPool }> => {
  for (let round = 0; round < 8; round++) {
    const pool = await ports.seats.getPool(corpId);
    // Orders past a term boundary count first, as in every read of the pool.
    if (pool && boundaryPassed(pool, ports.clock.now())) {
      await syncPool(ports, corpId);
      continue;
    }
    const before = { purchased: pool?.purchased ?? 0, allocated: pool?.allocated ?? 0, available: pool?.available ?? 0 };
    if (!pool) return { before, after: before };
    const holders = await ports.seats.countSeatHolders(corpId);
    const after = recountedPool(before, holders);
    if (after.allocated === before.allocated && after.available === before.available) return { before, after };
    if (await ports.seats.setAllocated(corpId, holders, pool.seatChanges)) {
      logger.warn('seat pool recounted', { corpId, before, after });
      return { before, after };
    }
  }
  throw new DomainError('CONFLICT', 'Seats kept changing hands during the recount; retry the request.');
};
