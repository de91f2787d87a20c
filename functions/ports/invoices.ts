import type { Money } from '#core/seat-pool';
import type { Instant } from '#core/time';
import type { DueDate, YearSchedule } from '#core/working-days';
import type { Page, PageRequest } from './stores.ts';

export type InvoiceStatus = 'requested' | 'issued' | 'overdue';

export type Invoice = {
  corpId: string;
  invoiceId: string;
  orderId: string;
  status: InvoiceStatus;
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
  /** Object key of the PDF; the API turns it into a short-lived link. */
  pdfKey: string | null;
  /** When the overdue alert went out; set once, so the alert is raised once. */
  alertedAt: Instant | null;
  /** Issuer checks so far; spaces the next one out. */
  checks: number;
};

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
  /** The invoice's number from the corp's sequence: drawn once per invoice, never reused. */
  assignNumber(corpId: string, invoiceId: string): Promise<string>;
  /** Counts an issuer check and answers the count. */
  countCheck(corpId: string, invoiceId: string): Promise<number>;
  updateDue(corpId: string, invoiceId: string, due: DueDate): Promise<void>;
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
  | { kind: 'pending'; detail: string };

/** The e-invoicing system. Asked again until it issues; asking twice never issues twice. */
export interface InvoiceIssuer {
  issue(invoice: Invoice, now: Date): Promise<IssueOutcome>;
}

/** Where operational alerts go (EventBridge on AWS). */
export interface Alerts {
  invoiceOverdue(invoice: Invoice): Promise<void>;
  /** A handover closed `failed` because its workflow broke down, not because of its assets. */
  handoverFailed(handover: { corpId: string; handoverId: string; fromMemberId: string; reason: string }): Promise<void>;
}
