import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Alerts, Invoice } from '#ports/invoices';
import { putOnDefaultBus } from './default-bus.ts';

/**
 * Alerts as events on the default bus (`source: steward`); operators route them to SNS, chat or
 * paging. `alertId` is the same when an alert is raised again after a crash, for consumers to drop.
 */
export class EventBridgeAlerts implements Alerts {
  constructor(private readonly events: EventBridgeClient) {}

  invoiceOverdue(invoice: Invoice): Promise<void> {
    return this.raise('InvoiceOverdue', { alertId: `invoice-overdue-${invoice.invoiceId}`, ...about(invoice), dueBy: invoice.dueBy });
  }

  invoiceWorkflowFailed(invoice: Invoice, failure: { error: string; run: number }): Promise<void> {
    return this.raise('InvoiceWorkflowFailed', {
      alertId: `invoice-workflow-failed-${invoice.invoiceId}-${failure.run}`,
      ...about(invoice),
      run: failure.run,
      error: failure.error,
    });
  }

  invoiceFailed(invoice: Invoice): Promise<void> {
    return this.raise('InvoiceFailed', { alertId: `invoice-failed-${invoice.invoiceId}`, ...about(invoice), reason: invoice.closedReason });
  }

  handoverFailed({ corpId, handoverId, fromMemberId, reason }: Parameters<Alerts['handoverFailed']>[0]): Promise<void> {
    return this.raise('HandoverFailed', { alertId: `handover-failed-${handoverId}`, corpId, handoverId, fromMemberId, reason });
  }

  private raise(detailType: string, detail: Record<string, unknown>): Promise<void> {
    return putOnDefaultBus(this.events, detailType, detail);
  }
}

const about = (invoice: Invoice) => ({ corpId: invoice.corpId, invoiceId: invoice.invoiceId, orderId: invoice.orderId, kind: invoice.kind });
