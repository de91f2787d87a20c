import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { dynamoClient } from '#adapters/aws/dynamodb-client';
import { tableName } from '#adapters/dynamodb/table';

/*
 * Powertools Idempotency on the table. It brings the SDK's DynamoDB client, so the webhook handler
 * imports this module with its first webhook that passes the checks, not at a cold start.
 */

/** Processed webhook ids are remembered for 30 days, well past any sender's retry schedule. */
const REMEMBER_FOR_S = 30 * 24 * 60 * 60;
const IN_PROGRESS_WAIT_MS = 200;
const IN_PROGRESS_TRIES = 25;

const config = new IdempotencyConfig({ eventKeyJmesPath: 'key', expiresAfterSeconds: REMEMBER_FOR_S });
let persistenceStore: DynamoDBPersistenceLayer | undefined;
const store = () =>
  (persistenceStore ??= new DynamoDBPersistenceLayer({
    tableName: tableName(),
    keyAttr: 'PK',
    sortKeyAttr: 'SK',
    staticPkValue: 'IDEMPOTENCY',
    expiryAttr: 'expiresAt',
    awsSdkV3Client: dynamoClient(),
  }));

/** `run` once per `input.key`: calls with a key already run answer what the first one did. */
export const oncePerKey = <I extends { key: string }, R>(run: (input: I) => Promise<R>) => {
  const once = makeIdempotent(run, { persistenceStore: store(), config });
  return async (input: I, context: Context): Promise<R> => {
    config.registerLambdaContext(context);
    for (let attempt = 0; ; attempt++) {
      try {
        return await once(input);
      } catch (error) {
        // A concurrent call with the same key is still running: wait for its answer.
        if (!(error instanceof IdempotencyAlreadyInProgressError) || attempt >= IN_PROGRESS_TRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, IN_PROGRESS_WAIT_MS));
      }
    }
  };
};
