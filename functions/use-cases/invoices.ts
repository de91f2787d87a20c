import pLimit from 'p-limit';
import { ulid } from 'ulid';
import type { z } from 'zod';
import {
  invoiceExecutionName,
  isOpen,
  refundEffect,
  reversalAmount,
  stuckInvoiceAction,
  type LedgerEntry,
  type StuckInvoiceAction,
} from '#core/invoice';
import { formatInstant } from '#core/time';
import { dueAfterWorkingDays, workCalendar, type WorkCalendar } from '#core/working-days';
import { DomainError } from '#core/errors';
import { logger } from '#commons/logger';
import { countMetric } from '#commons/metrics';
import type { invoiceRequest, invoiceView } from '#commons/schemas';
import type { Invoice } from '#ports/invoices';
import type { Ports } from '#ports/ports';
import type { Page, PageRequest } from '#ports/stores';

type InvoiceView = z.infer<typeof invoiceView>;

/** Issue within this many mainland-China working days. */
export const ISSUE_WITHIN_WORKING_DAYS = 7;
const PDF_LINK_SECONDS = 15 * 60;
const FIRST_CHECK_AFTER_MS = 60_000;
const MAX_CHECK_INTERVAL_MS = 60 * 60_000;
/** An application's own start may still be in flight this long after it recorded the invoice (the handler's timeout). */
const START_GRACE_MS = 60_000;

const loadWorkCalendar = async (ports: Pick<Ports, 'calendar'>): Promise<WorkCalendar> => workCalendar(await ports.calendar.years());

const pdfKey = (invoice: Invoice) => `invoices/${invoice.corpId}/${invoice.invoiceId}.pdf`;

/** A provisional due date is computed again once the year's schedule is loaded. */
const withCurrentDue = async (
  ports: Pick<Ports, 'invoices' | 'calendar'>,
  invoice: Invoice,
  calendar: () => Promise<WorkCalendar> = () => loadWorkCalendar(ports),
): Promise<Invoice> => {
  if (!invoice.dueByProvisional) return invoice;
  const due = dueAfterWorkingDays(new Date(invoice.requestedAt), await calendar(), ISSUE_WITHIN_WORKING_DAYS);
  if (due.dueBy === invoice.dueBy && due.provisional) return invoice;
  await ports.invoices.updateDue(invoice.corpId, invoice.invoiceId, due);
  logger.info('invoice due date recomputed', { invoiceId: invoice.invoiceId, from: invoice.dueBy, to: due.dueBy, provisional: due.provisional });
  return { ...invoice, dueBy: due.dueBy, dueByProvisional: due.provisional };
};

export const toInvoiceView = async (ports: Pick<Ports, 'documents'>, invoice: Invoice): Promise<InvoiceView> => ({
  invoiceId: invoice.invoiceId,
  orderId: invoice.orderId,
  status: invoice.status,
  kind: invoice.kind,
  reverses: invoice.reverses,
  reversedBy: invoice.reversedBy,
  closedReason: invoice.closedReason,
  requestedAt: invoice.requestedAt,
  dueBy: invoice.dueBy,
  dueByProvisional: invoice.dueByProvisional,
  issuedAt: invoice.issuedAt,
  amount: invoice.amount,
  pdfUrl: invoice.pdfKey ? await ports.documents.presignedUrl(invoice.pdfKey, PDF_LINK_SECONDS) : null,
  invoiceNumber: invoice.invoiceNumber,
  title: invoice.title,
  taxId: invoice.taxId,
  email: invoice.email,
});

/** A new open invoice, due 7 working days after `now`. */
const openInvoice = async (
  ports: Pick<Ports, 'calendar'>,
  now: Date,
  fields: Pick<Invoice, 'corpId' | 'orderId' | 'title' | 'taxId' | 'email' | 'seats' | 'amount'> & Partial<Pick<Invoice, 'kind' | 'reverses' | 'reversesNumber'>>,
): Promise<Invoice> => {
  const due = dueAfterWorkingDays(now, await loadWorkCalendar(ports), ISSUE_WITHIN_WORKING_DAYS);
  return {
    kind: 'blue',
    reverses: null,
    reversesNumber: null,
    ...fields,
    invoiceId: `inv_${ulid(now.getTime())}`,
    status: 'requested',
    reversedBy: null,
    requestedAt: formatInstant(now),
    dueBy: due.dueBy,
    dueByProvisional: due.provisional,
    issuedAt: null,
    invoiceNumber: null,
    sellerTaxId: null,
    pdfKey: null,
    alertedAt: null,
    checks: 0,
    workflowRun: 0,
    closedReason: null,
    closedAt: null,
  };
};

const startWorkflow = (ports: Pick<Ports, 'workflows'>, invoice: Invoice, run: number) =>
  ports.workflows.start('invoice', invoiceExecutionName(invoice.invoiceId, run), { corpId: invoice.corpId, invoiceId: invoice.invoiceId });

/**
 * Gets an open invoice's workflow running again if it is not: started if it never was (a repeated
 * start of the same name is a no-op), restarted under the next run's name if it ended, up to the
 * run budget. Answers what it found; `close` is left to the caller.
 */
const reviveWorkflow = async (ports: Pick<Ports, 'invoices' | 'workflows'>, invoice: Invoice, now: Date): Promise<StuckInvoiceAction> => {
  const execution = await ports.workflows.status('invoice', invoiceExecutionName(invoice.invoiceId, invoice.workflowRun));
  const action = stuckInvoiceAction(invoice.workflowRun, execution);
  // The first run's start may still be on its way from the application that recorded the invoice.
  if (action.kind === 'start' && invoice.workflowRun === 0 && now.getTime() - Date.parse(invoice.requestedAt) < START_GRACE_MS) return { kind: 'live' };
  if (action.kind === 'start') await startWorkflow(ports, invoice, invoice.workflowRun);
  if (action.kind === 'restart') {
    if (!(await ports.invoices.claimWorkflowRun(invoice.corpId, invoice.invoiceId, invoice.workflowRun))) return { kind: 'live' };
    await startWorkflow(ports, invoice, action.run);
  }
  if (action.kind !== 'live') logger.warn('invoice workflow revived', { corpId: invoice.corpId, invoiceId: invoice.invoiceId, execution, action: action.kind });
  return action;
};

const sameBuyer = (invoice: Invoice, request: z.infer<typeof invoiceRequest>) =>
  invoice.title === request.title && invoice.taxId === request.taxId && invoice.email === request.email;

/**
 * One invoice per paid, unrefunded order: the order is marked in the same transaction that records
 * it. Applying again, with the same buyer, for an invoice whose workflow is not running (its start
 * failed, or it ended without issuing) gets the workflow running and answers that invoice.
 */
export const applyForInvoice = async (
  ports: Pick<Ports, 'orders' | 'invoices' | 'calendar' | 'documents' | 'clock' | 'workflows'>,
  corpId: string,
  orderId: string,
  request: z.infer<typeof invoiceRequest>,
): Promise<InvoiceView> => {
  const order = await ports.orders.getOrder(corpId, orderId);
  if (!order) throw new DomainError('ORDER_NOT_PAID', `Order ${orderId} has not been paid (billing has not reported it).`, { orderId });
  if (order.refundedAt) throw new DomainError('ORDER_REFUNDED', `Order ${orderId} was refunded at ${order.refundedAt}.`, { orderId });
  const now = ports.clock.now();
  const invoice = await openInvoice(ports, now, { corpId, orderId, ...request, seats: order.seats, amount: order.amount });
  const applied = await ports.invoices.apply(invoice);
  if (applied.outcome === 'exists') {
    const existing = await ports.invoices.get(corpId, applied.invoiceId);
    if (existing && isOpen(existing.status) && sameBuyer(existing, request)) {
      const revived = await reviveWorkflow(ports, existing, now);
      if (revived.kind === 'start' || revived.kind === 'restart') return toInvoiceView(ports, existing);
    }
    throw new DomainError('INVOICE_EXISTS', `Order ${orderId} already has invoice ${applied.invoiceId}.`, { invoiceId: applied.invoiceId });
  }
  if (applied.outcome === 'orderNotPaid') throw new DomainError('ORDER_NOT_PAID', `Order ${orderId} has not been paid.`, { orderId });
  if (applied.outcome === 'refunded') throw new DomainError('ORDER_REFUNDED', `Order ${orderId} was refunded.`, { orderId });
  await startWorkflow(ports, invoice, 0);
  logger.info('invoice requested', { corpId, orderId, invoiceId: invoice.invoiceId, dueBy: invoice.dueBy, provisional: invoice.dueByProvisional });
  return toInvoiceView(ports, invoice);
};

export const getInvoice = async (
  ports: Pick<Ports, 'invoices' | 'calendar' | 'documents'>,
  corpId: string,
  invoiceId: string,
): Promise<InvoiceView> => {
  const invoice = await ports.invoices.get(corpId, invoiceId);
  if (!invoice) throw new DomainError('INVOICE_NOT_FOUND', `No invoice ${invoiceId} in corp ${corpId}.`);
  return toInvoiceView(ports, await withCurrentDue(ports, invoice));
};

export const listInvoices = async (
  ports: Pick<Ports, 'invoices' | 'calendar' | 'documents'>,
  corpId: string,
  page: PageRequest,
): Promise<Page<InvoiceView>> => {
  const found = await ports.invoices.list(corpId, page);
  // One read of the schedule for the page, and only if some due date is provisional.
  let calendar: Promise<WorkCalendar> | undefined;
  const shared = () => (calendar ??= loadWorkCalendar(ports));
  const items = await Promise.all(found.items.map(async (invoice) => toInvoiceView(ports, await withCurrentDue(ports, invoice, shared))));
  return { items, nextCursor: found.nextCursor };
};

export type IssuanceCheck = { status: Invoice['status']; done: boolean; nextCheckAt: string | null };

/** A red-letter invoice, once issued, turns the invoice it reverses `reversed` (again on a retry: it is idempotent). */
const completeReversal = async (ports: Pick<Ports, 'invoices'>, red: Invoice) => {
  if (red.reverses && (await ports.invoices.markReversed(red.corpId, red.reverses))) {
    logger.info('invoice reversed', { corpId: red.corpId, invoiceId: red.reverses, reversedBy: red.invoiceId });
  }
};

/**
 * One check of the invoice workflow: ask the issuer; store the PDF once issued. Past `dueBy`
 * (the end of its 7th working day) the invoice turns `overdue` and one alert goes out; checks go
 * on, further apart each time (1 minute doubling to an hour), until it is issued or closed.
 */
export const checkIssuance = async (
  ports: Pick<Ports, 'invoices' | 'calendar' | 'issuer' | 'documents' | 'alerts' | 'clock'>,
  input: { corpId: string; invoiceId: string },
): Promise<IssuanceCheck> => {
  const stored = await ports.invoices.get(input.corpId, input.invoiceId);
  if (!stored) throw new Error(`No invoice ${input.invoiceId}`);
  if (stored.status === 'issued') await completeReversal(ports, stored);
  if (!isOpen(stored.status)) return { status: stored.status, done: true, nextCheckAt: null };
  const invoice = await withCurrentDue(ports, stored);

  // The check's time is when it began: a clock that moves during a slow issuer call brings the next check forward.
  const now = ports.clock.now();
  const outcome = await ports.issuer.issue(invoice, now);
  countMetric('InvoiceIssuerCalls', { result: outcome.kind === 'unavailable' ? 'failed' : outcome.kind });
  if (outcome.kind === 'unavailable') logger.warn('invoice issuer unavailable', { corpId: invoice.corpId, invoiceId: invoice.invoiceId, issuer: outcome.detail });
  if (outcome.kind === 'issued') {
    const key = pdfKey(invoice);
    await ports.documents.put(key, outcome.pdf, 'application/pdf');
    const issued = { issuedAt: outcome.issuedAt, invoiceNumber: outcome.invoiceNumber, pdfKey: key };
    if (!(await ports.invoices.markIssued(invoice.corpId, invoice.invoiceId, issued))) {
      const current = (await ports.invoices.get(invoice.corpId, invoice.invoiceId))!;
      // Cancelled by a refund while the issuer was issuing: the issuer's invoice needs a person.
      if (current.status !== 'issued') logger.error('invoice issued after it closed', { corpId: invoice.corpId, invoiceId: invoice.invoiceId, status: current.status, invoiceNumber: outcome.invoiceNumber });
      return { status: current.status, done: true, nextCheckAt: null };
    }
    logger.info('invoice issued', { corpId: invoice.corpId, invoiceId: invoice.invoiceId, kind: invoice.kind, invoiceNumber: outcome.invoiceNumber });
    countMetric('InvoicesIssued', {});
    await completeReversal(ports, invoice);
    return { status: 'issued', done: true, nextCheckAt: null };
  }

  let status = invoice.status;
  if (formatInstant(now) > invoice.dueBy) {
    if (status === 'requested' && (await ports.invoices.markOverdue(invoice.corpId, invoice.invoiceId))) status = 'overdue';
    if (!invoice.alertedAt) {
      logger.warn('invoice overdue', {
        alert: 'InvoiceOverdue',
        corpId: invoice.corpId,
        invoiceId: invoice.invoiceId,
        orderId: invoice.orderId,
        dueBy: invoice.dueBy,
        issuer: outcome.detail,
      });
      await ports.alerts.invoiceOverdue({ ...invoice, status });
      countMetric('InvoicesOverdue', {});
      await ports.invoices.markAlerted(invoice.corpId, invoice.invoiceId, formatInstant(now));
    }
  }
  const checks = await ports.invoices.countCheck(invoice.corpId, invoice.invoiceId);
  let next = now.getTime() + Math.min(MAX_CHECK_INTERVAL_MS, FIRST_CHECK_AFTER_MS * 2 ** (checks - 1));
  // The deadline itself is a check: the moment after it the invoice is overdue.
  const deadline = Date.parse(invoice.dueBy) + 1000;
  if (status === 'requested' && deadline < next) next = deadline;
  return { status, done: false, nextCheckAt: formatInstant(new Date(next)) };
};

/**
 * The invoice workflow's last state when a task kept failing: one alert for the run (the sweeper
 * then restarts the workflow or closes the invoice `failed`).
 */
export const raiseInvoiceWorkflowFailure = async (
  ports: Pick<Ports, 'invoices' | 'alerts'>,
  input: { corpId: string; invoiceId: string; failure: { Error?: string; Cause?: string } | null },
): Promise<void> => {
  const invoice = await ports.invoices.get(input.corpId, input.invoiceId);
  if (!invoice) throw new Error(`No invoice ${input.invoiceId}`);
  const error = input.failure?.Error ?? 'unknown';
  logger.error('invoice workflow failed', {
    alert: 'InvoiceWorkflowFailed',
    corpId: invoice.corpId,
    invoiceId: invoice.invoiceId,
    run: invoice.workflowRun,
    error,
    cause: input.failure?.Cause,
  });
  await ports.alerts.invoiceWorkflowFailed(invoice, { error, run: invoice.workflowRun });
};

/**
 * What a refund does to the order's invoice (`refundEffect`): one not issued yet is cancelled (a
 * number it drew turns void); an issued one gets a red-letter invoice with its own number and PDF,
 * issued by its own workflow, and turns `reversed` once that is issued. Redelivered, it changes nothing.
 */
export const settleRefundedInvoice = async (
  ports: Pick<Ports, 'invoices' | 'calendar' | 'clock' | 'workflows'>,
  corpId: string,
  orderId: string,
): Promise<void> => {
  // A cancellation that loses a race with issuance reads the invoice again, now issued, and reverses it.
  for (let attempt = 0; attempt < 3; attempt++) {
    const invoice = await ports.invoices.forOrder(corpId, orderId);
    if (!invoice) return;
    const now = ports.clock.now();
    const effect = refundEffect(invoice);
    if (effect === 'none') {
      // A refund redelivered after a crash between recording the reversal and starting its workflow.
      if (invoice.reversedBy) await ports.workflows.start('invoice', invoiceExecutionName(invoice.reversedBy, 0), { corpId, invoiceId: invoice.reversedBy });
      return;
    }
    if (effect === 'cancel') {
      const closed = await ports.invoices.close(corpId, invoice.invoiceId, { status: 'cancelled', reason: 'The order was refunded before the invoice was issued', at: formatInstant(now) });
      if (closed) return void logger.info('invoice cancelled', { corpId, orderId, invoiceId: invoice.invoiceId, voidedNumber: closed.invoiceNumber });
      continue;
    }
    const red = await openInvoice(ports, now, {
      corpId,
      orderId,
      title: invoice.title,
      taxId: invoice.taxId,
      email: invoice.email,
      seats: invoice.seats,
      amount: reversalAmount(invoice.amount),
      kind: 'red',
      reverses: invoice.invoiceId,
      reversesNumber: invoice.invoiceNumber,
    });
    const reversal = await ports.invoices.reverse(invoice, red);
    if (reversal.outcome === 'notIssued') continue;
    const redId = reversal.outcome === 'created' ? red.invoiceId : reversal.invoiceId;
    await ports.workflows.start('invoice', invoiceExecutionName(redId, 0), { corpId, invoiceId: redId });
    logger.info('invoice reversal requested', { corpId, orderId, invoiceId: invoice.invoiceId, reversedBy: redId });
    return;
  }
  throw new Error(`The invoice of order ${orderId} kept changing while its refund was settled`);
};

export type InvoiceSweep = { open: number; live: number; started: number; restarted: number; failed: number };

/**
 * For a scheduled sweeper: every open invoice (requested or overdue, of any corp) whose workflow is
 * not running is started again, or restarted under a new run while the run budget lasts; past it,
 * the invoice is closed `failed` with its reason and an `InvoiceFailed` alert.
 */
export const sweepStuckInvoices = async (ports: Pick<Ports, 'invoices' | 'workflows' | 'alerts'>, now: Date): Promise<InvoiceSweep> => {
  const sweep: InvoiceSweep = { open: 0, live: 0, started: 0, restarted: 0, failed: 0 };
  let cursor: string | null = null;
  do {
    const page: Page<{ corpId: string; invoiceId: string }> = await ports.invoices.listOpen(cursor);
    const limit = pLimit(SWEEP_CONCURRENCY);
    await Promise.all(
      page.items.map((ref) =>
        limit(async () => {
          try {
            await sweepOne(ports, ref, now, sweep);
          } catch (error) {
            // One invoice that cannot be looked at now (a throttled call) keeps none of the others from their sweep.
            logger.error('invoice not swept', { ...ref, error: error as Error });
          }
        }),
      ),
    );
    cursor = page.nextCursor;
  } while (cursor);
  return sweep;
};

const SWEEP_CONCURRENCY = 8;

const sweepOne = async (ports: Pick<Ports, 'invoices' | 'workflows' | 'alerts'>, ref: { corpId: string; invoiceId: string }, now: Date, sweep: InvoiceSweep) => {
  // The index is eventually consistent: the invoice itself says whether it is still open.
  const invoice = await ports.invoices.get(ref.corpId, ref.invoiceId);
  if (!invoice || !isOpen(invoice.status)) return;
  sweep.open += 1;
  const action = await reviveWorkflow(ports, invoice, now);
  if (action.kind === 'live') sweep.live += 1;
  else if (action.kind === 'start') sweep.started += 1;
  else if (action.kind === 'restart') sweep.restarted += 1;
  else {
    const closed = await ports.invoices.close(invoice.corpId, invoice.invoiceId, { status: 'failed', reason: action.reason, at: formatInstant(now) });
    if (!closed) return;
    logger.error('invoice failed', { alert: 'InvoiceFailed', corpId: closed.corpId, invoiceId: closed.invoiceId, reason: action.reason });
    await ports.alerts.invoiceFailed(closed);
    sweep.failed += 1;
  }
};

/** The seller's invoice numbers for an auditor: every number drawn, to its invoice or void. */
export const readNumberLedger = (ports: Pick<Ports, 'invoices'>, sellerTaxId: string): Promise<LedgerEntry[]> => ports.invoices.numberLedger(sellerTaxId);
