import { adminCorpId } from '#commons/auth';
import { httpHandler, idParam, jsonBody, pageRequest } from '#commons/http';
import { portsFrom } from '#commons/provider';
import { invoiceRequest } from '#commons/schemas';
import { calendar } from '#providers/calendar';
import { clock } from '#providers/clock';
import { documents } from '#providers/documents';
import { invoices } from '#providers/invoice-book';
import { orders } from '#providers/order-book';
import { workflows } from '#providers/workflows';
import { applyForInvoice, getInvoice, listInvoices } from '#use-cases/invoices';

const ports = portsFrom({ orders, invoices, calendar, documents, clock, workflows });

/** Invoices: apply after payment, then follow the invoice until it is issued. */
export const handler = httpHandler({
  'POST /corps/{corpId}/orders/{orderId}/invoices': async (request) => {
    const corpId = adminCorpId(request);
    const orderId = idParam(request, 'orderId');
    const invoice = await applyForInvoice(ports, corpId, orderId, jsonBody(request, invoiceRequest));
    return { status: 202, body: invoice, headers: { location: `/corps/${corpId}/invoices/${invoice.invoiceId}` } };
  },

  'GET /corps/{corpId}/invoices': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await listInvoices(ports, corpId, pageRequest(request)) };
  },

  'GET /corps/{corpId}/invoices/{invoiceId}': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await getInvoice(ports, corpId, idParam(request, 'invoiceId')) };
  },
});
