/** A contract `order.paid` event; the amount follows the seat count. */
export const orderPaidEvent = (
  corpId: string,
  orderId: string,
  seats: number,
  term = { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
) => ({
  type: 'order.paid' as const,
  data: {
    orderId,
    corpId,
    product: 'security-advanced' as const,
    seats,
    amount: { value: `${seats * 1180}.00`, currency: 'CNY' },
    paidAt: '2026-01-01T06:38:00Z',
    term,
  },
});
