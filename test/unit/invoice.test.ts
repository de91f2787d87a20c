import { describe, expect, it } from 'vitest';
import {
  MAX_WORKFLOW_RUNS,
  formatInvoiceNumber,
  invoiceExecutionName,
  numberLedger,
  refundEffect,
  reversalAmount,
  stuckInvoiceAction,
  type NumberLine,
} from '#core/invoice';

describe('invoice numbers', () => {
  it('are 8 digits from 00000001 and refuse what the sequence cannot hold', () => {
    expect(formatInvoiceNumber(1)).toBe('00000001');
    expect(formatInvoiceNumber(12_345_678)).toBe('12345678');
    for (const n of [0, -1, 1.5, 100_000_000]) expect(() => formatInvoiceNumber(n)).toThrow(RangeError);
  });

  it('account for every number drawn: to an invoice, void, or flagged unaccounted', () => {
    const used: NumberLine = { invoiceNumber: '00000001', use: 'invoice', corpId: 'a', invoiceId: 'inv_1', kind: 'blue', drawnAt: '2026-06-01T00:00:00Z' };
    const voided: NumberLine = { ...used, invoiceNumber: '00000003', invoiceId: 'inv_3', use: 'void', voidedAt: '2026-06-02T00:00:00Z', reason: 'Invoice cancelled: refunded' };
    expect(numberLedger(3, [voided, used])).toEqual([used, { invoiceNumber: '00000002', use: 'unaccounted' }, voided]);
    expect(numberLedger(0, [])).toEqual([]);
  });
});

describe('a refund', () => {
  const blue = { kind: 'blue' as const, reversedBy: null };
  it('cancels an invoice not issued yet, reverses an issued one, and leaves the rest', () => {
    expect(refundEffect({ ...blue, status: 'requested' })).toBe('cancel');
    expect(refundEffect({ ...blue, status: 'overdue' })).toBe('cancel');
    expect(refundEffect({ ...blue, status: 'issued' })).toBe('reverse');
    for (const status of ['reversed', 'cancelled', 'failed'] as const) expect(refundEffect({ ...blue, status })).toBe('none');
  });

  it('changes nothing twice: an issued invoice already being reversed, or a red-letter invoice, stays', () => {
    expect(refundEffect({ kind: 'blue', status: 'issued', reversedBy: 'inv_red' })).toBe('none');
    expect(refundEffect({ kind: 'red', status: 'issued', reversedBy: null })).toBe('none');
    expect(refundEffect({ kind: 'red', status: 'requested', reversedBy: null })).toBe('none');
  });

  it('reverses with the negated amount', () => {
    expect(reversalAmount({ value: '59000.00', currency: 'CNY' })).toEqual({ value: '-59000.00', currency: 'CNY' });
  });
});

describe('an open invoice whose workflow is not running', () => {
  it('is left alone while its execution runs, and started under its own name when it never started', () => {
    expect(stuckInvoiceAction(0, 'running')).toEqual({ kind: 'live' });
    expect(stuckInvoiceAction(1, 'missing')).toEqual({ kind: 'start' });
  });

  it('is restarted under the next run after an execution ended, until the run budget is spent, then closed failed', () => {
    expect(stuckInvoiceAction(0, 'failed')).toEqual({ kind: 'restart', run: 1 });
    expect(stuckInvoiceAction(0, 'succeeded')).toEqual({ kind: 'restart', run: 1 });
    expect(stuckInvoiceAction(MAX_WORKFLOW_RUNS - 2, 'timed_out')).toEqual({ kind: 'restart', run: MAX_WORKFLOW_RUNS - 1 });
    expect(stuckInvoiceAction(MAX_WORKFLOW_RUNS - 1, 'aborted')).toEqual({ kind: 'close', reason: expect.stringContaining('aborted') });
  });

  it('runs under a new execution name each time: names are unique per state machine', () => {
    expect(invoiceExecutionName('inv_01', 0)).toBe('inv_01');
    expect(invoiceExecutionName('inv_01', 2)).toBe('inv_01-r2');
  });
});
