import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { SERVICE_NAME } from './metric-names.ts';
import { tracerLoaded } from './tracing.ts';

/**
 * Powertools Tracer (and the X-Ray SDK under it, about 40 ms to import), imported only by the
 * `*-client.ts` adapters: it loads with a function's first AWS SDK client, so a request answered
 * before any AWS call, and a function that makes none, never pays for it.
 */
const tracer = new Tracer({ serviceName: SERVICE_NAME });
tracerLoaded(captureLambdaHandler(tracer));

/** The client, its calls traced as X-Ray subsegments (DynamoDB, S3, Step Functions...). */
export const traced = <T>(client: T): T => tracer.captureAWSv3Client(client);
