import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Alerts, Invoice } from '#ports/invoices';

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

  private async raise(detailType: string, detail: Record<string, unknown>): Promise<void> {
    const result = await this.events.send(
      new PutEventsCommand({ Entries: [{ Source: 'steward', DetailType: detailType, Detail: JSON.stringify(detail) }] }),
    );
    if (result.FailedEntryCount) throw new Error(`EventBridge refused the alert: ${result.Entries?.[0]?.ErrorMessage}`);
  }
}

const about = (invoice: Invoice) => ({ corpId: invoice.corpId, invoiceId: invoice.invoiceId, orderId: invoice.orderId, kind: invoice.kind });
