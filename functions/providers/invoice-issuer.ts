import { loadedOnFirstCall, provider } from '#commons/provider';
import type { InvoiceIssuer } from '#ports/invoices';
import { invoices } from './invoice-book.ts';

/** The seller Steward issues as, and whose number ledger it keeps. */
export const seller = () => ({
  name: process.env.STEWARD_SELLER_NAME ?? 'Steward 安全服务有限公司',
  taxId: process.env.STEWARD_SELLER_TAX_ID ?? '911101080031234560',
});

/**
 * `STEWARD_INVOICE_PROVIDER_URL` sends invoices to an e-invoicing provider; without it Steward
 * issues them itself as the seller `STEWARD_SELLER_NAME` / `STEWARD_SELLER_TAX_ID`.
 */
export const issuer = provider<InvoiceIssuer>(() => {
  const url = process.env.STEWARD_INVOICE_PROVIDER_URL;
  if (url) return loadedOnFirstCall(async () => new (await import('#adapters/invoices/http-issuer')).HttpInvoiceIssuer(url));
  const book = invoices();
  return loadedOnFirstCall(async () => new (await import('#adapters/invoices/embedded-issuer')).EmbeddedInvoiceIssuer(book, seller()));
});
