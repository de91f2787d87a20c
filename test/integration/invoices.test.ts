import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { extractText, getDocumentProxy } from 'unpdf';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { client, eventually } from './client.ts';
import { orderPaidEvent } from '../fixtures.ts';
import { startFakeInvoiceProvider } from '../support/fake-invoice-provider.ts';
import { HttpInvoiceIssuer } from '#adapters/invoices/http-issuer';
import { metrics } from '#commons/metrics';
import { alerts } from '#providers/alerts';
import { calendar } from '#providers/calendar';
import { documents } from '#providers/documents';
import { invoices } from '#providers/invoice-book';
import { issuer, seller } from '#providers/invoice-issuer';
import { workflows } from '#providers/workflows';
import { readNumberLedger, sweepStuckInvoices } from '#use-cases/invoices';

/* Invoices on the local stack: apply over HTTP, the invoice workflow issues, the PDF is served from S3. */
let stack: LocalStack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  // The tests put another invoice issuer in place, so the handlers run in this process.
  stack = await startLocalStack({ runtime: 'sources' });
  api = client(stack.url);
});
afterAll(() => stack?.stop());
afterEach(() => {
  issuer.use(undefined);
  documents.use(undefined);
});

/** The InvoiceIssuerCalls metric's `result` of each call, as the handlers (in this process) count it. */
const recordIssuerCalls = () => {
  const results: string[] = [];
  const original = metrics.singleMetric.bind(metrics);
  const spy = vi.spyOn(metrics, 'singleMetric').mockImplementation(() => {
    const single = original();
    const dimensions: Record<string, string> = {};
    vi.spyOn(single, 'addDimension').mockImplementation((name, value) => {
      dimensions[name] = value;
      return single;
    });
    vi.spyOn(single, 'addMetric').mockImplementation((name) => {
      if (name === 'InvoiceIssuerCalls') results.push(dimensions.result!);
      return single;
    });
    return single;
  });
  return { results, restore: () => spy.mockRestore() };
};
const sweep = () => sweepStuckInvoices({ invoices: invoices(), workflows: workflows(), alerts: alerts() }, stack.clock.now());
const ledger = () => readNumberLedger({ invoices: invoices() }, seller().taxId);
const alertsOf = async (invoiceId: string) => ((await api.local('GET', '/local/alerts')).items as any[]).filter((a) => a.invoiceId === invoiceId);
const refund = (corpId: string, orderId: string, id?: string) =>
  api.webhook('billing', { type: 'order.refunded', data: { corpId, orderId, refundedAt: '2026-07-01T00:00:00Z' } }, id);


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
    const issuerCalls = recordIssuerCalls();
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
      // What the InvoiceIssuerDown alarm counts: every silent call failed, then one issued.
      expect(issuerCalls.results.filter((r) => r === 'failed').length).toBeGreaterThanOrEqual(3);
      expect(issuerCalls.results.at(-1)).toBe('issued');
      // After the recovery the issuer may be asked again (a check retried, or two due at once after the clock jump); it answers with the one invoice.
      expect(new Set(issuerCalls.results.filter((r) => r !== 'failed'))).toEqual(new Set(['issued']));
    } finally {
      issuerCalls.restore();
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


describe('invoice numbers, reversals and stuck workflows (issue 14)', () => {
  it('numbers invoices per seller: two corps never get the same number, and the ledger gives each number its invoice', async () => {
    await api.local('POST', '/local/clock', { now: '2026-09-30T02:00:00Z' });
    const issuedIn = async (corpId: string) => {
      await pay(corpId, 'o-1');
      const applied = await apply(corpId, 'o-1');
      expect(applied.status).toBe(202);
      return eventually(() => invoice(corpId, applied.body.invoiceId), (i) => i.status === 'issued');
    };
    const [first, second] = [await issuedIn('inv-seller-1'), await issuedIn('inv-seller-2')];
    expect(first.invoiceNumber).toMatch(/^\d{8}$/);
    expect(second.invoiceNumber).toMatch(/^\d{8}$/);
    expect(second.invoiceNumber).not.toBe(first.invoiceNumber);
    const entries = await ledger();
    expect(entries.map((e) => e.invoiceNumber)).toEqual(entries.map((_, i) => String(i + 1).padStart(8, '0')));
    expect(entries).toContainEqual(expect.objectContaining({ invoiceNumber: first.invoiceNumber, use: 'invoice', corpId: 'inv-seller-1', invoiceId: first.invoiceId }));
    expect(entries).toContainEqual(expect.objectContaining({ invoiceNumber: second.invoiceNumber, use: 'invoice', corpId: 'inv-seller-2', invoiceId: second.invoiceId }));
    // Corp inv-a's invoices (the first test) come from the same sequence.
    const numbers = [...(await invoicesOf('inv-a')), first, second].map((i) => i.invoiceNumber);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('reverses an issued invoice on refund with a red-letter invoice of its own number and PDF; a redelivered refund changes nothing', async () => {
    await api.local('POST', '/local/clock', { now: '2026-06-01T02:00:00Z' });
    await pay('inv-red', 'o-1');
    const applied = await apply('inv-red', 'o-1');
    const original = await eventually(() => invoice('inv-red', applied.body.invoiceId), (i) => i.status === 'issued');

    const refunded = await refund('inv-red', 'o-1', 'msg_refund_inv_red');
    expect(refunded.status).toBe(202);
    const listed = await eventually(() => invoicesOf('inv-red'), (items) => items.length === 2 && items.every((i) => i.status !== 'requested'));
    const red = listed.find((i) => i.kind === 'red');
    expect(red).toMatchObject({ kind: 'red', status: 'issued', orderId: 'o-1', reverses: original.invoiceId, reversedBy: null, amount: { value: '-59000.00', currency: 'CNY' } });
    expect(red.invoiceNumber).toMatch(/^\d{8}$/);
    expect(red.invoiceNumber).not.toBe(original.invoiceNumber);
    const text = await pdfText(red.pdfUrl);
    expect(text).toContain('红字');
    expect(text).toContain(original.invoiceNumber);
    expect(text).toContain('-59000.00 CNY');
    expect(await invoice('inv-red', original.invoiceId)).toMatchObject({ kind: 'blue', status: 'reversed', reversedBy: red.invoiceId, reverses: null });
    expect(await invoice('inv-red', red.invoiceId)).toMatchObject({ invoiceId: red.invoiceId, status: 'issued' });

    // The same delivery again, and billing sending the refund anew under another id.
    expect((await refund('inv-red', 'o-1', 'msg_refund_inv_red')).status).toBe(202);
    expect((await refund('inv-red', 'o-1')).status).toBe(202);
    const after = await invoicesOf('inv-red');
    expect(after.map((i) => [i.invoiceId, i.status, i.invoiceNumber])).toEqual(listed.map((i) => [i.invoiceId, i.status, i.invoiceNumber]));
    expect((await ledger()).filter((e) => e.use !== 'unaccounted' && e.corpId === 'inv-red')).toHaveLength(2);
  });

  it('cancels an invoice refunded before issuance: never issued, and a number it drew is void in the ledger', async () => {
    await api.local('POST', '/local/clock', { now: '2026-06-01T02:00:00Z' });
    // The PDF cannot be stored: the number is drawn, the invoice stays requested.
    const real = documents();
    documents.use({ ...real, put: async (key, body, type) => (key.startsWith('invoices/inv-void/') ? Promise.reject(new Error('S3 unavailable (injected)')) : real.put(key, body, type)) });
    await pay('inv-void', 'o-1');
    const applied = await apply('inv-void', 'o-1');
    const id = applied.body.invoiceId;
    const drawn = await eventually(async () => (await ledger()).find((e) => e.use !== 'unaccounted' && e.invoiceId === id), (e) => e !== undefined);
    expect(drawn).toMatchObject({ use: 'invoice', corpId: 'inv-void' });

    expect((await refund('inv-void', 'o-1')).status).toBe(202);
    expect(await invoice('inv-void', id)).toMatchObject({ status: 'cancelled', pdfUrl: null, issuedAt: null, closedReason: expect.stringMatching(/refunded/) });
    expect((await ledger()).find((e) => e.invoiceNumber === drawn!.invoiceNumber)).toMatchObject({ use: 'void', invoiceId: id, reason: expect.stringMatching(/cancelled/) });
    expect(await invoicesOf('inv-void')).toHaveLength(1);
  });

  it('alerts when CheckIssuance keeps failing; the sweeper restarts the workflow, then closes the invoice failed with an alert', async () => {
    await api.local('POST', '/local/clock', { now: '2026-06-01T02:00:00Z' });
    issuer.use({ issue: async () => Promise.reject(new Error('issuer crashed (injected)')) });
    await pay('inv-fail', 'o-1');
    const applied = await apply('inv-fail', 'o-1');
    const id = applied.body.invoiceId;
    const failures = (n: number) => eventually(() => alertsOf(id), (a) => a.filter((x) => x.type === 'InvoiceWorkflowFailed').length >= n);
    expect(await failures(1)).toEqual([expect.objectContaining({ type: 'InvoiceWorkflowFailed', corpId: 'inv-fail', orderId: 'o-1', run: 0 })]);
    expect(stack.stepFunctions.executions.get(`${process.env.INVOICE_STATE_MACHINE_ARN}/${id}`)?.status).toBe('FAILED');

    expect(await sweep()).toMatchObject({ restarted: 1, failed: 0 });
    await failures(2);
    expect(await sweep()).toMatchObject({ restarted: 1, failed: 0 });
    await failures(3);
    expect(await sweep()).toMatchObject({ restarted: 0, failed: 1 });
    expect(await invoice('inv-fail', id)).toMatchObject({ status: 'failed', closedReason: expect.stringMatching(/3 times/) });
    expect((await alertsOf(id)).map((a) => a.type)).toEqual(['InvoiceWorkflowFailed', 'InvoiceWorkflowFailed', 'InvoiceWorkflowFailed', 'InvoiceFailed']);
    // Closed: no longer open, so the next sweep leaves it.
    expect((await sweep()).failed).toBe(0);
  });

  it('gets the workflow running when the application is retried after its start failed', async () => {
    await api.local('POST', '/local/clock', { now: '2026-06-01T02:00:00Z' });
    await pay('inv-start', 'o-1');
    // The SDK's three attempts at StartExecution all fail.
    stack.faults.add({ target: 'aws:states:StartExecution', times: 3 });
    const failed = await apply('inv-start', 'o-1');
    expect(failed.status).toBe(500);
    const [recorded] = await invoicesOf('inv-start');
    expect(recorded).toMatchObject({ status: 'requested' });

    // Past the first application's own start (it may still be on its way), a retry starts it.
    await api.local('POST', '/local/clock', { advanceBy: 'PT2M' });
    const retried = await apply('inv-start', 'o-1');
    expect([retried.status, retried.body.invoiceId]).toEqual([202, recorded.invoiceId]);
    expect(await eventually(() => invoice('inv-start', recorded.invoiceId), (i) => i.status === 'issued')).toMatchObject({ status: 'issued' });
    // Running or done, the invoice exists: a further application is refused.
    expect((await apply('inv-start', 'o-1')).body.code).toBe('INVOICE_EXISTS');
  });
});
