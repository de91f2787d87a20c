import type { Alerts, Invoice } from '#ports/invoices';

export type LocalAlert = { type: 'InvoiceOverdue'; corpId: string; invoiceId: string; orderId: string; dueBy: string; raisedAt: string };

/** Stands in for EventBridge on the local stack; `GET /local/alerts` lists what was raised. */
export class RecordingAlerts implements Alerts {
  readonly raised: LocalAlert[] = [];

  async invoiceOverdue(invoice: Invoice): Promise<void> {
    const { corpId, invoiceId, orderId, dueBy } = invoice;
    this.raised.push({ type: 'InvoiceOverdue', corpId, invoiceId, orderId, dueBy, raisedAt: new Date().toISOString() });
  }
}
