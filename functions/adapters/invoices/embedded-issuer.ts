import { formatInstant } from '#core/time';
import { shanghaiDay } from '#core/working-days';
import type { Invoice, InvoiceBook, InvoiceIssuer, IssueOutcome } from '#ports/invoices';
import { renderInvoicePdf } from './invoice-pdf.ts';

export type Seller = { name: string; taxId: string };

/** The unit price printed: the amount spread over the seats, to the fen. */
const unitPrice = (amount: string, seats: number): string => (Math.round((Number(amount) * 100) / seats) / 100).toFixed(2);

/** Issues at once: draws the corp's next invoice number and renders the PDF itself. */
export class EmbeddedInvoiceIssuer implements InvoiceIssuer {
  constructor(
    private readonly invoices: InvoiceBook,
    private readonly seller: Seller,
  ) {}

  async issue(invoice: Invoice, now: Date): Promise<IssueOutcome> {
    const invoiceNumber = await this.invoices.assignNumber(invoice.corpId, invoice.invoiceId);
    const pdf = await renderInvoicePdf({
      invoiceNumber,
      issuedOn: shanghaiDay(now),
      seller: this.seller,
      buyer: { title: invoice.title, taxId: invoice.taxId, email: invoice.email },
      orderId: invoice.orderId,
      seats: invoice.seats,
      unitPrice: unitPrice(invoice.amount.value, invoice.seats),
      amount: invoice.amount,
    });
    return { kind: 'issued', invoiceNumber, issuedAt: formatInstant(now), pdf };
  }
}
