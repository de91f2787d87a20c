import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { DefinitionBody, Fail, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { task } from './task.ts';
import { waitUntil } from './timer.ts';

/**
 * One execution per allocation: wait until `revocableUntil`, then mark the allocation locked.
 * Ends harmlessly when the seat was revoked or released first (the lock step finds another allocation id).
 * Input: { corpId, memberId, allocationId, revocableUntil }.
 */
export const seatLockDefinition = (scope: Construct, fns: { checkDue: IFunction; lockSeat: IFunction }) => {
  const failed = new Fail(scope, 'SeatLockFailed', { error: 'SeatLockFailed' });
  const lock = task(
    scope,
    'LockSeat',
    fns.lockSeat,
    { corpId: '$.corpId', memberId: '$.memberId', allocationId: '$.allocationId' },
    '$.lock',
    failed,
  ).next(new Succeed(scope, 'SeatLocked'));
  return DefinitionBody.fromChainable(waitUntil(scope, 'RevocationWindow', '$.revocableUntil', fns.checkDue, failed, lock));
};
