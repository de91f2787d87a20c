import { instant } from '#commons/schemas';
import type { Invoice, InvoiceIssuer, IssueOutcome } from '#ports/invoices';
import * as z from 'zod';
import { detailOf, postSigned } from '../http/signed-post.ts';
import { PRODUCT_NAME } from './invoice-pdf.ts';


const issued = z.object({
  status: z.literal('issued'),
  invoiceNumber: z.string().min(1).max(64),
  issuedAt: instant,
  /** The PDF, base64. */
  pdf: z.string().min(1),
});

/**
 * An e-invoicing provider: `POST {baseUrl}/invoices`, signed with `STEWARD_INVOICE_PROVIDER_SECRET`,
 * `webhook-id` = the invoice id, so asking again returns the same invoice. 200/201 with the issued
 * invoice, or 202 while it is being issued; anything else is the provider unavailable, asked again.
 */
export class HttpInvoiceIssuer implements InvoiceIssuer {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async issue(invoice: Invoice): Promise<IssueOutcome> {
    let response: Response;
    try {
      response = await postSigned(
        `${this.baseUrl.replace(/\/$/, '')}/invoices`,
        invoice.invoiceId,
        {
          invoiceId: invoice.invoiceId,
          corpId: invoice.corpId,
          orderId: invoice.orderId,
          buyer: { title: invoice.title, taxId: invoice.taxId, email: invoice.email },
          items: [{ name: PRODUCT_NAME, quantity: invoice.kind === 'red' ? -invoice.seats : invoice.seats, amount: invoice.amount }],
          amount: invoice.amount,
          kind: invoice.kind,
          reverses: invoice.reverses && { invoiceId: invoice.reverses, invoiceNumber: invoice.reversesNumber },
        },
        'STEWARD_INVOICE_PROVIDER_SECRET',
        this.timeoutMs,
      );
    } catch (error) {
      return { kind: 'unavailable', detail: `The invoice provider did not answer: ${(error as Error).message}` };
    }
    if (response.status === 200 || response.status === 201) {
      const body = issued.safeParse(await response.json().catch(() => null));
      if (!body.success) return { kind: 'unavailable', detail: 'The invoice provider answered an issued invoice Steward cannot read' };
      return { kind: 'issued', invoiceNumber: body.data.invoiceNumber, issuedAt: body.data.issuedAt, pdf: Buffer.from(body.data.pdf, 'base64') };
    }
    const detail = `The invoice provider answered ${response.status}: ${await detailOf(response)}`;
    return response.status === 202 ? { kind: 'pending', detail } : { kind: 'unavailable', detail };
  }
}
