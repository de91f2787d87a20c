import { Choice, Condition, Wait, WaitTime, type IChainable, type INextable, type State } from 'aws-cdk-lib/aws-stepfunctions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { task } from './task.ts';

/**
 * Waits until the timestamp at `dueAtPath`, then asks the clock whether it is due and loops while
 * it is not. On AWS the loop runs once; the local stack parks the Wait on its movable clock, so
 * `/local/clock` drives the workflow, and the check guards against a clock moved back.
 */
export const waitUntil = (
  scope: Construct,
  name: string,
  dueAtPath: string,
  checkDue: IFunction,
  onFailure: State,
  then: IChainable,
): State & INextable => {
  const wait = new Wait(scope, `Wait${name}`, { time: WaitTime.timestampPath(dueAtPath) });
  const check = task(scope, `Check${name}Due`, checkDue, { dueAt: dueAtPath }, '$.timer', onFailure);
  wait.next(check).next(
    new Choice(scope, `Is${name}Due`).when(Condition.booleanEquals('$.timer.due', true), then).otherwise(wait),
  );
  return wait;
};
