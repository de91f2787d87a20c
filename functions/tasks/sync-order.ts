import { deps } from '#commons/deps';
import { syncOrder } from '#use-cases/orders';

/** Purchase workflow step: bring the pool up to date and say when this order changes it next. */
export const handler = (input: { corpId: string; orderId: string }) => syncOrder(deps(), input.corpId, input.orderId);
