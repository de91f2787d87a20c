import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildApp } from '../../infra/app.ts';
import { createTables, startDynamoDbLocal } from '../../local/dynamodb.ts';
import type { CfnTemplate } from '../../local/template.ts';
import { dynamoDocumentClient } from '#adapters/aws/dynamodb-client';
import { DomainError } from '#core/errors';

/**
 * AWS DynamoDB Local with the table the synthesised template declares, for suites that drive the
 * use cases and DynamoDB adapters directly (no local stack); the adapters find it through the
 * environment, as they do on Lambda.
 */
export const startTemplateTable = async (): Promise<{ db: DynamoDBDocumentClient; stop: () => void }> => {
  const dynamo = await startDynamoDbLocal();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  process.env.AWS_REGION = 'cn-north-1';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  const { app, stack } = buildApp({ 'aws:cdk:bundling-stacks': [] });
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  const [tableName] = await createTables(new DynamoDBClient({}), template);
  process.env.TABLE_NAME = tableName;
  return { db: dynamoDocumentClient(), stop: dynamo.stop };
};

/** What a use case answered, as the code a client would switch on: `OK`, or its DomainError's code. */
export const domainCodeOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
};
