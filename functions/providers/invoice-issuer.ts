import { EmbeddedInvoiceIssuer } from '#adapters/invoices/embedded-issuer';
import { HttpInvoiceIssuer } from '#adapters/invoices/http-issuer';
import { provider } from '#commons/provider';
import type { InvoiceIssuer } from '#ports/invoices';
import { invoices } from './invoice-book.ts';

/**
 * `STEWARD_INVOICE_PROVIDER_URL` sends invoices to an e-invoicing provider; without it Steward
 * issues them itself as the seller `STEWARD_SELLER_NAME` / `STEWARD_SELLER_TAX_ID`.
 */
export const issuer = provider<InvoiceIssuer>(() => {
  const url = process.env.STEWARD_INVOICE_PROVIDER_URL;
  return url
    ? new HttpInvoiceIssuer(url)
    : new EmbeddedInvoiceIssuer(invoices(), {
        name: process.env.STEWARD_SELLER_NAME ?? 'Steward 安全服务有限公司',
        taxId: process.env.STEWARD_SELLER_TAX_ID ?? '911101080031234560',
      });
});
