import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, DefinitionBody, Fail, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { task } from './task.ts';
import { waitUntil } from './timer.ts';

/**
 * One execution per invoice: check with the issuer until it is issued, waiting in between (no task
 * tokens, which the local stack cannot run). The check marks the invoice overdue and raises the
 * alert once `dueBy` has passed, and keeps going. Input: { corpId, invoiceId }.
 */
export const invoiceDefinition = (scope: Construct, fns: { checkDue: IFunction; checkInvoice: IFunction }) => {
  const failed = new Fail(scope, 'InvoiceFailed', { error: 'InvoiceFailed' });
  const check = task(scope, 'CheckIssuance', fns.checkInvoice, { corpId: '$.corpId', invoiceId: '$.invoiceId' }, '$.check', failed);
  const issued = new Choice(scope, 'IsInvoiceIssued')
    .when(Condition.stringEquals('$.check.status', 'issued'), new Succeed(scope, 'InvoiceIssued'))
    .otherwise(waitUntil(scope, 'NextCheck', '$.check.nextCheckAt', fns.checkDue, failed, check));
  return DefinitionBody.fromChainable(check.next(issued));
};
