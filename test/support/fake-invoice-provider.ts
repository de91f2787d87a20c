import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderInvoicePdf } from '#adapters/invoices/invoice-pdf';
import { signingKeys } from '#commons/webhook-signature';
import { answer as send, readSigned } from './signed-request.ts';

/**
 * Plays an e-invoicing provider for the HTTP issuer. `silent`: takes requests and never answers
 * (the caller times out); `issue`: issues once per invoice id and answers the same invoice to
 * every later request for it.
 */
export const startFakeInvoiceProvider = async (secret: string) => {
  const keys = signingKeys(secret);
  const state = { mode: 'silent' as 'silent' | 'issue', requests: 0 };
  const issued = new Map<string, unknown>();
  const hanging = new Set<ServerResponse>();
  const server = createServer(async (request, response) => {
    const answer = (status: number, payload: unknown) => send(response, status, payload);
    const signed = await readSigned(request, response, keys);
    state.requests += 1;
    if (!signed) return;
    const { body } = signed;
    if (state.mode === 'silent') return void hanging.add(response);
    const invoice = JSON.parse(body.toString('utf8')) as { invoiceId: string; orderId: string; buyer: { title: string; taxId: string; email: string }; items: { quantity: number }[]; amount: { value: string; currency: string } };
    if (!issued.has(invoice.invoiceId)) {
      const invoiceNumber = `FP${String(issued.size + 1).padStart(6, '0')}`;
      const pdf = await renderInvoicePdf({
        invoiceNumber,
        issuedOn: new Date().toISOString().slice(0, 10),
        seller: { name: 'Fake provider seller', taxId: '91350100M000100Y43' },
        buyer: invoice.buyer,
        orderId: invoice.orderId,
        seats: invoice.items[0]!.quantity,
        unitPrice: '0.00',
        amount: invoice.amount,
      });
      issued.set(invoice.invoiceId, { status: 'issued', invoiceNumber, issuedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), pdf: Buffer.from(pdf).toString('base64') });
    }
    return answer(201, issued.get(invoice.invoiceId));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    stop: () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      return new Promise<void>((done) => server.close(() => done()));
    },
  };
};
