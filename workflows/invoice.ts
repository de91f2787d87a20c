import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, DefinitionBody, Fail, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { task } from './task.ts';
import { waitUntil } from './timer.ts';

/**
 * One execution per invoice run: check with the issuer until it is issued or closed, waiting in
 * between (no task tokens, which the local stack cannot run). The check marks the invoice overdue
 * and raises the alert once `dueBy` has passed, and keeps going. Every task's last failure raises
 * an `InvoiceWorkflowFailed` alert before the execution fails, so no run ends unnoticed (the
 * sweeper restarts it or closes the invoice). Input: { corpId, invoiceId }.
 */
export const invoiceDefinition = (scope: Construct, fns: { checkDue: IFunction; checkInvoice: IFunction; invoiceFailed: IFunction }) => {
  const failed = new Fail(scope, 'InvoiceFailed', { error: 'InvoiceFailed' });
  // If even the alert cannot be raised, the execution fails as it is and the sweeper finds the invoice.
  const alert = task(scope, 'AlertInvoiceFailed', fns.invoiceFailed, { corpId: '$.corpId', invoiceId: '$.invoiceId', failure: '$.error' }, '$.alert', failed);
  alert.next(failed);
  const check = task(scope, 'CheckIssuance', fns.checkInvoice, { corpId: '$.corpId', invoiceId: '$.invoiceId' }, '$.check', alert);
  const done = new Choice(scope, 'IsInvoiceDone')
    .when(Condition.booleanEquals('$.check.done', true), new Succeed(scope, 'InvoiceDone'))
    .otherwise(waitUntil(scope, 'NextCheck', '$.check.nextCheckAt', fns.checkDue, alert, check));
  return DefinitionBody.fromChainable(check.next(done));
};
