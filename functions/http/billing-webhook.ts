import { portsFrom } from '#commons/provider';
import { billingEvent } from '#commons/schemas';
import { webhookHandler } from '#commons/webhook-handler';
import { clock } from '#providers/clock';
import { orders } from '#providers/order-book';
import { seats } from '#providers/seat-ledger';
import { workflows } from '#providers/workflows';
import { recordPaidOrder, refundOrder } from '#use-cases/orders';

const ports = portsFrom({ orders, seats, clock, workflows });

export const handler = webhookHandler('billing', billingEvent, (event) =>
  event.type === 'order.paid' ? recordPaidOrder(ports, event.data) : refundOrder(ports, event.data),
);
