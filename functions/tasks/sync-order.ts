import { portsFrom } from '#commons/provider';
import { taskHandler } from '#commons/task';
import { clock } from '#providers/clock';
import { orders } from '#providers/order-book';
import { seats } from '#providers/seat-ledger';
import { syncOrder } from '#use-cases/orders';

const ports = portsFrom({ orders, seats, clock });

/** Purchase workflow step: bring the pool up to date and say when this order changes it next. */
export const handler = taskHandler(async (input: { corpId: string; orderId: string }) => syncOrder(ports, input.corpId, input.orderId));
