import { portsFrom } from '#commons/provider';
import { billingEvent } from '#commons/schemas';
import { webhookHandler } from '#commons/webhook-handler';
import { calendar } from '#providers/calendar';
import { clock } from '#providers/clock';
import { invoices } from '#providers/invoice-book';
import { orders } from '#providers/order-book';
import { seats } from '#providers/seat-ledger';
import { workflows } from '#providers/workflows';
import { recordPaidOrder, recordRefund } from '#use-cases/orders';

const ports = portsFrom({ orders, seats, clock, workflows, invoices, calendar });

export const handler = webhookHandler('billing', billingEvent, (event) =>
  event.type === 'order.paid' ? recordPaidOrder(ports, event.data) : recordRefund(ports, event.data),
);
