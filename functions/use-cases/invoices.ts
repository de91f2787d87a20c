import { ulid } from 'ulid';
import type { z } from 'zod';
import { formatInstant } from '#core/time';
import { dueAfterWorkingDays, workCalendar, type WorkCalendar } from '#core/working-days';
import type { Deps } from '#commons/deps';
import { logger } from '#commons/logger';
import { Problem } from '#commons/problem';
import type { invoiceRequest, invoiceView } from '#commons/schemas';
import type { Invoice } from '#ports/invoices';
import type { Page, PageRequest } from '#ports/stores';

type InvoiceView = z.infer<typeof invoiceView>;

/** Issue within this many mainland-China working days. */
export const ISSUE_WITHIN_WORKING_DAYS = 7;
const PDF_LINK_SECONDS = 15 * 60;
const FIRST_CHECK_AFTER_MS = 60_000;
const MAX_CHECK_INTERVAL_MS = 60 * 60_000;

const loadWorkCalendar = async (deps: Deps): Promise<WorkCalendar> => workCalendar(await deps.calendar.years());

const pdfKey = (invoice: Invoice) => `invoices/${invoice.corpId}/${invoice.invoiceId}.pdf`;

/** A provisional due date is computed again once the year's schedule is loaded. */
const withCurrentDue = async (deps: Deps, invoice: Invoice, calendar: () => Promise<WorkCalendar> = () => loadWorkCalendar(deps)): Promise<Invoice> => {
  if (!invoice.dueByProvisional) return invoice;
  const due = dueAfterWorkingDays(new Date(invoice.requestedAt), await calendar(), ISSUE_WITHIN_WORKING_DAYS);
  if (due.dueBy === invoice.dueBy && due.provisional) return invoice;
  await deps.invoices.updateDue(invoice.corpId, invoice.invoiceId, due);
  logger.info('invoice due date recomputed', { invoiceId: invoice.invoiceId, from: invoice.dueBy, to: due.dueBy, provisional: due.provisional });
  return { ...invoice, dueBy: due.dueBy, dueByProvisional: due.provisional };
};

export const toInvoiceView = async (deps: Deps, invoice: Invoice): Promise<InvoiceView> => ({
  invoiceId: invoice.invoiceId,
  orderId: invoice.orderId,
  status: invoice.status,
  requestedAt: invoice.requestedAt,
  dueBy: invoice.dueBy,
  dueByProvisional: invoice.dueByProvisional,
  issuedAt: invoice.issuedAt,
  amount: invoice.amount,
  pdfUrl: invoice.pdfKey ? await deps.documents.presignedUrl(invoice.pdfKey, PDF_LINK_SECONDS) : null,
  invoiceNumber: invoice.invoiceNumber,
  title: invoice.title,
  taxId: invoice.taxId,
  email: invoice.email,
});

/** One invoice per paid, unrefunded order: the order is marked in the same transaction that records it. */
export const applyForInvoice = async (
  deps: Deps,
  corpId: string,
  orderId: string,
  request: z.infer<typeof invoiceRequest>,
): Promise<InvoiceView> => {
  const order = await deps.orders.getOrder(corpId, orderId);
  if (!order) throw new Problem(409, 'ORDER_NOT_PAID', `Order ${orderId} has not been paid (billing has not reported it).`, { orderId });
  if (order.refundedAt) throw new Problem(409, 'ORDER_REFUNDED', `Order ${orderId} was refunded at ${order.refundedAt}.`, { orderId });
  const now = deps.clock.now();
  const due = dueAfterWorkingDays(now, await loadWorkCalendar(deps), ISSUE_WITHIN_WORKING_DAYS);
  const invoice: Invoice = {
    corpId,
    invoiceId: `inv_${ulid(now.getTime())}`,
    orderId,
    status: 'requested',
    title: request.title,
    taxId: request.taxId,
    email: request.email,
    seats: order.seats,
    amount: order.amount,
    requestedAt: formatInstant(now),
    dueBy: due.dueBy,
    dueByProvisional: due.provisional,
    issuedAt: null,
    invoiceNumber: null,
    pdfKey: null,
    alertedAt: null,
    checks: 0,
  };
  const applied = await deps.invoices.apply(invoice);
  if (applied.outcome === 'exists') {
    throw new Problem(409, 'INVOICE_EXISTS', `Order ${orderId} already has invoice ${applied.invoiceId}.`, { invoiceId: applied.invoiceId });
  }
  if (applied.outcome === 'orderNotPaid') throw new Problem(409, 'ORDER_NOT_PAID', `Order ${orderId} has not been paid.`, { orderId });
  if (applied.outcome === 'refunded') throw new Problem(409, 'ORDER_REFUNDED', `Order ${orderId} was refunded.`, { orderId });
  await deps.workflows.start('invoice', invoice.invoiceId, { corpId, invoiceId: invoice.invoiceId });
  logger.info('invoice requested', { corpId, orderId, invoiceId: invoice.invoiceId, dueBy: due.dueBy, provisional: due.provisional });
  return toInvoiceView(deps, invoice);
};

export const getInvoice = async (deps: Deps, corpId: string, invoiceId: string): Promise<InvoiceView> => {
  const invoice = await deps.invoices.get(corpId, invoiceId);
  if (!invoice) throw new Problem(404, 'INVOICE_NOT_FOUND', `No invoice ${invoiceId} in corp ${corpId}.`);
  return toInvoiceView(deps, await withCurrentDue(deps, invoice));
};

export const listInvoices = async (deps: Deps, corpId: string, page: PageRequest): Promise<Page<InvoiceView>> => {
  const found = await deps.invoices.list(corpId, page);
  // One read of the schedule for the page, and only if some due date is provisional.
  let calendar: Promise<WorkCalendar> | undefined;
  const shared = () => (calendar ??= loadWorkCalendar(deps));
  const items = await Promise.all(found.items.map(async (invoice) => toInvoiceView(deps, await withCurrentDue(deps, invoice, shared))));
  return { items, nextCursor: found.nextCursor };
};

export type IssuanceCheck = { status: Invoice['status']; nextCheckAt: string | null };

/**
 * One check of the invoice workflow: ask the issuer; store the PDF once issued. Past `dueBy`
 * (the end of its 7th working day) the invoice turns `overdue` and one alert goes out; checks go
 * on, further apart each time (1 minute doubling to an hour), until it is issued.
 */
export const checkIssuance = async (deps: Deps, input: { corpId: string; invoiceId: string }): Promise<IssuanceCheck> => {
  const stored = await deps.invoices.get(input.corpId, input.invoiceId);
  if (!stored) throw new Error(`No invoice ${input.invoiceId}`);
  if (stored.status === 'issued') return { status: 'issued', nextCheckAt: null };
  const invoice = await withCurrentDue(deps, stored);

  // The check's time is when it began: a clock that moves during a slow issuer call brings the next check forward.
  const now = deps.clock.now();
  const outcome = await deps.issuer.issue(invoice, now);
  if (outcome.kind === 'issued') {
    const key = pdfKey(invoice);
    await deps.documents.put(key, outcome.pdf, 'application/pdf');
    await deps.invoices.markIssued(invoice.corpId, invoice.invoiceId, { issuedAt: outcome.issuedAt, invoiceNumber: outcome.invoiceNumber, pdfKey: key });
    logger.info('invoice issued', { corpId: invoice.corpId, invoiceId: invoice.invoiceId, invoiceNumber: outcome.invoiceNumber });
    return { status: 'issued', nextCheckAt: null };
  }

  let status = invoice.status;
  if (formatInstant(now) > invoice.dueBy) {
    if (status === 'requested' && (await deps.invoices.markOverdue(invoice.corpId, invoice.invoiceId))) status = 'overdue';
    if (!invoice.alertedAt) {
      logger.warn('invoice overdue', {
        alert: 'InvoiceOverdue',
        corpId: invoice.corpId,
        invoiceId: invoice.invoiceId,
        orderId: invoice.orderId,
        dueBy: invoice.dueBy,
        issuer: outcome.detail,
      });
      await deps.alerts.invoiceOverdue({ ...invoice, status });
      await deps.invoices.markAlerted(invoice.corpId, invoice.invoiceId, formatInstant(now));
    }
  }
  const checks = await deps.invoices.countCheck(invoice.corpId, invoice.invoiceId);
  let next = now.getTime() + Math.min(MAX_CHECK_INTERVAL_MS, FIRST_CHECK_AFTER_MS * 2 ** (checks - 1));
  // The deadline itself is a check: the moment after it the invoice is overdue.
  const deadline = Date.parse(invoice.dueBy) + 1000;
  if (status === 'requested' && deadline < next) next = deadline;
  return { status, nextCheckAt: formatInstant(new Date(next)) };
};
