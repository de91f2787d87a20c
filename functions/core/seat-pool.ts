import { FAR_FUTURE, type Instant } from './time.ts';

export type Money = { value: string; currency: string };
export type Term = { start: Instant; end: Instant };

export type Order = {
  corpId: string;
  orderId: string;
  product: string;
  seats: number;
  amount: Money;
  paidAt: Instant;
  term: Term;
  refundedAt: Instant | null;
  /** Whether the order's seats are currently counted in the corp's pool record. */
  inPool: boolean;
};

export type OrderStatus = 'pending' | 'active' | 'expired' | 'refunded';

/** Seats count while term.start <= now < term.end and the order is not refunded. */
export const orderStatus = (order: Pick<Order, 'term' | 'refundedAt'>, now: Date): OrderStatus => {
  if (order.refundedAt) return 'refunded';
  const t = now.getTime();
  if (t < Date.parse(order.term.start)) return 'pending';
  if (t >= Date.parse(order.term.end)) return 'expired';
  return 'active';
};

/** The next instant at which the order's contribution to the pool changes, if any. */
export const nextBoundary = (order: Pick<Order, 'term' | 'refundedAt'>, now: Date): Instant | null => {
  switch (orderStatus(order, now)) {
    case 'pending':
      return order.term.start;
    case 'active':
      return order.term.end;
    default:
      return null;
  }
};

export type SeatPool = { purchased: number; allocated: number; available: number };

/** A change to bring one order's recorded pool contribution in line with `now`. */
export type PoolCorrection = { orderId: string; seatsDelta: number; inPool: boolean };

/**
 * What the pool record must change so that exactly the active orders count, and when to look again.
 * Refund or expiry never touches allocations: `available` simply goes down, possibly below zero.
 */
export const planPoolCorrections = (
  orders: readonly Order[],
  now: Date,
): { corrections: PoolCorrection[]; nextBoundaryAt: Instant } => {
  const corrections: PoolCorrection[] = [];
  let nextBoundaryAt = FAR_FUTURE;
  for (const order of orders) {
    const shouldCount = orderStatus(order, now) === 'active';
    if (shouldCount !== order.inPool) {
      corrections.push({
        orderId: order.orderId,
        seatsDelta: shouldCount ? order.seats : -order.seats,
        inPool: shouldCount,
      });
    }
    const boundary = nextBoundary(order, now);
    if (boundary && boundary < nextBoundaryAt) nextBoundaryAt = boundary;
  }
  return { corrections, nextBoundaryAt };
};

/** Allocation of `requested` new seats is allowed only while the pool covers them all. */
export const canAllocate = (pool: SeatPool, requested: number): boolean => pool.available >= requested;
