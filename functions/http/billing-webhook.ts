import { billingEvent } from '#commons/schemas';
import { webhookHandler } from '#commons/webhook-handler';
import { recordPaidOrder, refundOrder } from '#use-cases/orders';

export const handler = webhookHandler('billing', billingEvent, (deps, event) =>
  event.type === 'order.paid' ? recordPaidOrder(deps, event.data) : refundOrder(deps, event.data),
);
