import { describe, expect, it } from 'vitest';
import { departureTiming, nextBoundary, orderStatus, planPoolCorrections, recountedPool, type Order } from '#core/seat-pool';
import { FAR_FUTURE } from '#core/time';

const order = (over: Partial<Order> = {}): Order => ({
  corpId: 'acme',
  orderId: 'o-1',
  product: 'security-advanced',
  seats: 50,
  amount: { value: '59000.00', currency: 'CNY' },
  paidAt: '2026-01-01T06:38:00Z',
  term: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
  refundedAt: null,
  inPool: false,
  ...over,
});

describe('order status', () => {
  it('counts seats while start <= now < end and not refunded', () => {
    expect(orderStatus(order(), new Date('2025-12-31T23:59:59Z'))).toBe('pending');
    expect(orderStatus(order(), new Date('2026-01-01T00:00:00Z'))).toBe('active');
    expect(orderStatus(order(), new Date('2027-01-01T00:00:00Z'))).toBe('expired');
    expect(orderStatus(order({ refundedAt: '2026-02-01T00:00:00Z' }), new Date('2026-03-01T00:00:00Z'))).toBe('refunded');
  });

  it('names the next boundary: start while pending, end while active, none after', () => {
    expect(nextBoundary(order(), new Date('2025-06-01T00:00:00Z'))).toBe('2026-01-01T00:00:00Z');
    expect(nextBoundary(order(), new Date('2026-06-01T00:00:00Z'))).toBe('2027-01-01T00:00:00Z');
    expect(nextBoundary(order(), new Date('2027-06-01T00:00:00Z'))).toBeNull();
  });
});

describe('pool corrections', () => {
  const now = new Date('2026-06-01T00:00:00Z');

  it('adds an active order not yet counted and removes a refunded one that was', () => {
    const plan = planPoolCorrections(
      [order({ orderId: 'new' }), order({ orderId: 'gone', inPool: true, refundedAt: '2026-05-01T00:00:00Z' })],
      now,
    );
    expect(plan.corrections).toEqual([
      { orderId: 'new', seatsDelta: 50, inPool: true },
      { orderId: 'gone', seatsDelta: -50, inPool: false },
    ]);
    expect(plan.nextBoundaryAt).toBe('2027-01-01T00:00:00Z');
  });

  it('changes nothing when records agree, and looks again at the earliest boundary', () => {
    const plan = planPoolCorrections(
      [order({ inPool: true }), order({ orderId: 'later', term: { start: '2026-09-01T00:00:00Z', end: '2027-09-01T00:00:00Z' } })],
      now,
    );
    expect(plan.corrections).toEqual([]);
    expect(plan.nextBoundaryAt).toBe('2026-09-01T00:00:00Z');
  });

  it('has no boundary ahead once every order is over', () => {
    expect(planPoolCorrections([order({ refundedAt: '2026-02-01T00:00:00Z' })], now).nextBoundaryAt).toBe(FAR_FUTURE);
  });
});

describe('recountedPool', () => {
  it('takes allocated from the seat holders and keeps purchased', () => {
    expect(recountedPool({ purchased: 10, allocated: 7, available: 3 }, 5)).toEqual({ purchased: 10, allocated: 5, available: 5 });
    expect(recountedPool({ purchased: 2, allocated: 4, available: -2 }, 3)).toEqual({ purchased: 2, allocated: 3, available: -1 });
  });
});

describe('departureTiming', () => {
  const now = new Date('2026-03-01T10:00:00Z');
  it('applies a past or present departedAt at once and schedules a future one', () => {
    expect(departureTiming('2026-02-01T00:00:00Z', now)).toBe('now');
    expect(departureTiming('2026-03-01T10:00:00Z', now)).toBe('now');
    expect(departureTiming('2026-03-01T10:00:01Z', now)).toBe('scheduled');
  });
  it('schedules at most 364 days ahead', () => {
    expect(departureTiming('2027-02-28T10:00:00Z', now)).toBe('scheduled');
    expect(departureTiming('2027-02-28T10:00:01Z', now)).toBe('tooFarAhead');
  });
});
