import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Alerts, Invoice } from '#ports/invoices';

/** Alerts as events on the default bus (`source: steward`); operators route them to SNS, chat or paging. */
export class EventBridgeAlerts implements Alerts {
  constructor(private readonly events: EventBridgeClient) {}

  async invoiceOverdue(invoice: Invoice): Promise<void> {
    const result = await this.events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'steward',
            DetailType: 'InvoiceOverdue',
            Detail: JSON.stringify({
              alertId: `invoice-overdue-${invoice.invoiceId}`,
              corpId: invoice.corpId,
              invoiceId: invoice.invoiceId,
              orderId: invoice.orderId,
              dueBy: invoice.dueBy,
            }),
          },
        ],
      }),
    );
    if (result.FailedEntryCount) throw new Error(`EventBridge refused the alert: ${result.Entries?.[0]?.ErrorMessage}`);
  }
}
