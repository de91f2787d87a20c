import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Errors, JsonPath, TaskInput, type State } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** A Lambda task with the project's Retry and Catch: transient errors back off, the rest fail the flow. */
export const task = (
  scope: Construct,
  name: string,
  fn: IFunction,
  payload: Record<string, string>,
  resultPath: string,
  onFailure: State,
): LambdaInvoke => {
  const invoke = new LambdaInvoke(scope, name, {
    lambdaFunction: fn,
    payloadResponseOnly: true,
    payload: TaskInput.fromObject(
      Object.fromEntries(Object.entries(payload).map(([key, path]) => [key, JsonPath.stringAt(path)])),
    ),
    resultPath,
  });
  invoke.addRetry({ errors: [Errors.ALL], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6 });
  invoke.addCatch(onFailure, { resultPath: '$.error' });
  return invoke;
};
