import { formatInstant } from '#core/time';
import { shanghaiDay } from '#core/working-days';
import type { Invoice, InvoiceBook, InvoiceIssuer, IssueOutcome } from '#ports/invoices';
import { renderInvoicePdf } from './invoice-pdf.ts';

export type Seller = { name: string; taxId: string };

/** The unit price printed: the amount spread over the seats, to the fen. */
const unitPrice = (amount: string, seats: number): string => (Math.round((Number(amount) * 100) / seats) / 100).toFixed(2);

/** Issues at once: draws the seller's next invoice number (shared by every buyer corp) and renders the PDF itself. */
export class EmbeddedInvoiceIssuer implements InvoiceIssuer {
  constructor(
    private readonly invoices: InvoiceBook,
    private readonly seller: Seller,
  ) {}

  async issue(invoice: Invoice, now: Date): Promise<IssueOutcome> {
    const invoiceNumber = await this.invoices.assignNumber(this.seller.taxId, invoice.corpId, invoice.invoiceId, formatInstant(now));
    if (!invoiceNumber) return { kind: 'pending', detail: 'The invoice closed before a number was drawn' };
    const pdf = await renderInvoicePdf({
      invoiceNumber,
      issuedOn: shanghaiDay(now),
      seller: this.seller,
      buyer: { title: invoice.title, taxId: invoice.taxId, email: invoice.email },
      orderId: invoice.orderId,
      seats: invoice.seats,
      unitPrice: unitPrice(invoice.amount.value.replace(/^-/, ''), invoice.seats),
      amount: invoice.amount,
      ...(invoice.reversesNumber && { reversesNumber: invoice.reversesNumber }),
    });
    return { kind: 'issued', invoiceNumber, issuedAt: formatInstant(now), pdf };
  }
}
