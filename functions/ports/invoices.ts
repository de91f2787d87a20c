import type { InvoiceKind, InvoiceStatus, LedgerEntry } from '#core/invoice';
import type { Money } from '#core/seat-pool';
import type { Instant } from '#core/time';
import type { DueDate, YearSchedule } from '#core/working-days';
import type { Page, PageRequest } from './stores.ts';

export type { InvoiceStatus } from '#core/invoice';

export type Invoice = {
  corpId: string;
  invoiceId: string;
  orderId: string;
  status: InvoiceStatus;
  kind: InvoiceKind;
  /** On a red-letter invoice: the invoice it reverses, and that invoice's number. */
  reverses: string | null;
  reversesNumber: string | null;
  /** On a blue invoice: the red-letter invoice that reverses it, once the refund came. */
  reversedBy: string | null;
  title: string;
  taxId: string;
  email: string;
  seats: number;
  amount: Money;
  requestedAt: Instant;
  dueBy: Instant;
  dueByProvisional: boolean;
  issuedAt: Instant | null;
  invoiceNumber: string | null;
  /** The seller whose number ledger holds `invoiceNumber` (numbers Steward drew itself only). */
  sellerTaxId: string | null;
  /** Object key of the PDF; the API turns it into a short-lived link. */
  pdfKey: string | null;
  /** When the overdue alert went out; set once, so the alert is raised once. */
  alertedAt: Instant | null;
  /** Issuer checks so far; spaces the next one out. */
  checks: number;
  /** The workflow run issuing it: 0 for the first execution, one more per restart. */
  workflowRun: number;
  /** Why it was cancelled or failed, and when. */
  closedReason: string | null;
  closedAt: Instant | null;
};

export type Closing = { status: 'cancelled' | 'failed'; reason: string; at: Instant };

export type Reversal = { outcome: 'created' } | { outcome: 'exists'; invoiceId: string } | { outcome: 'notIssued' };

/** An open invoice as the cross-corp index lists it. */
export type OpenInvoiceRef = { corpId: string; invoiceId: string };

export type Application =
  | { outcome: 'created' }
  | { outcome: 'orderNotPaid' }
  | { outcome: 'refunded' }
  | { outcome: 'exists'; invoiceId: string };

export interface InvoiceBook {
  /** Records the invoice and marks its order invoiced, atomically; the order must be paid, not refunded, not invoiced. */
  apply(invoice: Invoice): Promise<Application>;
  get(corpId: string, invoiceId: string): Promise<Invoice | null>;
  list(corpId: string, page: PageRequest): Promise<Page<Invoice>>;
  /** The order's (blue) invoice, if one was applied for. */
  forOrder(corpId: string, orderId: string): Promise<Invoice | null>;
  /** Open invoices of every corp, oldest request first (a sparse index, not a scan). */
  listOpen(cursor: string | null): Promise<Page<OpenInvoiceRef>>;
  /**
   * The invoice's number from the seller's sequence, drawn once per invoice and never reused: the
   * draw, its ledger line and the invoice's number are one transaction. Null if the invoice closed.
   */
  assignNumber(sellerTaxId: string, corpId: string, invoiceId: string, at: Instant): Promise<string | null>;
  /** Every number the seller drew, each to its invoice or void. */
  numberLedger(sellerTaxId: string): Promise<LedgerEntry[]>;
  /** Closes an open invoice; a number it held turns void in the ledger, in the same transaction. Null if it was not open. */
  close(corpId: string, invoiceId: string, closing: Closing): Promise<Invoice | null>;
  /** Records the red-letter invoice and marks the original `reversedBy` it, atomically; once per original. */
  reverse(original: Invoice, red: Invoice): Promise<Reversal>;
  /** `issued` -> `reversed`, once its red-letter invoice is issued; false if it was not `issued`. */
  markReversed(corpId: string, invoiceId: string): Promise<boolean>;
  /** Moves the invoice on to workflow run `run + 1`; false if another caller did first. */
  claimWorkflowRun(corpId: string, invoiceId: string, run: number): Promise<boolean>;
  /** Counts an issuer check and answers the count. */
  countCheck(corpId: string, invoiceId: string): Promise<number>;
  updateDue(corpId: string, invoiceId: string, due: DueDate): Promise<void>;
  /** Open -> `issued`; false if it was no longer open (e.g. cancelled meanwhile). */
  markIssued(corpId: string, invoiceId: string, issued: { issuedAt: Instant; invoiceNumber: string; pdfKey: string }): Promise<boolean>;
  /** `requested` -> `overdue`; false if it was not `requested` any more. */
  markOverdue(corpId: string, invoiceId: string): Promise<boolean>;
  /** False if the alert was already recorded. */
  markAlerted(corpId: string, invoiceId: string, at: Instant): Promise<boolean>;
}

/** The holiday schedule: the years shipped with the release, then those operators loaded since. */
export interface CalendarStore {
  /** In order of precedence: a later entry for a year replaces an earlier one. */
  years(): Promise<YearSchedule[]>;
  putYear(schedule: YearSchedule): Promise<void>;
}

export type IssueOutcome =
  | { kind: 'issued'; invoiceNumber: string; issuedAt: Instant; pdf: Uint8Array }
  /** The issuer took the request and is issuing. */
  | { kind: 'pending'; detail: string }
  /** The issuer did not answer, failed, or answered what Steward cannot read: asked again all the same. */
  | { kind: 'unavailable'; detail: string };

/** The e-invoicing system. Asked again until it issues; asking twice never issues twice. */
export interface InvoiceIssuer {
  issue(invoice: Invoice, now: Date): Promise<IssueOutcome>;
}

/** Where operational alerts go (EventBridge on AWS). */
export interface Alerts {
  invoiceOverdue(invoice: Invoice): Promise<void>;
  /** A handover closed `failed` because its workflow broke down, not because of its assets. */
  handoverFailed(handover: { corpId: string; handoverId: string; fromMemberId: string; reason: string }): Promise<void>;
  /** A run of the invoice workflow ended without issuing (a task kept failing). */
  invoiceWorkflowFailed(invoice: Invoice, failure: { error: string; run: number }): Promise<void>;
  /** The invoice was closed `failed`: nobody will issue it without an operator. */
  invoiceFailed(invoice: Invoice): Promise<void>;
}
