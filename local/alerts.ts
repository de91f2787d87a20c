import type { Alerts, Invoice } from '#ports/invoices';

export type LocalAlert = { type: string; raisedAt: string } & Record<string, unknown>;

/**
 * Stands in for EventBridge on the local stack: bundles' PutEvents calls reach it through the
 * local AWS endpoint, the in-process runtime calls it as the Alerts port. `GET /local/alerts` lists them.
 */
export class RecordingAlerts implements Alerts {
  readonly raised: LocalAlert[] = [];

  record(event: { detailType: string; detail: unknown }): void {
    this.raised.push({ type: event.detailType, ...(event.detail as Record<string, unknown>), raisedAt: new Date().toISOString() });
  }

  async invoiceOverdue(invoice: Invoice): Promise<void> {
    const { corpId, invoiceId, orderId, dueBy } = invoice;
    this.record({ detailType: 'InvoiceOverdue', detail: { alertId: `invoice-overdue-${invoiceId}`, corpId, invoiceId, orderId, dueBy } });
  }
}
