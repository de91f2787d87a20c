import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, DefinitionBody, Fail, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { task } from './task.ts';
import { waitUntil } from './timer.ts';

/**
 * One execution per paid order: count it in the pool, then wake at each boundary of its term
 * (start, end) to bring the pool up to date, until the order no longer changes it.
 * Input: { corpId, orderId }.
 */
export const purchaseDefinition = (scope: Construct, fns: { checkDue: IFunction; syncOrder: IFunction }) => {
  const failed = new Fail(scope, 'PurchaseFailed', { error: 'PurchaseFailed' });
  const sync = task(scope, 'SyncOrder', fns.syncOrder, { corpId: '$.corpId', orderId: '$.orderId' }, '$.sync', failed);
  const settled = new Choice(scope, 'IsOrderSettled')
    .when(Condition.booleanEquals('$.sync.done', true), new Succeed(scope, 'OrderSettled'))
    .otherwise(waitUntil(scope, 'TermBoundary', '$.sync.wakeAt', fns.checkDue, failed, sync));
  return DefinitionBody.fromChainable(sync.next(settled));
};
