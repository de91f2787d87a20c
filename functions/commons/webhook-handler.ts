import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { z } from 'zod';
import { dynamoClient } from '#adapters/aws/dynamodb-client';
import { tableName } from '#adapters/dynamodb/table';
import { clock } from '#providers/clock';
import { JSON_BODY_LIMIT, httpHandler, jsonBody, type HttpRequest } from './http.ts';
import { logger } from './logger.ts';
import { Problem } from './problem.ts';
import { webhookSecret, type WebhookSource } from './secrets.ts';
import { signingKeys, verifyWebhook } from './webhook-signature.ts';

/** Processed webhook ids are remembered for 30 days, well past any sender's retry schedule. */
const REMEMBER_FOR_S = 30 * 24 * 60 * 60;
const IN_PROGRESS_WAIT_MS = 200;
const IN_PROGRESS_TRIES = 25;

type Accepted = { accepted: true; eventId: string };

const idempotencyConfig = new IdempotencyConfig({ eventKeyJmesPath: 'key', expiresAfterSeconds: REMEMBER_FOR_S });
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

/**
 * A signed webhook endpoint: size, signature, media type, JSON and schema are checked before
 * anything is written; the effect runs once per `webhook-id` and redeliveries get the same answer.
 */
export const webhookHandler = <S extends z.ZodType<{ type: string }>>(
  source: WebhookSource,
  schema: S,
  apply: (event: z.infer<S>) => Promise<void>,
) => {
  let applyOnce: ((input: { key: string; event: z.infer<S>; eventId: string }) => Promise<Accepted>) | undefined;
  const idempotentApply = () =>
    (applyOnce ??= makeIdempotent(
      async ({ event, eventId }: { key: string; event: z.infer<S>; eventId: string }): Promise<Accepted> => {
        await apply(event);
        logger.info('webhook applied', { source, eventId, type: event.type });
        return { accepted: true, eventId };
      },
      { persistenceStore: store(), config: idempotencyConfig },
    ));

  return httpHandler({
    [`POST /webhooks/${source}`]: async (request: HttpRequest) => {
      if (request.rawBody.length > JSON_BODY_LIMIT) {
        throw new Problem(413, 'PAYLOAD_TOO_LARGE', `Webhook bodies are limited to ${JSON_BODY_LIMIT} bytes.`);
      }
      const keys = signingKeys(await webhookSecret(source));
      const { id } = verifyWebhook(request.headers, request.rawBody, keys, [Date.now(), clock().now().getTime()]);
      const event = jsonBody(request, schema);
      idempotencyConfig.registerLambdaContext(request.context);
      for (let attempt = 0; ; attempt++) {
        try {
          return { status: 202, body: await idempotentApply()({ key: `${source}:${id}`, event, eventId: id }) };
        } catch (error) {
          // A concurrent delivery of the same id is still running: wait for its answer.
          if (!(error instanceof IdempotencyAlreadyInProgressError) || attempt >= IN_PROGRESS_TRIES) throw error;
          await new Promise((resolve) => setTimeout(resolve, IN_PROGRESS_WAIT_MS));
        }
      }
    },
  });
};
