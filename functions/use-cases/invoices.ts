import { ulid } from 'ulid';
import type { z } from 'zod';
import { formatInstant } from '#core/time';
import { dueAfterWorkingDays, workCalendar, type WorkCalendar } from '#core/working-days';
import { DomainError } from '#core/errors';
import { logger } from '#commons/logger';
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

/** One invoice per paid, unrefunded order: the order is marked in the same transaction that records it. */
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
  const due = dueAfterWorkingDays(now, await loadWorkCalendar(ports), ISSUE_WITHIN_WORKING_DAYS);
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
  const applied = await ports.invoices.apply(invoice);
  if (applied.outcome === 'exists') {
    throw new DomainError('INVOICE_EXISTS', `Order ${orderId} already has invoice ${applied.invoiceId}.`, { invoiceId: applied.invoiceId });
  }
  if (applied.outcome === 'orderNotPaid') throw new DomainError('ORDER_NOT_PAID', `Order ${orderId} has not been paid.`, { orderId });
  if (applied.outcome === 'refunded') throw new DomainError('ORDER_REFUNDED', `Order ${orderId} was refunded.`, { orderId });
  await ports.workflows.start('invoice', invoice.invoiceId, { corpId, invoiceId: invoice.invoiceId });
  logger.info('invoice requested', { corpId, orderId, invoiceId: invoice.invoiceId, dueBy: due.dueBy, provisional: due.provisional });
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

export type IssuanceCheck = { status: Invoice['status']; nextCheckAt: string | null };

/**
 * One check of the invoice workflow: ask the issuer; store the PDF once issued. Past `dueBy`
 * (the end of its 7th working day) the invoice turns `overdue` and one alert goes out; checks go
 * on, further apart each time (1 minute doubling to an hour), until it is issued.
 */
export const checkIssuance = async (
  ports: Pick<Ports, 'invoices' | 'calendar' | 'issuer' | 'documents' | 'alerts' | 'clock'>,
  input: { corpId: string; invoiceId: string },
): Promise<IssuanceCheck> => {
  const stored = await ports.invoices.get(input.corpId, input.invoiceId);
  if (!stored) throw new Error(`No invoice ${input.invoiceId}`);
  if (stored.status === 'issued') return { status: 'issued', nextCheckAt: null };
  const invoice = await withCurrentDue(ports, stored);

  // The check's time is when it began: a clock that moves during a slow issuer call brings the next check forward.
  const now = ports.clock.now();
  const outcome = await ports.issuer.issue(invoice, now);
  if (outcome.kind === 'issued') {
    const key = pdfKey(invoice);
    await ports.documents.put(key, outcome.pdf, 'application/pdf');
    await ports.invoices.markIssued(invoice.corpId, invoice.invoiceId, { issuedAt: outcome.issuedAt, invoiceNumber: outcome.invoiceNumber, pdfKey: key });
    logger.info('invoice issued', { corpId: invoice.corpId, invoiceId: invoice.invoiceId, invoiceNumber: outcome.invoiceNumber });
    return { status: 'issued', nextCheckAt: null };
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
      await ports.invoices.markAlerted(invoice.corpId, invoice.invoiceId, formatInstant(now));
    }
  }
  const checks = await ports.invoices.countCheck(invoice.corpId, invoice.invoiceId);
  let next = now.getTime() + Math.min(MAX_CHECK_INTERVAL_MS, FIRST_CHECK_AFTER_MS * 2 ** (checks - 1));
  // The deadline itself is a check: the moment after it the invoice is overdue.
  const deadline = Date.parse(invoice.dueBy) + 1000;
  if (status === 'requested' && deadline < next) next = deadline;
  return { status, nextCheckAt: formatInstant(new Date(next)) };
};
