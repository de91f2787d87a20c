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

/** The pool with `allocated` recounted from the seat holders; `available` follows. */
export const recountedPool = (pool: SeatPool, seatHolders: number): SeatPool => ({
  purchased: pool.purchased,
  allocated: seatHolders,
  available: pool.purchased - seatHolders,
});

/**
 * How far ahead a departure can be scheduled: a Standard workflow runs at most a year, and the
 * handover after the wait needs up to a day of it.
 */
export const MAX_DEPARTURE_NOTICE_MS = 364 * 24 * 60 * 60 * 1000;

export type DepartureTiming = 'now' | 'scheduled' | 'tooFarAhead';

/** A departedAt in the past or present takes effect at once; a future one waits for its date. */
export const departureTiming = (departedAt: Instant, now: Date): DepartureTiming => {
  const ahead = Date.parse(departedAt) - now.getTime();
  if (ahead <= 0) return 'now';
  return ahead <= MAX_DEPARTURE_NOTICE_MS ? 'scheduled' : 'tooFarAhead';
};
