import type { ExecutionStatus } from './workflow.ts';
import type { Money } from './seat-pool.ts';

/**
 * `requested`/`overdue` are open (the workflow owes an issuance); `issued`, `reversed` (a red-letter
 * invoice cancels it), `cancelled` (refunded before issuance) and `failed` (given up) are closed.
 */
export type InvoiceStatus = 'requested' | 'issued' | 'overdue' | 'reversed' | 'cancelled' | 'failed';

/** 蓝字 (blue): an ordinary invoice; 红字 (red): the reversal of an issued one, with a negative amount. */
export type InvoiceKind = 'blue' | 'red';

export const isOpen = (status: InvoiceStatus): boolean => status === 'requested' || status === 'overdue';

const NUMBER_DIGITS = 8;

/** The seller's n-th invoice number: `00000001` ... `99999999`. */
export const formatInvoiceNumber = (n: number): string => {
  if (!Number.isInteger(n) || n < 1 || n >= 10 ** NUMBER_DIGITS) throw new RangeError(`No invoice number ${n}: the sequence holds 1 to ${10 ** NUMBER_DIGITS - 1}`);
  return String(n).padStart(NUMBER_DIGITS, '0');
};

/** The red-letter amount: the original's, negated. */
export const reversalAmount = (amount: Money): Money => ({
  currency: amount.currency,
  value: amount.value.startsWith('-') ? amount.value.slice(1) : `-${amount.value}`,
});

export type RefundEffect = 'cancel' | 'reverse' | 'none';

/**
 * What a refund of the order does to its invoice: one not issued yet is cancelled (never issued);
 * an issued one is reversed by a red-letter invoice; anything else (closed, or itself a reversal)
 * is left as it is, which also makes a redelivered refund change nothing.
 */
export const refundEffect = (invoice: { status: InvoiceStatus; kind: InvoiceKind; reversedBy: string | null }): RefundEffect => {
  if (invoice.kind === 'red') return 'none';
  if (isOpen(invoice.status)) return 'cancel';
  if (invoice.status === 'issued' && !invoice.reversedBy) return 'reverse';
  return 'none';
};

/** An invoice's workflow may run this many times (the first, then restarts) before it is closed `failed`. */
export const MAX_WORKFLOW_RUNS = 3;

/** Execution names are unique per state machine for 90 days, so each restart needs a new one. */
export const invoiceExecutionName = (invoiceId: string, run: number): string => (run === 0 ? invoiceId : `${invoiceId}-r${run}`);


export type StuckInvoiceAction =
  | { kind: 'live' }
  /** The execution never started: start it under its own name (a repeated start is a no-op). */
  | { kind: 'start' }
  | { kind: 'restart'; run: number }
  | { kind: 'close'; reason: string };

/** What to do for an open invoice, given the state of its current workflow run. */
export const stuckInvoiceAction = (run: number, execution: ExecutionStatus): StuckInvoiceAction => {
  if (execution === 'running') return { kind: 'live' };
  if (execution === 'missing') return { kind: 'start' };
  if (run + 1 < MAX_WORKFLOW_RUNS) return { kind: 'restart', run: run + 1 };
  return { kind: 'close', reason: `The invoice workflow ended without issuing ${MAX_WORKFLOW_RUNS} times (last: ${execution})` };
};

export type NumberLine =
  | { invoiceNumber: string; use: 'invoice'; corpId: string; invoiceId: string; kind: InvoiceKind; drawnAt: string }
  | { invoiceNumber: string; use: 'void'; corpId: string; invoiceId: string; kind: InvoiceKind; drawnAt: string; voidedAt: string; reason: string };

export type LedgerEntry = NumberLine | { invoiceNumber: string; use: 'unaccounted' };

/**
 * The seller's ledger for an auditor: every number from 1 to the last drawn, each to its invoice
 * or void. A number drawn with no line (which the atomic draw rules out) shows as `unaccounted`.
 */
export const numberLedger = (lastNumber: number, lines: NumberLine[]): LedgerEntry[] => {
  const byNumber = new Map(lines.map((line) => [line.invoiceNumber, line]));
  return Array.from({ length: lastNumber }, (_, i) => {
    const invoiceNumber = formatInvoiceNumber(i + 1);
    return byNumber.get(invoiceNumber) ?? { invoiceNumber, use: 'unaccounted' as const };
  });
};
