import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { extractText, getDocumentProxy } from 'unpdf';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { client, eventually } from './client.ts';
import { orderPaidEvent } from '../fixtures.ts';
import { startFakeInvoiceProvider } from '../support/fake-invoice-provider.ts';
import { HttpInvoiceIssuer } from '#adapters/invoices/http-issuer';
import { calendar } from '#providers/calendar';
import { issuer } from '#providers/invoice-issuer';

/* Invoices on the local stack: apply over HTTP, the invoice workflow issues, the PDF is served from S3. */
let stack: LocalStack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  // The tests put another invoice issuer in place, so the handlers run in this process.
  stack = await startLocalStack({ runtime: 'sources' });
  api = client(stack.url);
});
afterAll(() => stack?.stop());
afterEach(() => issuer.use(undefined));

const buyer = { title: '安克科技有限公司', taxId: '91110000802100433B', email: 'ap@anke.cn' };
const pay = (corpId: string, orderId: string, seats = 50) => api.webhook('billing', orderPaidEvent(corpId, orderId, seats));
const apply = (corpId: string, orderId: string, body: unknown = buyer, tokenCorp = corpId) =>
  api.admin(corpId, 'POST', `/corps/${corpId}/orders/${orderId}/invoices`, body, tokenCorp);
const clockNow = async () => Date.parse((await api.local('GET', '/local/clock')).now);
const invoice = async (corpId: string, invoiceId: string) => (await api.admin(corpId, 'GET', `/corps/${corpId}/invoices/${invoiceId}`)).body;
const invoicesOf = async (corpId: string) => (await api.admin(corpId, 'GET', `/corps/${corpId}/invoices`)).body.items as any[];
const pdfText = async (url: string) => {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const bytes = new Uint8Array(await response.arrayBuffer());
  expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
  return (await extractText(await getDocumentProxy(bytes), { mergePages: true })).text;
};

describe('invoices', () => {
  it('issues a paid order’s invoice as a PDF with the buyer, tax id and amount', async () => {
    await api.local('POST', '/local/clock', { now: '2026-09-30T02:00:00Z' });
    await pay('inv-a', 'o-1');
    const applied = await apply('inv-a', 'o-1');
    const appliedBy = await clockNow();
    expect(applied.status).toBe(202);
    // The stack's clock keeps running after it is set: instants lie between the setting and the next reading.
    expect(Date.parse(applied.body.requestedAt)).toBeGreaterThanOrEqual(Date.parse('2026-09-30T02:00:00Z'));
    expect(Date.parse(applied.body.requestedAt)).toBeLessThanOrEqual(appliedBy);
    expect(applied.body).toMatchObject({
      orderId: 'o-1',
      status: 'requested',
      dueBy: '2026-10-15T15:59:59Z',
      dueByProvisional: false,
      issuedAt: null,
      amount: { value: '59000.00', currency: 'CNY' },
      pdfUrl: null,
    });
    const issued = await eventually(() => invoice('inv-a', applied.body.invoiceId), (i) => i.status === 'issued');
    expect(issued).toMatchObject({ status: 'issued', invoiceNumber: '00000001' });
    expect(Date.parse(issued.issuedAt)).toBeGreaterThanOrEqual(Date.parse(applied.body.requestedAt));
    expect(Date.parse(issued.issuedAt)).toBeLessThanOrEqual(await clockNow());
    expect(issued.pdfUrl).toContain('X-Amz-Expires=900');
    const text = await pdfText(issued.pdfUrl);
    expect(text).toContain('安克科技有限公司');
    expect(text).toContain('91110000802100433B');
    expect(text).toContain('59000.00 CNY');
    expect(text).toContain('00000001');
    expect((await invoicesOf('inv-a')).map((i) => i.invoiceId)).toEqual([applied.body.invoiceId]);

    // The corp's next invoice takes the next number.
    await pay('inv-a', 'o-2', 3);
    const second = await apply('inv-a', 'o-2', { ...buyer, title: 'Acme Ltd' });
    const secondIssued = await eventually(() => invoice('inv-a', second.body.invoiceId), (i) => i.status === 'issued');
    expect(secondIssued.invoiceNumber).toBe('00000002');
    expect(await pdfText(secondIssued.pdfUrl)).toContain('Acme Ltd');
  });

  it('refuses unpaid, refunded, already invoiced and malformed applications without writing', async () => {
    await api.local('POST', '/local/clock', { now: '2026-06-01T02:00:00Z' });
    await pay('inv-b', 'o-paid');
    await pay('inv-b', 'o-refunded');
    await api.webhook('billing', { type: 'order.refunded', data: { corpId: 'inv-b', orderId: 'o-refunded', refundedAt: '2026-06-01T01:00:00Z' } });

    const refusals = [
      await apply('inv-b', 'o-never-paid'),
      await apply('inv-b', 'o-refunded'),
      await apply('inv-b', 'o-paid', { ...buyer, taxId: '911100001000113409' }),
      await apply('inv-b', 'o-paid', { ...buyer, taxId: '91110000802100433' }),
      await apply('inv-b', 'o-paid', { ...buyer, email: 'not-an-email' }),
      await apply('inv-b', 'o-paid', { ...buyer, title: '' }),
      await apply('inv-b', 'o-paid', buyer, 'other-corp'),
    ];
    expect(refusals.map((r) => [r.status, r.body.code])).toEqual([
      [409, 'ORDER_NOT_PAID'],
      [409, 'ORDER_REFUNDED'],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [403, 'FORBIDDEN'],
    ]);
    expect(refusals[2]!.body.errors).toEqual([{ path: '/taxId', message: expect.stringMatching(/check character/) }]);
    expect(refusals.every((r) => r.type === 'application/problem+json')).toBe(true);
    expect(await invoicesOf('inv-b')).toEqual([]);

    const first = await apply('inv-b', 'o-paid');
    expect(first.status).toBe(202);
    const again = await apply('inv-b', 'o-paid');
    expect([again.status, again.body.code, again.body.invoiceId]).toEqual([409, 'INVOICE_EXISTS', first.body.invoiceId]);

    await pay('inv-b', 'o-race');
    const race = await Promise.all(Array.from({ length: 10 }, () => apply('inv-b', 'o-race')));
    expect(race.filter((r) => r.status === 202)).toHaveLength(1);
    expect(race.filter((r) => r.status === 409).every((r) => r.body.code === 'INVOICE_EXISTS')).toBe(true);
    expect((await invoicesOf('inv-b')).filter((i) => i.orderId === 'o-race')).toHaveLength(1);
  });

  it('marks an invoice overdue with one alert when the issuer stays silent past dueBy, then issues when it recovers', async () => {
    const provider = await startFakeInvoiceProvider(process.env.STEWARD_INVOICE_PROVIDER_SECRET!);
    try {
      issuer.use(new HttpInvoiceIssuer(provider.url, 300));
      // Mon Jun 1: Jun 2, 3, 4, 5, 8, 9, 10 -> due at the end of Wed Jun 10 in Shanghai.
      await api.local('POST', '/local/clock', { now: '2026-06-01T02:00:00Z' });
      await pay('inv-c', 'o-1');
      const applied = await apply('inv-c', 'o-1');
      expect(applied.body).toMatchObject({ status: 'requested', dueBy: '2026-06-10T15:59:59Z' });
      const id = applied.body.invoiceId;
      await eventually(async () => provider.state.requests, (n) => n >= 1);
      expect((await invoice('inv-c', id)).status).toBe('requested');

      await api.local('POST', '/local/clock', { now: '2026-06-10T16:00:30Z' });
      expect(await eventually(() => invoice('inv-c', id), (i) => i.status === 'overdue')).toMatchObject({ status: 'overdue', pdfUrl: null });
      const alerts = async () => ((await api.local('GET', '/local/alerts')).items as any[]).filter((a) => a.invoiceId === id);
      expect(await eventually(alerts, (a) => a.length > 0)).toEqual([
        expect.objectContaining({ type: 'InvoiceOverdue', corpId: 'inv-c', orderId: 'o-1', dueBy: '2026-06-10T15:59:59Z' }),
      ]);

      // Still silent: more checks, still one alert.
      const before = provider.state.requests;
      await api.local('POST', '/local/clock', { advanceBy: 'PT2H' });
      await eventually(async () => provider.state.requests, (n) => n > before);
      expect(await alerts()).toHaveLength(1);

      provider.state.mode = 'issue';
      await api.local('POST', '/local/clock', { advanceBy: 'PT2H' });
      const issued = await eventually(() => invoice('inv-c', id), (i) => i.status === 'issued');
      expect(issued.invoiceNumber).toBe('FP000001');
      expect(await pdfText(issued.pdfUrl)).toContain('安克科技有限公司');
      expect(await alerts()).toHaveLength(1);
    } finally {
      await provider.stop();
    }
  });

  it('flags a due date in a year without a schedule as provisional until the year is loaded', async () => {
    await api.local('POST', '/local/clock', { now: '2026-12-28T02:00:00Z' });
    await pay('inv-d', 'o-1');
    const applied = await apply('inv-d', 'o-1');
    // Dec 29, 30, 31, then 2027 by the weekday rule: Fri Jan 1, Mon Jan 4, 5, 6.
    expect(applied.body).toMatchObject({ dueBy: '2027-01-06T15:59:59Z', dueByProvisional: true });
    await calendar().putYear({ year: 2027, holidays: ['2027-01-01'], workdays: [] });
    // Jan 1 is off after all: Dec 29, 30, 31, Jan 4, 5, 6, 7.
    expect(await invoice('inv-d', applied.body.invoiceId)).toMatchObject({ dueBy: '2027-01-07T15:59:59Z', dueByProvisional: false });
  });
});

