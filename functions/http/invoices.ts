import { adminCorpId } from '#commons/auth';
import { deps } from '#commons/deps';
import { httpHandler, idParam, jsonBody, pageRequest } from '#commons/http';
import { invoiceRequest } from '#commons/schemas';
import { applyForInvoice, getInvoice, listInvoices } from '#use-cases/invoices';

/** Invoices: apply after payment, then follow the invoice until it is issued. */
export const handler = httpHandler({
  'POST /corps/{corpId}/orders/{orderId}/invoices': async (request) => {
    const corpId = adminCorpId(request);
    const orderId = idParam(request, 'orderId');
    const invoice = await applyForInvoice(deps(), corpId, orderId, jsonBody(request, invoiceRequest));
    return { status: 202, body: invoice, headers: { location: `/corps/${corpId}/invoices/${invoice.invoiceId}` } };
  },

  'GET /corps/{corpId}/invoices': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await listInvoices(deps(), corpId, pageRequest(request)) };
  },

  'GET /corps/{corpId}/invoices/{invoiceId}': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await getInvoice(deps(), corpId, idParam(request, 'invoiceId')) };
  },
});
