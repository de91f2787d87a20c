import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { testAssembly } from '../support/assembly.ts';
import { corpScenario } from '../support/offboarding.ts';
import { orderPaidEvent } from '../fixtures.ts';
import { client, eventually } from './client.ts';

/*
 * Nothing stays stuck (issue 14): faults injected into the local stack running the synthesised
 * bundles make each way of getting stuck happen: a StartExecution that throws, a task that keeps
 * failing, an execution that times out. Afterwards the member can be handed over again and the
 * invoice is still issued, or an alert says why not.
 */
let stack: LocalStack;
let api: ReturnType<typeof client>;
let sweeper: string;

beforeAll(async () => {
  stack = await startLocalStack({ from: (await testAssembly()).dir, logs: 'file' });
  api = client(stack.url);
  await api.local('POST', '/local/clock', { now: '2026-06-01T08:00:00Z' });
  sweeper = ((await api.local('GET', '/local/schedules')).items as { name: string; functionId: string }[]).find((s) => s.functionId.startsWith('StuckWorkSweeper'))!.name;
});
afterAll(() => stack?.stop());
afterEach(() => fetch(`${stack.url}/local/faults`, { method: 'DELETE' }));

const fault = (spec: { target: string; times?: number; hang?: boolean }) => api.local('POST', '/local/faults', spec);
const sweep = () => api.local('POST', `/local/schedules/${sweeper}`);
/** Events on the bus about one record, but the MemberAssetsHandedOver notices every admin handover of an active member raises. */
const alertsAbout = async (key: string, value: string) =>
  ((await api.local('GET', '/local/alerts')).items as any[]).filter((a) => a[key] === value && a.type !== 'MemberAssetsHandedOver');

/** A corp whose member `li` owns three docs and reports to `boss`. */
const staffed = async (corpId: string) => {
  const corp = corpScenario(api, corpId);
  await corp.hire('boss');
  await corp.hire('li', 'boss');
  await corp.assets('doc', 'doc', 3, 'li');
  const handOver = () => api.admin(corpId, 'POST', `/corps/${corpId}/handovers`, { fromMemberId: 'li', toMemberId: 'boss' });
  return { ...corp, handOver };
};

describe('stuck handovers', () => {
  it('closes a handover whose StartExecution threw, so the admin can hand the member over again', async () => {
    const corp = await staffed('stuck-start');
    await fault({ target: 'aws:states:StartExecution', times: 3 });
    const refused = await corp.handOver();
    expect(refused.status).toBe(500);
    const [closed] = await corp.handoversOf('li');
    expect(closed).toMatchObject({ status: 'failed', reason: expect.stringMatching(/start/) });

    const again = await corp.handOver();
    expect(again.status).toBe(202);
    expect(await corp.settled(again.body.handoverId)).toMatchObject({ status: 'succeeded', counts: { doc: { transferred: 3, failed: 0, skipped: 0 } } });
    expect((await corp.owned('boss')).map((a) => a.assetId).sort()).toEqual(['doc-00000', 'doc-00001', 'doc-00002']);
  });

  it('closes a handover whose finishing step ran out of retries, with a reason and an alert', async () => {
    const corp = await staffed('stuck-finish');
    // The first call and its six retries fail; the catch that closes the handover then runs.
    await fault({ target: 'function:FinishHandover', times: 7 });
    const started = await corp.handOver();
    expect(started.status).toBe(202);
    expect(await corp.settled(started.body.handoverId)).toMatchObject({ status: 'failed', reason: expect.any(String) });
    expect(await eventually(() => alertsAbout('handoverId', started.body.handoverId), (a) => a.length > 0)).toEqual([
      expect.objectContaining({ type: 'HandoverFailed', corpId: 'stuck-finish', fromMemberId: 'li' }),
    ]);

    const again = await corp.handOver();
    expect(again.status).toBe(202);
    expect(await corp.settled(again.body.handoverId)).toMatchObject({ status: 'succeeded' });
  });

  it('has the sweeper close a handover whose execution timed out, with an alert; the member can be handed over again', async () => {
    const corp = await staffed('stuck-timeout');
    await fault({ target: 'function:TransferAssets', hang: true });
    const started = await corp.handOver();
    expect(started.status).toBe(202);
    const execution = () => eventually(
      async () => ((await api.local('GET', '/local/executions')).items as any[]).find((e) => e.name === started.body.handoverId),
      (e) => e?.status === 'TIMED_OUT',
    );
    // The handover workflow's timeout is a day; the clock passes it while the transfer hangs.
    await api.local('POST', '/local/clock', { advanceBy: 'P1DT1M' });
    expect(await execution()).toMatchObject({ status: 'TIMED_OUT' });
    expect(await corp.handover(started.body.handoverId)).toMatchObject({ status: 'running' });
    await fetch(`${stack.url}/local/faults`, { method: 'DELETE' });

    expect(await sweep()).toMatchObject({ ok: true, result: { handovers: { closed: [started.body.handoverId] } } });
    expect(await corp.handover(started.body.handoverId)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/timed_out/) });
    expect(await alertsAbout('handoverId', started.body.handoverId)).toEqual([expect.objectContaining({ type: 'HandoverFailed' })]);
    expect(await sweep()).toMatchObject({ ok: true, result: { handovers: { closed: [], restarted: [] } } });

    const again = await corp.handOver();
    expect(again.status).toBe(202);
    expect(await corp.settled(again.body.handoverId)).toMatchObject({ status: 'succeeded' });
  });
});

describe('stuck invoices', () => {
  const buyer = { title: 'Acme Ltd', taxId: '91110000802100433B', email: 'ap@acme.cn' };
  const invoice = async (corpId: string, invoiceId: string) => (await api.admin(corpId, 'GET', `/corps/${corpId}/invoices/${invoiceId}`)).body;
  const invoicesOf = async (corpId: string) => (await api.admin(corpId, 'GET', `/corps/${corpId}/invoices`)).body.items as any[];
  const pay = async (corpId: string) => expect((await api.webhook('billing', orderPaidEvent(corpId, 'o-1', 10))).status).toBe(202);
  const apply = (corpId: string) => api.admin(corpId, 'POST', `/corps/${corpId}/orders/o-1/invoices`, buyer);

  it('has the sweeper start an invoice whose workflow never started, and the invoice is issued', async () => {
    await pay('stuck-invoice-start');
    await fault({ target: 'aws:states:StartExecution', times: 3 });
    expect((await apply('stuck-invoice-start')).status).toBe(500);
    const [requested] = await invoicesOf('stuck-invoice-start');
    expect(requested).toMatchObject({ status: 'requested' });

    await api.local('POST', '/local/clock', { advanceBy: 'PT20M' });
    expect(await sweep()).toMatchObject({ ok: true });
    expect(await eventually(() => invoice('stuck-invoice-start', requested.invoiceId), (i) => i.status === 'issued')).toMatchObject({
      status: 'issued',
      pdfUrl: expect.any(String),
    });
  });

  it('alerts when the issuance check keeps failing, and the sweeper restarts it once it recovers', async () => {
    await pay('stuck-invoice-check');
    await fault({ target: 'function:CheckInvoice' });
    const applied = await apply('stuck-invoice-check');
    expect(applied.status).toBe(202);
    const id = applied.body.invoiceId;
    expect(await eventually(() => alertsAbout('invoiceId', id), (a) => a.length > 0)).toEqual([
      expect.objectContaining({ type: 'InvoiceWorkflowFailed', corpId: 'stuck-invoice-check' }),
    ]);
    expect(await invoice('stuck-invoice-check', id)).toMatchObject({ status: 'requested' });

    await fetch(`${stack.url}/local/faults`, { method: 'DELETE' });
    await api.local('POST', '/local/clock', { advanceBy: 'PT20M' });
    await sweep();
    expect(await eventually(() => invoice('stuck-invoice-check', id), (i) => i.status === 'issued')).toMatchObject({ status: 'issued' });
  });
});
