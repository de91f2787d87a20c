import { deps } from '#commons/deps';
import { checkIssuance } from '#use-cases/invoices';

/** Invoice workflow step: ask the issuer, store the PDF once issued, mark overdue past `dueBy`. */
export const handler = (input: { corpId: string; invoiceId: string }) => checkIssuance(deps(), input);
