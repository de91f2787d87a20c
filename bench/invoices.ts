import { performance } from 'node:perf_hooks';
import { renderInvoicePdf } from '#adapters/invoices/invoice-pdf';
import { issuer } from '#providers/invoice-issuer';
import { startLocalStack } from '../local/stack.ts';
import { client } from '../test/integration/client.ts';
import { orderPaidEvent } from '../test/fixtures.ts';
import { recordSection, summarise } from './results.ts';

/** Invoice application over HTTP on the local stack, and the embedded issuer's PDF rendering. */
const APPLICATIONS = 200;
const CONCURRENCY = 4;
const RENDERS = 100;

const render = () =>
  renderInvoicePdf({
    invoiceNumber: '00000001',
    issuedOn: '2026-06-01',
    seller: { name: 'Steward 安全服务有限公司', taxId: '911101080031234560' },
    buyer: { title: '安克科技有限公司', taxId: '91110000802100433B', email: 'ap@anke.cn' },
    orderId: 'o-1',
    seats: 50,
    unitPrice: '1180.00',
    amount: { value: '59000.00', currency: 'CNY' },
  });
const firstStart = performance.now();
const first = await render();
const firstRenderMs = performance.now() - firstStart;
const renderMs: number[] = [];
for (let i = 0; i < RENDERS; i++) {
  const start = performance.now();
  await render();
  renderMs.push(performance.now() - start);
}

// The bench puts another invoice issuer in place, so the handlers run in this process.
const stack = await startLocalStack({ runtime: 'sources' });
const api = client(stack.url);
try {
  await api.local('POST', '/local/clock', { now: '2026-06-01T02:00:00Z' });
  for (let i = 0; i < APPLICATIONS; i += 20) {
    await Promise.all(Array.from({ length: 20 }, (_, j) => api.webhook('billing', orderPaidEvent('bench-invoices', `o-${i + j}`, 50))));
  }
  const applyAll = async (from: number, to: number) => {
    const applicationMs: number[] = [];
    let next = from;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < to) {
          const orderId = `o-${next++}`;
          const start = performance.now();
          const response = await api.admin('bench-invoices', 'POST', `/corps/bench-invoices/orders/${orderId}/invoices`, {
            title: '安克科技有限公司',
            taxId: '91110000802100433B',
            email: 'ap@anke.cn',
          });
          applicationMs.push(performance.now() - start);
          if (response.status !== 202) throw new Error(`application answered ${response.status}`);
        }
      }),
    );
    return { ...summarise(applicationMs), concurrency: CONCURRENCY, throughputPerSecond: +((to - from) / ((performance.now() - started) / 1000)).toFixed(1) };
  };
  // The API path alone: the workflows' issuer answers "not yet", so no PDF is rendered meanwhile.
  issuer.use({ issue: async () => ({ kind: 'pending', detail: 'deferred by the bench' }) });
  const application = await applyAll(0, APPLICATIONS / 2);
  // Then as in production on one machine: each application's workflow issues its PDF at once, in the same process.
  issuer.use(undefined);
  const applicationWhileIssuing = await applyAll(APPLICATIONS / 2, APPLICATIONS);

  const figures = {
    application,
    applicationWhileIssuing,
    pdfRender: { ...summarise(renderMs), firstRenderMs: +firstRenderMs.toFixed(1), pdfBytes: first.length },
    note:
      'Application: POST .../invoices over loopback HTTP; `application` with issuance deferred, `applicationWhileIssuing` with ' +
      'each workflow rendering its PDF in the same Node process meanwhile. PDF: pdf-lib with a subset of Noto Sans SC; ' +
      'the first render includes reading the 10 MB font.',
  };
  console.log(JSON.stringify(figures, null, 2));
  recordSection('invoices', figures);
} finally {
  await stack.stop();
}
