import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { nextBoundary, orderStatus, type Order } from '#core/seat-pool';
import { formatInstant, type Instant } from '#core/time';
import { DomainError } from '#core/errors';
import { logger } from '#commons/logger';
import type { orderPaid, orderRefunded } from '#commons/schemas';
import type { Ports } from '#ports/ports';
import type { Page, PageRequest } from '#ports/stores';
import { settleRefundedInvoice } from './invoices.ts';
import { syncPool } from './pool.ts';

/** Execution names allow neither ':' nor long ids, so they are derived from a hash of the order key. */
export const purchaseExecutionName = (corpId: string, orderId: string): string =>
  `order-${createHash('sha256').update(`${corpId}/${orderId}`).digest('hex').slice(0, 48)}`;

export type OrderView = Omit<Order, 'corpId' | 'product' | 'inPool'> & { status: ReturnType<typeof orderStatus> };

export const toOrderView = (order: Order, now: Date): OrderView => ({
  orderId: order.orderId,
  seats: order.seats,
  status: orderStatus(order, now),
  paidAt: order.paidAt,
  term: order.term,
  amount: order.amount,
  refundedAt: order.refundedAt,
});

const normalise = (instant: string): Instant => formatInstant(new Date(instant));

/** Records the order once, counts it in the pool if its term has begun, and starts its purchase workflow. */
export const recordPaidOrder = async (
  ports: Pick<Ports, 'orders' | 'seats' | 'clock' | 'workflows'>,
  data: z.infer<typeof orderPaid>['data'],
): Promise<void> => {
  const order: Order = {
    corpId: data.corpId,
    orderId: data.orderId,
    product: data.product,
    seats: data.seats,
    amount: data.amount,
    paidAt: normalise(data.paidAt),
    term: { start: normalise(data.term.start), end: normalise(data.term.end) },
    refundedAt: null,
    inPool: false,
  };
  const created = await ports.orders.recordOrder(order);
  if (!created) logger.info('order already recorded', { corpId: order.corpId, orderId: order.orderId });
  await syncPool(ports, order.corpId);
  await ports.workflows.start('purchase', purchaseExecutionName(order.corpId, order.orderId), {
    corpId: order.corpId,
    orderId: order.orderId,
  });
};

/** A refund takes the order's seats out of the pool; allocations stay, so the pool may go negative. */
export const refundOrder = async (
  ports: Pick<Ports, 'orders' | 'seats' | 'clock'>,
  data: z.infer<typeof orderRefunded>['data'],
): Promise<void> => {
  const refunded = await ports.orders.markRefunded(data.corpId, data.orderId, normalise(data.refundedAt));
  if (!refunded && !(await ports.orders.getOrder(data.corpId, data.orderId))) {
    // Billing retries non-2xx answers, so a refund that overtook its order.paid lands later.
    throw new DomainError('ORDER_NOT_FOUND', `Order ${data.orderId} of corp ${data.corpId} is not known yet.`);
  }
  await syncPool(ports, data.corpId);
};

/**
 * Billing's `order.refunded`: the pool as above, then the order's invoice, cancelled if not issued
 * yet, else reversed by a red-letter invoice. Settled on a redelivery too (the order is refunded
 * already): that finishes what a crash interrupted, and changes nothing twice.
 */
export const recordRefund = async (
  ports: Pick<Ports, 'orders' | 'seats' | 'clock' | 'invoices' | 'calendar' | 'workflows'>,
  data: z.infer<typeof orderRefunded>['data'],
): Promise<void> => {
  await refundOrder(ports, data);
  await settleRefundedInvoice(ports, data.corpId, data.orderId);
};

/** Purchase workflow step: sync the pool and say when this order next changes it, if ever. */
export const syncOrder = async (
  ports: Pick<Ports, 'orders' | 'seats' | 'clock'>,
  corpId: string,
  orderId: string,
): Promise<{ done: boolean; wakeAt: Instant | null }> => {
  // Boundaries depend on term and refund only, which a pool sync never changes.
  const order = (await syncPool(ports, corpId)).find((o) => o.orderId === orderId);
  const wakeAt = order ? nextBoundary(order, ports.clock.now()) : null;
  return { done: wakeAt === null, wakeAt };
};

export const listOrders = async (ports: Pick<Ports, 'orders' | 'clock'>, corpId: string, page: PageRequest): Promise<Page<OrderView>> => {
  const now = ports.clock.now();
  const result = await ports.orders.listOrders(corpId, page);
  return { items: result.items.map((order) => toOrderView(order, now)), nextCursor: result.nextCursor };
};
