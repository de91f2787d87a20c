import { portsFrom } from '#commons/provider';
import { taskHandler } from '#commons/task';
import { alerts } from '#providers/alerts';
import { calendar } from '#providers/calendar';
import { clock } from '#providers/clock';
import { documents } from '#providers/documents';
import { invoices } from '#providers/invoice-book';
import { issuer } from '#providers/invoice-issuer';
import { checkIssuance } from '#use-cases/invoices';

const ports = portsFrom({ invoices, calendar, issuer, documents, alerts, clock });

/** Invoice workflow step: ask the issuer, store the PDF once issued, mark overdue past `dueBy`. */
export const handler = taskHandler(async (input: { corpId: string; invoiceId: string }) => checkIssuance(ports, input));
