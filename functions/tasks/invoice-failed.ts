import { portsFrom } from '#commons/provider';
import { taskHandler } from '#commons/task';
import { alerts } from '#providers/alerts';
import { invoices } from '#providers/invoice-book';
import { raiseInvoiceWorkflowFailure } from '#use-cases/invoices';

const ports = portsFrom({ invoices, alerts });

/** Invoice workflow's last state after a task kept failing: alert, then the execution fails. */
export const handler = taskHandler(async (input: { corpId: string; invoiceId: string; failure: { Error?: string; Cause?: string } | null }) =>
  raiseInvoiceWorkflowFailure(ports, input));
