import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logger } from './logger.ts';
import { publishMetrics } from './metrics.ts';
import { traceInvocation } from './tracing.ts';

/**
 * A workflow or scheduled task: the same middy stack as the HTTP handlers (logger context, tracing,
 * metrics), the input passed to `run` as it came. A thrown error fails the task, for its Retry and Catch.
 */
export const taskHandler = <I, O>(run: (input: I) => Promise<O>) =>
  middy<I, O>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(traceInvocation())
    .use(publishMetrics())
    .handler((input) => run(input));
