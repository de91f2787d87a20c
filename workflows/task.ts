import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Errors, JsonPath, TaskInput, type State } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

export type TaskOptions = {
  /** Errors retried longer and first, before the general retry (e.g. a throttled downstream service). */
  throttling?: string[];
};

/**
 * A Lambda task with the project's Retry and Catch: transient errors back off, the rest go to
 * `onFailure`. Payload values starting with `$` are paths into the state; others are literals.
 */
export const task = (
  scope: Construct,
  name: string,
  fn: IFunction,
  payload: Record<string, string>,
  resultPath: string,
  onFailure: State,
  options: TaskOptions = {},
): LambdaInvoke => {
  const invoke = new LambdaInvoke(scope, name, {
    lambdaFunction: fn,
    payloadResponseOnly: true,
    payload: TaskInput.fromObject(
      Object.fromEntries(Object.entries(payload).map(([key, value]) => [key, value.startsWith('$') ? JsonPath.stringAt(value) : value])),
    ),
    resultPath,
  });
  if (options.throttling) {
    invoke.addRetry({ errors: options.throttling, interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 8, maxDelay: Duration.minutes(5) });
  }
  invoke.addRetry({ errors: [Errors.ALL], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6 });
  invoke.addCatch(onFailure, { resultPath: '$.error' });
  return invoke;
};
